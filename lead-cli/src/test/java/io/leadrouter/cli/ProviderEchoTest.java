package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * No provider echoes a value that came from a reference ({@code ${ENV_VAR}}, {@code ${file:...}}) in its problems,
 * whatever the key (#18: a file such as /etc/shadow referenced by any setting must not be printed). Every provider
 * on the class path gets every setting any sink reads, each set from a reference to a bad value carrying a marker;
 * the problems must name the reference, never contain the marker.
 */
class ProviderEchoTest {
  private static final String MARKER = "zq9leak";
  /** Every setting the bundled sinks read (unknown ones are reported as such, which echoes nothing either). */
  private static final List<String> KEYS = List.of("myDomain", "apiVersion", "clientId", "clientSecret", "tenantId",
      "instanceUrl", "authorityHost", "idColumn", "leadSourceCode", "unreachableAfter", "timeout", "url", "secret",
      "allowedHosts", "endpoint", "munchkinId", "baseUrl", "identityUrl", "formId", "lookupField", "leadIdField",
      "mode", "match", "orgId", "timeZone", "tableName", "connectionString", "sasToken", "requestTimeout",
      "connectTimeout", "retryDelay", "maxRetries", "maxConcurrency", "maxBatchSize", "quotaRetryAfter", "apiUsageThreshold",
      "externalIdField", "leadSourceValue", "dailyCallLimit", "dailyLimit", "path", "format", "signingSecret",
      "headers.Authorization", "mapping.email", "fields.email", "proxyResolvedHosts");
  /** Bad in different ways: not a URL at all, a URL with a path and query, a bare word, a number-like text. */
  private static final List<String> VALUES = List.of(MARKER + " is bad", "http://" + MARKER + ".example/p?q=" + MARKER,
      MARKER, "9" + MARKER + "d", "ftp://" + MARKER + "/", "https://" + MARKER + ".example");

  static List<Object[]> cases() {
    List<Object[]> cases = new ArrayList<>();
    for (LeadSinkProvider p : ServiceLoader.load(LeadSinkProvider.class)) {
      for (String value : VALUES) {
        cases.add(new Object[] {p.type(), value});
      }
    }
    return cases;
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("cases")
  void problems_nameTheReference_neverTheValue(String type, String value, @TempDir Path dir) {
    LeadSinkProvider provider = ServiceLoader.load(LeadSinkProvider.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p.type().equals(type)).findFirst().orElseThrow();
    SinkConfig.Builder b = SinkConfig.builder("x", type).baseDirectory(dir);
    for (String key : KEYS) {
      b.secret(key, Secret.of(value), "${file:/run/secrets/" + key + "}");
    }
    String said;
    try {
      provider.create(b.build()).close();
      said = "";
    } catch (RuntimeException e) {
      StringBuilder all = new StringBuilder();
      for (Throwable t = e; t != null; t = t.getCause()) {
        all.append(t).append('\n');
      }
      said = all.toString();
    }
    assertThat(said).as("every provider refuses keys it does not know").contains("is not a setting of the");
    assertThat(said.toLowerCase(Locale.ROOT)).as(said).doesNotContain(MARKER);
  }
}
