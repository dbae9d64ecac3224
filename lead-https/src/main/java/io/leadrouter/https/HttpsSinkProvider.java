package io.leadrouter.https;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
    Optional<URI> url = config.optionalUri(HttpsConfig.URL);
    if (url.isEmpty() && config.optionalString(HttpsConfig.URL).isEmpty()) {
      config.problem(HttpsConfig.URL, "is required", "set url to an https:// URL");
    }
    List<Secret> signingSecrets = Arrays.stream(config.secret(HttpsConfig.SIGNING_SECRET).reveal().strip()
        .split("\\s+")).filter(s -> !s.isEmpty()).map(Secret::of).toList();
    Map<String, Secret> secretHeaders = new LinkedHashMap<>();
    for (String key : config.keys()) {
      if (key.startsWith(SECRET_HEADERS_PREFIX)) {
        secretHeaders.put(key.substring(SECRET_HEADERS_PREFIX.length()), config.secret(key));
      }
    }
    Map<String, String> headers = config.section(HttpsConfig.HEADERS);
    Duration connectTimeout = config.duration(HttpsConfig.CONNECT_TIMEOUT, HttpsConfig.DEFAULT_CONNECT_TIMEOUT);
    Duration callTimeout = config.duration(HttpsConfig.CALL_TIMEOUT, HttpsConfig.DEFAULT_CALL_TIMEOUT);
    Set<String> allowedHosts = hosts(config, HttpsConfig.ALLOWED_HOSTS);
    Set<String> allowHttpHosts = hosts(config, HttpsConfig.ALLOW_HTTP_HOSTS);
    int maxConcurrency = config.integer(HttpsConfig.MAX_CONCURRENCY, HttpsConfig.DEFAULT_MAX_CONCURRENCY, 1, 256);
    if (url.isEmpty()) {
      config.validate(); // throws: the URL is missing or unreadable (and whatever else is wrong)
    }
    HttpsConfig settings = new HttpsConfig(url.orElseThrow(), signingSecrets, headers, secretHeaders,
        connectTimeout, callTimeout, allowedHosts, allowHttpHosts, maxConcurrency, HttpsConfig.DEFAULT_REMEMBERED_IDS);
    HttpsSink.Builder builder = HttpsSink.builder(settings);
    config.resource(OkHttpClient.class).ifPresent(builder::client);
    return config.build("", builder::build);
  }

  private static Set<String> hosts(SinkConfig config, String key) {
    Set<String> out = new LinkedHashSet<>();
    config.optionalString(key).ifPresent(text -> Arrays.stream(text.split("[,\\s]+"))
        .filter(s -> !s.isEmpty()).forEach(out::add));
    return out;
  }
}
