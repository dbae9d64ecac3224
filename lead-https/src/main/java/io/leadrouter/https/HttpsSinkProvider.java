package io.leadrouter.https;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import okhttp3.OkHttpClient;

/**
 * Creates {@link HttpsSink}s: {@code type: https}. A thin adapter: reads every key, reports every problem at once,
 * then uses {@link HttpsSink#builder(HttpsConfig)}. See the module README for the settings.
 */
public final class HttpsSinkProvider implements LeadSinkProvider {
  private static final String SECRET_HEADERS_PREFIX = HttpsConfig.SECRET_HEADERS + ".";

  @Override
  public String type() {
    return HttpsSink.TYPE;
  }

  @Override
  public LeadSink create(SinkConfig config) {
    URI url = config.uri(HttpsConfig.URL);
    List<Secret> signingSecrets = Arrays.stream(config.secret(HttpsConfig.SIGNING_SECRET).reveal().strip()
        .split("\\s+")).filter(s -> !s.isEmpty()).map(Secret::of).toList();
    Map<String, Secret> secretHeaders = new LinkedHashMap<>();
    for (String key : config.keys()) {
      if (key.startsWith(SECRET_HEADERS_PREFIX)) {
        secretHeaders.put(key.substring(SECRET_HEADERS_PREFIX.length()), config.secret(key));
      }
    }
    HttpsConfig settings = new HttpsConfig(url, signingSecrets, config.section(HttpsConfig.HEADERS), secretHeaders,
        config.duration(HttpsConfig.CONNECT_TIMEOUT, HttpsConfig.DEFAULT_CONNECT_TIMEOUT),
        config.duration(HttpsConfig.CALL_TIMEOUT, HttpsConfig.DEFAULT_CALL_TIMEOUT),
        hosts(config, HttpsConfig.ALLOWED_HOSTS), hosts(config, HttpsConfig.ALLOW_HTTP_HOSTS),
        config.integer(HttpsConfig.MAX_CONCURRENCY, HttpsConfig.DEFAULT_MAX_CONCURRENCY, 1, 256),
        HttpsConfig.DEFAULT_REMEMBERED_IDS);
    // cross-field checks, except for keys already reported (a missing secret is not also "malformed")
    Set<String> reported = new HashSet<>();
    config.problems().forEach(p -> reported.add(p.path()));
    settings.problems().stream().filter(p -> !reported.contains(config.path(p.path())))
        .forEach(p -> config.problem(p.path(), p.message(), p.fix()));
    config.validate();
    HttpsSink.Builder builder = HttpsSink.builder(settings);
    config.resource(OkHttpClient.class).ifPresent(builder::client);
    return builder.build();
  }

  private static Set<String> hosts(SinkConfig config, String key) {
    Set<String> out = new LinkedHashSet<>();
    config.optionalString(key).ifPresent(text -> Arrays.stream(text.split("[,\\s]+"))
        .filter(s -> !s.isEmpty()).forEach(out::add));
    return out;
  }
}
