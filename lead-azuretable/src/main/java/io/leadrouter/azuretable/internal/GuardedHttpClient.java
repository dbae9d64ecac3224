package io.leadrouter.azuretable.internal;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.netty.NettyAsyncHttpClientBuilder;
import com.azure.core.util.Context;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import reactor.core.publisher.Mono;

/**
 * The Azure SDK's HTTP client behind the SSRF guard the OkHttp sinks have ({@link AddressGuard#forCloudApi()}): before
 * each request, the URL's host is judged in every spelling of an IP literal and, for a name, on every address it
 * resolves to. A refused request fails with a {@link BlockedAddressException} and opens no connection. The SDK's
 * Netty client resolves the name again when it connects: the Netty client {@link #netty} builds judges those addresses
 * too, just before connecting, so a DNS answer that changes between the two lookups (rebinding) is refused as well.
 */
public final class GuardedHttpClient implements HttpClient {
  private final HttpClient delegate;
  private final AddressGuard guard;
  private final AddressGuard.Resolver resolver;

  /** {@code delegate} guarded by {@code guard}, names resolved by {@code resolver} (the JDK's in production). */
  public GuardedHttpClient(HttpClient delegate, AddressGuard guard, AddressGuard.Resolver resolver) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.guard = Objects.requireNonNull(guard, "guard");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /** {@code delegate} guarded for a cloud API, names resolved by the JDK. */
  public static GuardedHttpClient forCloudApi(HttpClient delegate) {
    return new GuardedHttpClient(delegate, AddressGuard.forCloudApi(), h -> List.of(InetAddress.getAllByName(h)));
  }

  /**
   * The SDK's Netty client with the given timeouts, made from {@code base} (its resolver, connection pool...), guarded
   * by {@code guard} twice: each request's host is judged before it is sent (names resolved by {@code resolver}), and
   * every address Netty's own resolver answers is judged just before Netty connects to it, as the OkHttp sinks' socket
   * factory does: the SDK's client resolves the name again, and an answer that changed in between (DNS rebinding) would
   * otherwise be connected to unjudged.
   */
  public static GuardedHttpClient netty(reactor.netty.http.client.HttpClient base, AddressGuard guard,
      AddressGuard.Resolver resolver, Duration connectTimeout, Duration requestTimeout) {
    Objects.requireNonNull(guard, "guard");
    reactor.netty.http.client.HttpClient judged = base.resolvedAddressesSelector((config, addresses) -> {
      for (SocketAddress a : addresses) {
        try {
          guard.checkConnect(a); // a resolved address carries the name it was resolved for
        } catch (BlockedAddressException e) {
          throw new UncheckedIOException(e.getMessage(), e);
        }
      }
      return addresses;
    });
    HttpClient client = new NettyAsyncHttpClientBuilder(judged)
        .connectTimeout(connectTimeout)
        .responseTimeout(requestTimeout)
        .readTimeout(requestTimeout)
        .writeTimeout(requestTimeout)
        .build();
    return new GuardedHttpClient(client, guard, resolver);
  }

  /**
   * {@link #netty} for a cloud API, names resolved by the JDK for the check before each request and by the resolver the
   * SDK's builder gives Netty (the JDK's) for the connection.
   */
  public static GuardedHttpClient nettyForCloudApi(Duration connectTimeout, Duration requestTimeout) {
    return netty(reactor.netty.http.client.HttpClient.create(), AddressGuard.forCloudApi(),
        h -> List.of(InetAddress.getAllByName(h)), connectTimeout, requestTimeout);
  }

  @Override
  public Mono<HttpResponse> send(HttpRequest request) {
    return Mono.defer(() -> refusal(request).<Mono<HttpResponse>>map(Mono::error)
        .orElseGet(() -> delegate.send(request)));
  }

  @Override
  public Mono<HttpResponse> send(HttpRequest request, Context context) {
    return Mono.defer(() -> refusal(request).<Mono<HttpResponse>>map(Mono::error)
        .orElseGet(() -> delegate.send(request, context)));
  }

  @Override
  public HttpResponse sendSync(HttpRequest request, Context context) {
    Optional<BlockedAddressException> refused = refusal(request);
    if (refused.isPresent()) {
      throw new UncheckedIOException(refused.get().getMessage(), refused.get());
    }
    return delegate.sendSync(request, context);
  }

  /** The guard's refusal of the request's host, if it refuses it (an unresolvable name is the client's to report). */
  private Optional<BlockedAddressException> refusal(HttpRequest request) {
    String host = request.getUrl().getHost();
    try {
      guard.checkHost(host);
      if (AddressGuard.literalReadings(host).isEmpty()) {
        guard.lookup(host, resolver);
      }
      return Optional.empty();
    } catch (BlockedAddressException e) {
      return Optional.of(e);
    } catch (UnknownHostException e) {
      return Optional.empty(); // the client's own lookup fails the same way, as UNREACHABLE
    }
  }
}
