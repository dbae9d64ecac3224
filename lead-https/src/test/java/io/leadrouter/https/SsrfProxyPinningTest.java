package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Through a proxy, the proxy must be asked for the address the guard judged, never for the name: a proxy that
 * resolves the name itself gets its own answer (DNS rebinding between our lookup and its lookup, a proxy resolver
 * that sees internal names), which the guard never saw. The proxies here are recording fakes on 127.0.0.1 (listed,
 * as an operator lists an internal proxy; {@link RecordingProxy}) that tunnel nowhere: they keep what the client asked
 * and what it sent into the tunnel, so nothing leaves this machine. The target {@code hooks.public.test} resolves, on
 * this machine, to the public 93.184.215.14.
 */
class SsrfProxyPinningTest {
  private static final Secret SECRET = Secret.of(WebhookReceiverFake.SECRET);
  private static final String PUBLIC = "93.184.215.14";

  private static List<InetAddress> table(String host) throws UnknownHostException {
    Map<String, String> table = Map.of("hooks.public.test", PUBLIC, "metadata.test", "169.254.169.254");
    String address = table.get(host);
    if (address == null) {
      throw new UnknownHostException(host + ": not known to this machine's resolver (test table)");
    }
    return List.of(InetAddress.getByName(address));
  }

  /** A client through {@code proxy}, resolving names with {@link #table}. */
  private static OkHttpClient.Builder through(RecordingProxy proxy) {
    return proxy.client(SsrfProxyPinningTest::table);
  }

  private static DeliveryException deliver(String url, OkHttpClient client) {
    HttpsSink sink = HttpsSink.builder(URI.create(url)).signingSecret(SECRET).allowHost("127.0.0.1")
        .allowHttpHost("hooks.public.test").connectTimeout(Duration.ofSeconds(5)).callTimeout(Duration.ofSeconds(10))
        .client(client).build();
    try (sink) {
      return catchThrowableOfType(DeliveryException.class, () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    }
  }

  /**
   * HTTPS through an HTTP proxy: {@code CONNECT 93.184.215.14:443}, and the TLS ClientHello sent into the tunnel
   * names {@code hooks.public.test} (SNI), so the certificate is still checked for the URL's host. Before: {@code
   * CONNECT hooks.public.test:443}, the proxy resolving the name itself.
   */
  @Test
  void https_throughAnHttpProxy_asksTheProxyForTheJudgedAddress_andKeepsTheNameForTls() throws Exception {
    try (RecordingProxy proxy = RecordingProxy.http()) {
      DeliveryException e = deliver("https://hooks.public.test/hook", through(proxy).build());
      assertThat(e).as("the fake tunnels nowhere").isInstanceOf(TransientDeliveryException.class);
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).startsWith("CONNECT " + PUBLIC + ":443 HTTP/1.1\r\n")
          .containsIgnoringCase("\r\nHost: " + PUBLIC + ":443\r\n");
      String tunnelled = proxy.tunnelled.poll(10, TimeUnit.SECONDS);
      assertThat(tunnelled).as("TLS ClientHello with SNI").isNotNull().contains("hooks.public.test");
    }
  }

  /** Plain http through an HTTP proxy is tunnelled too (an absolute-form request lets the proxy resolve the name). */
  @Test
  void http_throughAnHttpProxy_isTunnelledToTheJudgedAddress_withTheHostHeaderKept() throws Exception {
    try (RecordingProxy proxy = RecordingProxy.http()) {
      deliver("http://hooks.public.test:8080/hook", through(proxy).build());
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).startsWith("CONNECT " + PUBLIC + ":8080 HTTP/1.1\r\n");
      assertThat(proxy.tunnelled.poll(10, TimeUnit.SECONDS)).as("the request sent into the tunnel")
          .startsWith("POST /hook HTTP/1.1\r\n").containsIgnoringCase("\r\nHost: hooks.public.test:8080\r\n");
    }
  }

  /** A SOCKS5 proxy gets a request by IPv4 address (type 1), never by domain name (type 3). */
  @Test
  void https_throughASocksProxy_requestsTheJudgedAddress_notTheName() throws Exception {
    try (RecordingProxy proxy = RecordingProxy.socks()) {
      DeliveryException e = deliver("https://hooks.public.test/hook", through(proxy).build());
      assertThat(e).as("the fake refuses every request").isInstanceOf(TransientDeliveryException.class);
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).isEqualTo("SOCKS5 CONNECT " + PUBLIC + ":443");
    }
  }

  /**
   * A name this machine cannot resolve is not handed to the proxy to resolve (the guard would judge nothing): the
   * delivery fails, retryably, saying why and naming the opt-out ({@link SsrfProxyByNameTest}), and nothing reaches
   * the proxy.
   */
  @ParameterizedTest
  @ValueSource(strings = {"HTTP", "SOCKS"})
  void aNameThisMachineCannotResolve_isNotLeftToTheProxy_andTheFailureSaysWhy(String type) throws Exception {
    try (RecordingProxy proxy = type.equals("HTTP") ? RecordingProxy.http() : RecordingProxy.socks()) {
      DeliveryException e = deliver("https://only.the-proxy.knows.test/hook", through(proxy).build());
      assertThat(e).isInstanceOf(TransientDeliveryException.class);
      assertThat(e.getMessage()).contains("only.the-proxy.knows.test does not resolve on this machine")
          .contains("pins the proxy's tunnel");
      assertThat(e.diagnosis().orElseThrow().remediation()).as("the fix where only the proxy resolves names")
          .contains("list the host in proxyResolvedHosts");
      assertThat(proxy.connections(100)).as("connections that reached the proxy").isZero();
    }
  }

  /** An HTTP proxy that asks for credentials gets them from the client's proxy authenticator, as OkHttp sends them. */
  @Test
  void theClientsProxyAuthenticator_answersTheProxysChallenge() throws Exception {
    try (RecordingProxy proxy = RecordingProxy.httpAskingForCredentials()) {
      OkHttpClient client = through(proxy)
          // answers the proxy's own challenge only, not OkHttp's pre-emptive one: the 407 round trip is exercised
          .proxyAuthenticator((route, response) -> "OkHttp-Preemptive".equals(response.header("Proxy-Authenticate"))
              ? null
              : response.request().newBuilder().header("Proxy-Authorization", okhttp3.Credentials.basic("u", "p"))
                  .build())
          .build();
      deliver("https://hooks.public.test/hook", client);
      assertThat(proxy.requests.poll(10, TimeUnit.SECONDS)).startsWith("CONNECT " + PUBLIC + ":443 HTTP/1.1\r\n")
          .contains("Proxy-Authorization: Basic dTpw\r\n");
    }
  }
}
