package io.leadrouter.http;

import io.leadrouter.http.internal.TraceparentInterceptor;
import java.time.Duration;
import java.util.Objects;
import io.leadrouter.spi.AddressGuard;
import okhttp3.Dispatcher;
import okhttp3.Dns;
import okhttp3.OkHttpClient;

/**
 * OkHttp clients for sinks, all derived from one client so they share its connection pool and threads (OkHttp's
 * advice: one client, {@code newBuilder()} for variants). Each sink gets its own {@link Dispatcher}, sized to its
 * concurrency, so one destination's calls never queue behind another's (OkHttp's default allows 5 per host and
 * 64 in all). The sink that derived a client calls {@link #release} on close.
 */
public final class HttpClients {
  private static final AddressGuard CLOUD_API = AddressGuard.forCloudApi();
  /** The fewest calls one sink's dispatcher allows in all (OkHttp's default). */
  private static final int MIN_MAX_REQUESTS = 64;

  private HttpClients() {}

  /** The one client sinks derive from when the application registered none. */
  public static OkHttpClient shared() {
    return Shared.CLIENT;
  }

  /**
   * A builder for one sink's client: from {@code base} (the application's client, or {@link #shared()} when null),
   * with its own dispatcher allowing {@code maxConcurrency} calls per host, no redirects followed (a CRM that
   * redirects a POST is misconfigured, and following it could send credentials elsewhere), the timeouts, and the
   * current delivery attempt's W3C {@code traceparent} header on every call when the router traces.
   * The sink may add what only it needs ({@code dns}, interceptors) before {@code build()}.
   *
   * @param base the client to derive from, or null for {@link #shared()}
   * @param connectTimeout longest wait for a connection
   * @param callTimeout longest wait for a whole call, and for each read and write within it
   * @param maxConcurrency calls to one host at once
   */
  public static OkHttpClient.Builder builder(OkHttpClient base, Duration connectTimeout, Duration callTimeout,
      int maxConcurrency) {
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(callTimeout, "callTimeout");
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency must be at least 1: " + maxConcurrency);
    }
    Dispatcher dispatcher = new Dispatcher();
    dispatcher.setMaxRequestsPerHost(maxConcurrency);
    dispatcher.setMaxRequests(Math.max(MIN_MAX_REQUESTS, maxConcurrency));
    return (base == null ? shared() : base).newBuilder()
        .dispatcher(dispatcher)
        .addInterceptor(TraceparentInterceptor.INSTANCE)
        .followRedirects(false)
        .followSslRedirects(false)
        .connectTimeout(connectTimeout)
        .readTimeout(callTimeout)
        .writeTimeout(callTimeout)
        .callTimeout(callTimeout);
  }

  /**
   * {@link #builder} with one timeout for connecting and for the whole call, guarded against SSRF with
   * {@link AddressGuard#forCloudApi()} (no cloud API is at a metadata, link-local or unspecified address), built.
   */
  public static OkHttpClient derive(OkHttpClient base, Duration timeout, int maxConcurrency) {
    return guard(builder(base, timeout, timeout, maxConcurrency), base, CLOUD_API).build();
  }

  /**
   * Applies an SSRF guard to a builder made by {@link #builder}: {@code base}'s resolver (of {@link #shared()} when
   * null) is wrapped so every DNS answer is checked, and every connection's address is checked again just before
   * the socket connects, whatever spelling of the host led there. The builder's socket factory is replaced.
   */
  public static OkHttpClient.Builder guard(OkHttpClient.Builder builder, OkHttpClient base, AddressGuard guard) {
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(guard, "guard");
    Dns dns = (base == null ? shared() : base).dns();
    return builder.dns(host -> guard.lookup(host, dns::lookup)).socketFactory(guard.socketFactory());
  }

  /**
   * Stops the threads of a client's own dispatcher (made by {@link #builder}); the shared connection pool stays
   * open for the application and the other sinks.
   */
  public static void release(OkHttpClient client) {
    Objects.requireNonNull(client, "client");
    if (client.dispatcher() != shared().dispatcher()) {
      client.dispatcher().executorService().shutdown();
    }
  }

  private static final class Shared {
    static final OkHttpClient CLIENT = new OkHttpClient();
  }
}
