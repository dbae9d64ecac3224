package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.ConnectionTrap;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import okhttp3.OkHttpClient;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The SSRF guard when the application's client sends through a proxy (its own {@code proxy}, a
 * {@link ProxySelector}, or the JVM's {@code https.proxyHost}/{@code socksProxyHost}, which OkHttp reads through
 * {@code ProxySelector.getDefault()}). Through a proxy the client never resolves the URL's host: the proxy does, so
 * a guard that judged only resolver answers and connected sockets saw nothing but the proxy's own address. The proxy
 * here is a {@link ConnectionTrap} on 127.0.0.1 (allow-listed, as an operator lists an internal proxy): whatever the
 * guard lets through lands there and is counted, so no test can reach a non-loopback address.
 */
class SsrfProxyTest {
  private static final Secret SECRET = Secret.of(WebhookReceiverFake.SECRET);
  private final List<String> lookups = new CopyOnWriteArrayList<>();

  /** A resolver answering from a table of made-up names (no real lookup); other names do not resolve here. */
  private List<InetAddress> table(String host) throws UnknownHostException {
    lookups.add(host);
    Map<String, String> table = Map.of("metadata.test", "169.254.169.254", "crm.internal.test", "10.0.0.7",
        "wireserver.test", "168.63.129.16", "imds6.test", "fd00:ec2::254", "hooks.public.test", "93.184.215.14");
    String address = table.get(host);
    if (address == null) {
      throw new UnknownHostException(host + ": not known to this machine's resolver (test table)");
    }
    return List.of(InetAddress.getByName(address)); // literals only
  }

  private OkHttpClient proxied(String how, ConnectionTrap trap) {
    OkHttpClient.Builder b = new OkHttpClient.Builder().dns(this::table);
    return switch (how) {
      case "proxy" -> b.proxy(trap.httpProxy()).build();
      case "selector" -> b.proxySelector(ProxySelector.of((InetSocketAddress) trap.httpProxy().address())).build();
      case "socks" -> b.proxy(new Proxy(Proxy.Type.SOCKS, trap.httpProxy().address())).build();
      default -> throw new IllegalArgumentException(how);
    };
  }

  private DeliveryException attempt(String host, String how, ConnectionTrap trap) {
    HttpsSink sink = HttpsSink.builder(URI.create("https://" + host + "/hook")).signingSecret(SECRET)
        .allowHost("127.0.0.1") // the proxy's address
        .connectTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30))
        .client(proxied(how, trap)).build();
    try (sink) {
      return catchThrowableOfType(DeliveryException.class, () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    }
  }

  @ParameterizedTest(name = "{0} through {1}")
  @CsvSource(delimiter = '|', textBlock = """
      metadata.test   | proxy    | metadata.test resolves to 169.254.169.254, a link-local / cloud metadata
      metadata.test   | selector | metadata.test resolves to 169.254.169.254, a link-local / cloud metadata
      metadata.test   | socks    | metadata.test resolves to 169.254.169.254, a link-local / cloud metadata
      crm.internal.test | proxy  | crm.internal.test resolves to 10.0.0.7, a private network (10.0.0.0/8)
      imds6.test      | selector | imds6.test resolves to fd00:ec2:0:0:0:0:0:254, an AWS instance metadata over IPv6
      wireserver.test | proxy    | wireserver.test resolves to 168.63.129.16, an Azure host agent (WireServer
      168.63.129.16   | proxy    | 168.63.129.16 is an Azure host agent (WireServer
      """)
  void deliver_throughAProxy_hostResolvingToABlockedAddress_isRefusedBeforeReachingTheProxy(String host, String how,
      String expected) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      DeliveryException e = attempt(host, how, trap);
      assertThat(e).as("refused").isNotNull();
      assertThat(e).as(e.getMessage()).isInstanceOf(PermanentDeliveryException.class);
      Diagnosis d = e.diagnosis().orElseThrow();
      assertThat(d.code()).isEqualTo("HTTPS_BLOCKED_ADDRESS");
      assertThat(d.message()).contains(expected);
      if (AddressGuard.literalReadings(host).isEmpty()) {
        assertThat(lookups).contains(host);
      }
      assertThat(trap.accepted(100)).as("connections that reached the proxy").isZero();
    }
  }

  @ParameterizedTest(name = "{0} through {1}")
  @CsvSource(delimiter = '|', textBlock = """
      hooks.public.test      | proxy
      hooks.public.test      | selector
      """)
  void deliver_throughAProxy_publicHost_stillGoesThroughTheProxy(String host, String how) {
    // a public answer passes (to the judged address: SsrfProxyPinningTest; a name this machine cannot resolve is
    // not left to the proxy: the guard would judge nothing)
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      DeliveryException e = attempt(host, how, trap);
      assertThat(e).as("the trap is no real proxy").isNotNull();
      assertThat(e).as(e.getMessage()).isInstanceOf(TransientDeliveryException.class);
      assertThat(trap.accepted(100)).as("connections that reached the proxy").isPositive();
    }
  }

  /**
   * A proxy on a blocked address that is not listed is refused before anything is sent, and the diagnosis says it is
   * the proxy: before, it read as the receiver's own address, with the fix "correct url".
   */
  @ParameterizedTest(name = "proxy {0} through {1}")
  @CsvSource(delimiter = '|', textBlock = """
      proxy.corp.test | proxy
      proxy.corp.test | socks
      127.0.0.1       | proxy
      """)
  void deliver_throughAProxyOnABlockedAddress_notListed_saysItIsTheProxy(String proxyHost, String how) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      Proxy.Type type = how.equals("socks") ? Proxy.Type.SOCKS : Proxy.Type.HTTP;
      OkHttpClient client = new OkHttpClient.Builder()
          .dns(h -> h.equals("proxy.corp.test") ? List.of(InetAddress.getByName("127.0.0.1")) : table(h))
          .proxy(new Proxy(type, InetSocketAddress.createUnresolved(proxyHost, trap.port()))).build();
      HttpsSink sink = HttpsSink.builder(URI.create("https://hooks.public.test/hook")).signingSecret(SECRET)
          .connectTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30)).client(client).build();
      try (sink) {
        DeliveryException e = catchThrowableOfType(DeliveryException.class,
            () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
        assertThat(e).as("refused").isInstanceOf(PermanentDeliveryException.class);
        Diagnosis d = e.diagnosis().orElseThrow();
        assertThat(d.code()).isEqualTo("HTTPS_BLOCKED_ADDRESS");
        assertThat(d.message()).contains("the proxy " + proxyHost, "127.0.0.1", "loopback");
        assertThat(d.remediation()).contains("proxy", "add " + proxyHost + " to allowedHosts", "proxy settings")
            .doesNotContain("correct url");
      }
      assertThat(trap.accepted(100)).as("connections that reached the proxy").isZero();
    }
  }

  /**
   * A proxy on this machine's network is listed by its host name, in any spelling the allow-list folds (case, a
   * trailing dot): only the proxy passes, and the URL's host is still judged by its own DNS answer.
   */
  @ParameterizedTest(name = "proxy {0} listed as {1}")
  @CsvSource(delimiter = '|', textBlock = """
      proxy.corp.test  | proxy.corp.test
      proxy.corp.test  | PROXY.Corp.Test.
      proxy.corp.test. | proxy.corp.test
      PROXY.CORP.TEST  | proxy.corp.test.
      """)
  void deliver_throughAProxyListedByName_reachesTheProxyOnly(String proxyHost, String listed) {
    try (ConnectionTrap trap = ConnectionTrap.open()) {
      OkHttpClient client = new OkHttpClient.Builder()
          .dns(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("proxy.corp.test")
              ? List.of(InetAddress.getByName("127.0.0.1")) : table(h))
          .proxy(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(proxyHost, trap.port()))).build();
      for (String host : List.of("hooks.public.test", "metadata.test")) {
        HttpsSink sink = HttpsSink.builder(URI.create("https://" + host + "/hook")).signingSecret(SECRET)
            .allowHost(listed).connectTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30))
            .client(client).build();
        try (sink) {
          DeliveryException e = catchThrowableOfType(DeliveryException.class,
              () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
          assertThat(e).as("the trap is no real proxy").isNotNull();
          assertThat(e.diagnosis().map(Diagnosis::code)).as(host + ": " + e.getMessage())
              .contains(host.equals("metadata.test") ? "HTTPS_BLOCKED_ADDRESS" : "HTTPS_UNAVAILABLE");
        }
      }
      assertThat(trap.accepted(100)).as("connections that reached the proxy (hooks.public.test only)").isEqualTo(1);
    }
  }
}
