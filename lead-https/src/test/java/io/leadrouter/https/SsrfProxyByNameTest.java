package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.http.HttpClients;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The opt-out from proxy pinning ({@code proxyResolvedHosts}, {@link HttpsSink.Builder#proxyResolvesHost}): for a
 * listed host, and only through a proxy, the proxy is asked for the name and resolves it, as locked-down networks
 * need (this machine resolves no external name; the proxy allows tunnels by host name). The proxies are
 * {@link RecordingProxy} fakes on 127.0.0.1 that tunnel to a {@link WebhookReceiverFake} on 127.0.0.1, as a proxy
 * whose own resolver answers the name with that receiver: the target {@code hooks.proxy-only.invalid} (RFC 6761: it
 * never resolves anywhere) is unknown to this machine's resolver, which records every name it is asked for.
 */
class SsrfProxyByNameTest {
  private static final String NAME = "hooks.proxy-only.invalid";
  private static final String PUBLIC = "93.184.215.14";

  @RegisterExtension
  static final WebhookReceiverFake RECEIVER = new WebhookReceiverFake();

  private final List<String> lookups = new CopyOnWriteArrayList<>();

  /** This machine's resolver: knows two made-up names (no real lookup), records every name asked. */
  private List<InetAddress> table(String host) throws UnknownHostException {
    lookups.add(host);
    Map<String, String> table = Map.of("hooks.public.test", PUBLIC, "crm.internal.test", "10.0.0.7");
    String address = table.get(host);
    if (address == null) {
      throw new UnknownHostException(host + ": not known to this machine's resolver (test table)");
    }
    return List.of(InetAddress.getByName(address));
  }

  /** The receiver's path on {@code host}, over plain http (the test receiver speaks no TLS). */
  private static URI url(String host) {
    return URI.create("http://" + host + ":" + RECEIVER.server.port() + WebhookReceiverFake.PATH);
  }

  /** A sink for the receiver at {@code host}, the proxy (127.0.0.1) allowed, the receiver's key and secret set. */
  private static HttpsSink.Builder sink(String host, OkHttpClient client) {
    return HttpsSink.builder(url(host)).signingSecret(Secret.of(WebhookReceiverFake.SECRET))
        .secretHeader("X-Api-Key", Secret.of(WebhookReceiverFake.API_KEY)).allowHost("127.0.0.1")
        .allowHttpHost(host).connectTimeout(Duration.ofSeconds(10)).callTimeout(Duration.ofSeconds(30))
        .client(client);
  }

  private static RecordingProxy tunnellingProxy(String type) throws Exception {
    int port = RECEIVER.server.port();
    return type.equals("HTTP") ? RecordingProxy.httpTunnellingTo(port) : RecordingProxy.socksTunnellingTo(port);
  }

  /**
   * A listed host that does not resolve here is delivered through the proxy, which is asked for the name. Before,
   * the call failed with "does not resolve on this machine" and no option helped.
   */
  @ParameterizedTest
  @ValueSource(strings = {"HTTP", "SOCKS"})
  void listedHost_throughAProxy_isAskedForByName_withoutResolvingHere_andIsDelivered(String type) throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (RecordingProxy proxy = tunnellingProxy(type);
        HttpsSink sink = sink(NAME, proxy.client(this::table).build()).proxyResolvesHost(NAME).build()) {
      DeliveryResult result = sink.deliver(lead);
      assertThat(result.outcome()).isEqualTo(DeliveryOutcome.CREATED);
      int port = RECEIVER.server.port();
      String asked = proxy.requests.poll(10, TimeUnit.SECONDS);
      if (type.equals("HTTP")) {
        assertThat(asked).startsWith("CONNECT " + NAME + ":" + port + " HTTP/1.1\r\n")
            .containsIgnoringCase("\r\nHost: " + NAME + ":" + port + "\r\n");
      } else {
        assertThat(asked).isEqualTo("SOCKS5 CONNECT name " + NAME + ":" + port);
      }
      assertThat(RECEIVER.recordsFor(lead)).as("signed posts the receiver acknowledged").isEqualTo(1);
      assertThat(RECEIVER.onlyRequestHeaders().get("Host")).containsExactly(NAME + ":" + port);
      assertThat(lookups).as("names looked up on this machine").doesNotContain(NAME);
    }
  }

  /**
   * HTTPS: the proxy is asked for the name, and TLS still names the URL's host (SNI, the certificate check). A
   * listed name is matched as {@code allowedHosts} folds names (case, one trailing dot).
   */
  @Test
  void listedHost_overHttps_isAskedForByName_andKeepsTheNameForTls_inAnySpellingTheListFolds() throws Exception {
    try (RecordingProxy proxy = RecordingProxy.http();
        HttpsSink sink = HttpsSink.builder(URI.create("https://" + NAME + "/hook"))
            .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).allowHost("127.0.0.1")
            .proxyResolvesHost("HOOKS.Proxy-Only.INVALID.").callTimeout(Duration.ofSeconds(10))
            .client(proxy.client(this::table).build()).build()) {
      DeliveryException e = catchThrowableOfType(DeliveryException.class,
          () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).as("the fake tunnels nowhere").isNotNull();
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).startsWith("CONNECT " + NAME + ":443 HTTP/1.1\r\n");
      assertThat(proxy.tunnelled.poll(10, TimeUnit.SECONDS)).as("TLS ClientHello with SNI").contains(NAME);
      assertThat(lookups).doesNotContain(NAME);
    }
  }

  /** One client, one listed host: the other host it calls is still resolved here, judged and pinned. */
  @Test
  void unlistedHost_ofTheSameClient_staysPinnedToTheJudgedAddress() throws Exception {
    try (RecordingProxy proxy = RecordingProxy.httpTunnellingTo(RECEIVER.server.port())) {
      OkHttpClient base = proxy.client(this::table).build();
      OkHttpClient client = HttpClients.guard(HttpClients.builder(base, Duration.ofSeconds(10),
          Duration.ofSeconds(30), 1), base, AddressGuard.allowing(List.of("127.0.0.1")), Set.of(NAME)).build();
      int port = RECEIVER.server.port();
      for (String host : List.of("hooks.public.test", NAME)) {
        try (Response r = client.newCall(new Request.Builder().url(url(host).toString()).build()).execute()) {
          assertThat(r.code()).as("the receiver's answer to a GET").isEqualTo(404);
        }
      }
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).startsWith("CONNECT " + PUBLIC + ":" + port + " ");
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).startsWith("CONNECT " + NAME + ":" + port + " ");
      assertThat(lookups).containsExactly("hooks.public.test");
      HttpClients.release(client);
    }
  }

  /** Without a proxy the option changes nothing: the name is resolved here and its address judged. */
  @Test
  void listedHost_withoutAProxy_isResolvedAndJudgedHere() {
    OkHttpClient direct = new OkHttpClient.Builder().dns(this::table).build();
    try (HttpsSink sink = sink("crm.internal.test", direct).proxyResolvesHost("crm.internal.test").build()) {
      DeliveryException e = catchThrowableOfType(DeliveryException.class,
          () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).isInstanceOf(PermanentDeliveryException.class);
      assertThat(e.diagnosis().map(Diagnosis::code)).contains(HttpsErrors.BLOCKED_ADDRESS);
      assertThat(e.getMessage()).contains("crm.internal.test resolves to 10.0.0.7, a private network");
      assertThat(lookups).contains("crm.internal.test");
    }
  }

  /** The proxy's own address is judged as before: on a private address it must be in allowedHosts. */
  @ParameterizedTest
  @ValueSource(strings = {"HTTP", "SOCKS"})
  void aProxyOnAPrivateAddress_stillNeedsAllowedHosts(String type) throws Exception {
    try (RecordingProxy proxy = tunnellingProxy(type);
        HttpsSink sink = HttpsSink.builder(url(NAME)).signingSecret(Secret.of(WebhookReceiverFake.SECRET))
            .allowHttpHost(NAME).proxyResolvesHost(NAME).callTimeout(Duration.ofSeconds(10))
            .client(proxy.client(this::table).build()).build()) {
      DeliveryException e = catchThrowableOfType(DeliveryException.class,
          () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
      assertThat(e).isInstanceOf(PermanentDeliveryException.class);
      assertThat(e.diagnosis().map(Diagnosis::code)).contains(HttpsErrors.BLOCKED_ADDRESS);
      assertThat(e.getMessage()).as("the proxy's address").contains("127.0.0.1, a loopback (127.0.0.0/8) address");
      assertThat(proxy.connections(100)).as("connections that reached the proxy").isZero();
    }
  }

  /** What is no external host name, or not the URL's host, is refused when the sink is built, each said at once. */
  @Test
  void proxyResolvesHost_refusesWhatIsNoExternalHostNameOfTheUrl_atBuildTime() {
    HttpsSink.Builder b = HttpsSink.builder(URI.create("https://hooks.example.com/leads"))
        .signingSecret(Secret.of(WebhookReceiverFake.SECRET));
    for (String entry : List.of(" ", "10.0.0.7", "[::1]", "0x7f.1", "https://hooks.example.com/leads",
        "hooks.example.com:443", "localhost", "*.example.com", "other.example.com", "hooks.example.com")) {
      b.proxyResolvesHost(entry);
    }
    String fix = "(list the host names the proxy resolves exactly, separated by commas, e.g. hooks.example.com)";
    assertThatThrownBy(b::build).isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (9 problems):\n"
            + "  - proxyResolvedHosts: has an empty entry " + fix + "\n"
            + "  - proxyResolvedHosts: '10.0.0.7' is an IP address, not a host name: the proxy is asked for the"
            + " address the guard judged anyway (remove it; list host names only)\n"
            + "  - proxyResolvedHosts: '[::1]' is an IP address, not a host name: the proxy is asked for the address"
            + " the guard judged anyway (remove it; list host names only)\n"
            + "  - proxyResolvedHosts: '0x7f.1' is an IP address, not a host name: the proxy is asked for the address"
            + " the guard judged anyway (remove it; list host names only)\n"
            + "  - proxyResolvedHosts: holds a URL, not a host (list its host only: hooks.example.com)\n"
            + "  - proxyResolvedHosts: 'hooks.example.com:443' has a port (list the host only, hooks.example.com: a"
            + " listed host is allowed on every port)\n"
            + "  - proxyResolvedHosts: 'localhost' names this machine: the proxy would resolve it to its own (remove"
            + " it; list external host names only)\n"
            + "  - proxyResolvedHosts: '*.example.com' is a pattern or range, not a host (list each host name or IP"
            + " address exactly: allow-lists take no wildcards or CIDR ranges)\n"
            + "  - proxyResolvedHosts: 'other.example.com' is not the host of url (hooks.example.com), so it would"
            + " never apply (list hooks.example.com, or remove the entry)");
  }

  /** The descriptor key: read, checked under its name, and applied end to end. */
  @Test
  void descriptorKey_proxyResolvedHosts_sendsTheNameToTheProxy_andIsChecked() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (RecordingProxy proxy = RecordingProxy.httpTunnellingTo(RECEIVER.server.port())) {
      SinkConfig.Builder config = SinkConfig.builder("hooks", "https").put("url", url(NAME).toString())
          .secret("signingSecret", Secret.of(WebhookReceiverFake.SECRET))
          .secret("secretHeaders.X-Api-Key", Secret.of(WebhookReceiverFake.API_KEY))
          .put("allowedHosts", "127.0.0.1").put("allowHttpHosts", NAME)
          .resource(OkHttpClient.class, proxy.client(this::table).build());
      try (LeadSink sink = new HttpsSinkProvider().create(config.put("proxyResolvedHosts", NAME).build())) {
        assertThat(((HttpsSink) sink).config().proxyResolvedHosts()).containsExactly(NAME);
        sink.deliver(lead);
      }
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).startsWith("CONNECT " + NAME + ":");
      assertThat(RECEIVER.recordsFor(lead)).isEqualTo(1);
      assertThatThrownBy(() -> new HttpsSinkProvider().create(
          config.put("proxyResolvedHosts", "10.0.0.7, " + NAME).build()))
          .isInstanceOf(ConfigurationException.class)
          .hasMessageContaining("sinks.hooks.proxyResolvedHosts: '10.0.0.7' is an IP address, not a host name");
    }
  }
}
