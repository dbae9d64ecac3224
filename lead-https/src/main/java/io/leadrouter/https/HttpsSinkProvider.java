package io.leadrouter.https;

import io.leadrouter.spi.BuilderSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.util.Arrays;
import java.util.List;
import okhttp3.OkHttpClient;

/**
 * Creates {@link HttpsSink}s: {@code type: https}. Maps the descriptor keys onto {@link HttpsSink.Builder}, whose
 * {@code build()} checks them; see the module README for the settings.
 */
public final class HttpsSinkProvider extends BuilderSinkProvider<HttpsSink.Builder> {
  private static final String SECRET_HEADERS_PREFIX = HttpsConfig.SECRET_HEADERS + ".";

  /** Used by {@link java.util.ServiceLoader}. */
  public HttpsSinkProvider() {
    super(HttpsSink.TYPE, HttpsSink::builder, HttpsSinkProvider::keys, HttpsSink.Builder::build);
  }

  /** Maps the descriptor keys onto {@link HttpsSink.Builder}; its {@code build()} checks them. */
  private static void keys(SinkConfig config, HttpsSink.Builder b) {
    config.optionalUri(HttpsConfig.URL).ifPresent(b::url);
    // one key holds the current secret and, while rotating, the previous ones, separated by spaces
    config.optionalSecret(HttpsConfig.SIGNING_SECRET).ifPresent(all -> Arrays.stream(all.reveal().strip()
        .split("\\s+")).filter(s -> !s.isEmpty()).forEach(s -> b.signingSecret(Secret.of(s))));
    config.section(HttpsConfig.HEADERS).forEach(b::header);
    for (String key : config.keys()) {
      if (key.startsWith(SECRET_HEADERS_PREFIX)) {
        String name = key.substring(SECRET_HEADERS_PREFIX.length());
        config.optionalSecret(key).ifPresent(value -> b.secretHeader(name, value));
      }
    }
    b.connectTimeout(config.duration(HttpsConfig.CONNECT_TIMEOUT, HttpsConfig.DEFAULT_CONNECT_TIMEOUT));
    b.callTimeout(config.duration(HttpsConfig.CALL_TIMEOUT, HttpsConfig.DEFAULT_CALL_TIMEOUT));
    config.optionalString(HttpsConfig.ALLOWED_HOSTS).ifPresent(hosts -> words(hosts).forEach(b::allowHost));
    config.optionalString(HttpsConfig.ALLOW_HTTP_HOSTS).ifPresent(hosts -> words(hosts).forEach(b::allowHttpHost));
    config.optionalString(HttpsConfig.PROXY_RESOLVED_HOSTS)
        .ifPresent(hosts -> words(hosts).forEach(b::proxyResolvesHost));
    b.maxConcurrency(config.integer(HttpsConfig.MAX_CONCURRENCY, HttpsConfig.DEFAULT_MAX_CONCURRENCY, 1, 256));
    config.resource(OkHttpClient.class).ifPresent(b::client);
  }

  /** The items of a list written with commas and/or white space between them. */
  private static List<String> words(String text) {
    return Arrays.stream(text.strip().split("[,\\s]+")).filter(s -> !s.isEmpty()).toList();
  }
}
