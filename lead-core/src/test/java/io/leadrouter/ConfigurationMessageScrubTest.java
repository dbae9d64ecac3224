package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.RouterDescriptor.Format;
import io.leadrouter.journal.JournalException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A configuration value echoed in a {@link Problem}, a {@link ConfigurationException} or any other
 * {@link LeadRouterException} comes out scrubbed, whoever built the message: a JDBC URL's {@code password=}, a URL's
 * user info, an {@code Authorization} value, a customer's e-mail or phone, and a credential pasted into the wrong
 * field (a client secret where a number or duration was expected), while the field's path, what is wrong and the
 * fix stay readable.
 */
class ConfigurationMessageScrubTest {
  /** An Entra ID client secret, a Marketo client secret, an Azure account key, a Salesforce consumer secret... */
  static Stream<String> credentialShapes() {
    return Stream.of(
        "Xq78Q~k2Jd.pS9fLw_ZbV3nYt-R6uHcE1mAo4iGx",
        "Rl1ZcKzWjVMC5zaQjwPQ8eRvZC5J0V7d",
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==",
        "3MVG9A7Ek5WBY8QfKQ1ZL5j4Xq8DdOJ2kvFt5bLzW2cq",
        "9F3A1C0E7B2D4F6A8C1E3B5D7F9A0C2E4B6D8F0A1C3E5B7D9F2A4C6E8B0D1F3A",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "sk_live_51HxYzAbCdEfGh");
  }

  @ParameterizedTest
  @MethodSource("credentialShapes")
  void aCredentialPastedIntoTheWrongField_isNotQuotedBack(String secret) {
    String descriptor = "sinks:\n  local:\n    type: file\n    path: out/leads.ndjson\n    delivery:\n"
        + "      maxConcurrency: \"" + secret + "\"\n      initialBackoff: \"" + secret + "\"\n";

    ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
        () -> RouterDescriptor.parse(descriptor, Format.YAML, Path.of("/srv/router"), n -> Optional.empty()));

    assertThat(e).isNotNull();
    String shown = e.getMessage() + e.problems() + e;
    assertThat(shown).doesNotContain(secret).doesNotContain(secret.substring(0, 12))
        .contains("sinks.local.delivery.maxConcurrency", "is not a whole number",
            "sinks.local.delivery.initialBackoff", "is not a duration", "write e.g. 500ms")
        .contains(secret.length() + "-character value");
  }

  static Stream<Arguments> echoedValues() {
    return Stream.of(
        Arguments.of("'jdbc:postgresql://db.internal:5432/sales?user=lr&password=Pg-Pa55word-9' cannot be reached",
            "Pg-Pa55word-9", "db.internal:5432"),
        Arguments.of("'https://svc-user:Crm-Pa55word-7@contoso.crm.dynamics.com/' is not an https URL",
            "Crm-Pa55word-7", "contoso.crm.dynamics.com"),
        Arguments.of("header 'Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln' "
            + "is not allowed", "eyJ0eXAiOiJKV1Qi", "Authorization"),
        Arguments.of("'X-Api-Key: k3y-Value-77xyz' is not a header name", "k3y-Value-77xyz", "X-Api-Key"),
        Arguments.of("no sink named 'jane.doe@contoso.com'", "jane.doe", "j***@contoso.com"),
        Arguments.of("'+1 (425) 555-0199' is not a sink name", "555-0199", "***99"));
  }

  @ParameterizedTest
  @MethodSource("echoedValues")
  void everyLeadRouterExceptionAndProblem_scrubsWhatItQuotes(String message, String hidden, String kept) {
    List<Object> built = List.of(
        new ConfigurationException("sinks.crm.instanceUrl", message, "fix it; was " + message),
        new ConfigurationException(List.of(new Problem("a", message, "x"), new Problem("b", "ok", "fix " + message))),
        new ConfigurationException("conf/leadrouter.yaml", List.of(new Problem("journal.url", message, "")))
            .in("other.yaml"),
        new Problem("sinks.crm.instanceUrl", message, message),
        new InvalidLeadException("source", message, message),
        new JournalException(message),
        new LeadRouterException(message, new IllegalStateException()));

    for (Object o : built) {
      String shown = o instanceof Throwable t ? t.getMessage() + " | " + t : o.toString();
      assertThat(shown).as(o.getClass().getSimpleName()).doesNotContain(hidden).contains(kept);
    }
    assertThat(new ConfigurationException("sinks.crm.instanceUrl", message, "use https").getMessage())
        .startsWith("invalid configuration: sinks.crm.instanceUrl: ").endsWith(" (use https)");
  }

  /** Values that are not credentials stay as written, so the user can find the typo. */
  @ParameterizedTest
  @ValueSource(strings = {"8f3a6b2e-4c1d-4e5f-9a7b-1c2d3e4f5a6b", "contoso-prod.crm4.dynamics.com",
      "/srv/router/Conf2/secrets/Crm-Secret-File.txt", "crmEuWestPrimary2025", "dynamicsEmeaPrimary2",
      "io.leadrouter.dynamics.DynamicsSinkProvider", "2026-12-02T16:37:47.123Z", "contoso-crm-preview-2026",
      "https://contoso.crm4.dynamics.com/api/data/v9.2/leads", "30x", "1000000"})
  void ordinaryValues_areQuotedAsWritten(String value) {
    Problem p = new Problem("sinks.crm.x", "'" + value + "' is not valid", "write '" + value + "' differently");

    assertThat(p.toString()).isEqualTo("sinks.crm.x: '" + value + "' is not valid (write '" + value
        + "' differently)");
  }
}
