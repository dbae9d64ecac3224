package io.leadrouter.salesforce.internal;

import io.leadrouter.spi.AddressGuard;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/** The module's shared OkHttp client and small helpers around responses. Internal. */
public final class Http {
  /** Error bodies are read up to this many bytes: enough for Salesforce's JSON errors, bounded against surprises. */
  public static final long MAX_ERROR_BODY = 64 * 1024;
  /** Success bodies (collection results, describe) are read up to this many bytes. */
  public static final long MAX_BODY = 8 * 1024 * 1024;

  private static final OkHttpClient SHARED = new OkHttpClient();
  private static final AddressGuard GUARD = AddressGuard.forCloudApi();

  private Http() {}

  /**
   * A client for one sink: derived from the application's client when it registered one (sharing its connection
   * pool), else from this module's shared client; with its own timeouts and a dispatcher allowing
   * {@code maxConcurrency} requests per host.
   */
  public static OkHttpClient derive(Optional<OkHttpClient> base, Duration timeout, int maxConcurrency) {
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequestsPerHost(Math.max(maxConcurrency, 5));
    dispatcher.setMaxRequests(Math.max(64, maxConcurrency));
    return base.orElse(SHARED).newBuilder()
        .dispatcher(dispatcher)
        .connectTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .readTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .writeTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .callTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
        .followRedirects(false)
        // SSRF guard: never the cloud metadata / link-local / unspecified range, in any spelling
        .dns(host -> GUARD.lookup(host, base.orElse(SHARED).dns()::lookup))
        .socketFactory(GUARD.socketFactory())
        .build();
  }

  /** Stops the dispatcher's threads of a client made by {@link #derive}; its connection pool stays shared. */
  public static void release(OkHttpClient client) {
    client.dispatcher().executorService().shutdown();
  }

  /** The body as text, read up to {@code maxBytes}. */
  public static String body(Response response, long maxBytes) throws IOException {
    return response.peekBody(maxBytes).string();
  }

  /** {@code Retry-After} in seconds, when the response has a usable one. */
  public static Optional<Duration> retryAfter(Response response) {
    String v = response.header("Retry-After");
    if (v == null) {
      return Optional.empty();
    }
    try {
      long seconds = Long.parseLong(v.strip());
      return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
    } catch (NumberFormatException e) {
      return Optional.empty(); // an HTTP date: rare from Salesforce; the router's backoff applies
    }
  }
}
