package io.leadrouter.http;

import io.leadrouter.http.internal.PinnedProxies;
import io.leadrouter.http.internal.RetryAfterInterceptor;
import io.leadrouter.http.internal.TraceparentInterceptor;
import io.leadrouter.spi.AddressGuard;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;

/**
 * OkHttp clients for sinks, all derived from one client so they share its threads (OkHttp's advice: one client,
 * {@code newBuilder()} for variants). Each sink gets its own {@link Dispatcher}, sized to its concurrency, so one
 * destination's calls never queue behind another's (OkHttp's default allows 5 per host and 64 in all), and, when
 * derived from the shared client, its own {@link ConnectionPool} keeping one keep-alive connection per delivery in
 * flight: the shared default pool keeps 5 idle connections, so every burst beyond 5 opened new connections (a TLS
 * handshake each against a real CRM). {@link #sizedFor} grows it to the router's in-flight setting. A client the
 * application supplied keeps its own pool. The sink that derived a client calls {@link #release} on close.
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
   * redirects a POST is misconfigured, and following it could send credentials elsewhere), no request re-sent by
   * OkHttp after a connection failure (it may have been applied: the sink decides, see
   * {@link HttpFailures#neverSent}) nor after a 503 saying {@code Retry-After: 0}, the timeouts, and the
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
    OkHttpClient.Builder b = (base == null ? shared() : base).newBuilder();
    if (base == null || base == shared()) {
      b.connectionPool(ownPool(maxConcurrency));
    }
    return b
        .dispatcher(dispatcher)
        .addInterceptor(TraceparentInterceptor.INSTANCE)
        // OkHttp re-sent a POST by itself on a 503 with Retry-After: 0, and threw NumberFormatException out of the
        // call on a 503 whose Retry-After held more digits than an int: the value is rewritten to one the sink reads
        // the same and OkHttp ignores
        .addNetworkInterceptor(RetryAfterInterceptor.INSTANCE)
        .followRedirects(false)
        .followSslRedirects(false)
        // OkHttp's default re-sends a request whose connection failed on its own, even after the request went out
        // (a pooled connection cut before the answer; another address of the host): a POST the destination already
        // applied was sent twice, unseen by the sink (WebToLeadLostAnswerTest: two Leads for one form). The sink
        // classifies the failure instead, and the router retries only what its sink calls safe to retry.
        .retryOnConnectionFailure(false)
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
   * the socket connects, whatever spelling of the host led there; an IP literal in any spelling is judged before the
   * call. The builder's socket factory, proxy and proxy selector are replaced.
   *
   * <p>When {@code base} sends through a proxy (its {@code proxy}, its {@code proxySelector}, or the JVM's
   * {@code https.proxyHost}/{@code socksProxyHost} that the default selector reads), the URL's host is still resolved
   * here, with {@code base}'s resolver, and judged; the connection to the proxy then asks it for the judged address,
   * never for the name: {@code CONNECT 203.0.113.7:443} to an HTTP proxy (for plain {@code http} URLs too), a request
   * by address to a SOCKS5 proxy. The proxy never resolves the name itself, so an answer that differs from ours
   * (DNS rebinding between the two lookups, a proxy resolver that sees internal names) cannot send the request
   * elsewhere. TLS and the {@code Host} header keep the URL's host. {@code base}'s proxy authenticator is asked as
   * OkHttp asks it (pre-emptively, then on a 407). A name this machine cannot resolve fails the call, saying so
   * ({@link HttpFailures#unresolvableThroughProxy}; the four-argument {@code guard} lets the proxy resolve listed
   * hosts instead); the proxy's own address is judged like any other.
   */
  public static OkHttpClient.Builder guard(OkHttpClient.Builder builder, OkHttpClient base, AddressGuard guard) {
    return guard(builder, base, guard, Set.of());
  }

  /**
   * {@link #guard(OkHttpClient.Builder, OkHttpClient, AddressGuard)}, except that the proxy is asked for the hosts in
   * {@code proxyResolvedHosts} by name: an explicit opt-out from pinning, for locked-down networks where this machine
   * cannot resolve external names (only the proxy does) or where the proxy allows tunnels by host name and refuses an
   * IP literal. For such a host, and only when a proxy carries the call, the name is not looked up here: the HTTP
   * proxy gets {@code CONNECT hooks.example.com:443}, a SOCKS5 proxy a request by domain name. The proxy's resolver
   * then decides the address, so DNS rebinding and names that resolve to internal addresses become the proxy's to
   * refuse: the guard cannot judge an address it never sees. The proxy's own address is judged as before; a direct
   * call to such a host is resolved and judged here as any other. Entries compare as an allow-list's do
   * ({@link AddressGuard#canonicalHost}); unlisted hosts stay pinned.
   *
   * @param proxyResolvedHosts host names (never IP literals or {@code localhost}) the proxy resolves
   * @throws IllegalArgumentException naming an entry that is blank, an IP literal, {@code localhost}, or no host name
   */
  public static OkHttpClient.Builder guard(OkHttpClient.Builder builder, OkHttpClient base, AddressGuard guard,
      Collection<String> proxyResolvedHosts) {
    Objects.requireNonNull(builder, "builder");
    Objects.requireNonNull(guard, "guard");
    Objects.requireNonNull(proxyResolvedHosts, "proxyResolvedHosts");
    OkHttpClient from = base == null ? shared() : base;
    PinnedProxies pinned = new PinnedProxies(guard, from.dns(), from.proxy(), from.proxySelector(),
        from.proxyAuthenticator(), proxyResolvedHosts);
    // OkHttp hands text of digits and dots (0251.0376.0251.0376, 169.254.169.254.) to InetAddress, not to the Dns:
    // judged before the call, so such a host is refused as blocked rather than failing as an unknown host (the
    // socket factory would still refuse whatever address the JDK read it as)
    AtomicReference<String> passed = new AtomicReference<>(); // a sink calls one or two hosts: judged once each
    return builder.addInterceptor(chain -> {
      String host = chain.request().url().host();
      if (!host.equals(passed.get())) {
        guard.checkHost(host);
        passed.set(host);
      }
      return chain.proceed(chain.request());
    }).dns(pinned.dns()).proxy(null).proxySelector(pinned.selector()).socketFactory(pinned.socketFactory());
  }

  /**
   * The client with its pool and dispatcher grown to {@code inFlight} deliveries at once (the router's in-flight
   * setting may exceed the sink's own concurrency): the same client when they are large enough or the pool is the
   * application's.
   */
  public static OkHttpClient sizedFor(OkHttpClient client, int inFlight) {
    Objects.requireNonNull(client, "client");
    Dispatcher dispatcher = client.dispatcher();
    if (dispatcher != shared().dispatcher() && dispatcher.getMaxRequestsPerHost() < inFlight) {
      dispatcher.setMaxRequestsPerHost(inFlight);
      dispatcher.setMaxRequests(Math.max(dispatcher.getMaxRequests(), inFlight));
    }
    Integer size;
    synchronized (OWN_POOLS) {
      size = OWN_POOLS.get(client.connectionPool());
    }
    if (size == null || size >= inFlight) {
      return client;
    }
    client.connectionPool().evictAll();
    return client.newBuilder().connectionPool(ownPool(inFlight)).build();
  }

  /**
   * Stops the threads of a client's own dispatcher (made by {@link #builder}) and closes its own pool's idle
   * connections; a pool of the application's stays open for the application and its other users.
   */
  public static void release(OkHttpClient client) {
    Objects.requireNonNull(client, "client");
    if (client.dispatcher() != shared().dispatcher()) {
      client.dispatcher().executorService().shutdown();
    }
    boolean own;
    synchronized (OWN_POOLS) {
      own = OWN_POOLS.containsKey(client.connectionPool());
    }
    if (own) {
      client.connectionPool().evictAll();
    }
  }

  /** Pools this toolkit made for one sink, with the idle connections each keeps. */
  private static final Map<ConnectionPool, Integer> OWN_POOLS = new WeakHashMap<>();

  /** One idle keep-alive connection per delivery in flight, each kept 5 minutes (OkHttp's default keep-alive). */
  private static ConnectionPool ownPool(int inFlight) {
    int size = Math.max(5, inFlight);
    ConnectionPool pool = new ConnectionPool(size, 5, TimeUnit.MINUTES);
    synchronized (OWN_POOLS) {
      OWN_POOLS.put(pool, size);
    }
    return pool;
  }

  private static final class Shared {
    static final OkHttpClient CLIENT = new OkHttpClient();
  }
}
