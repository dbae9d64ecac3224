package io.leadrouter.http;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.leadrouter.testkit.DrippingServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Stream;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The toolkit against real loopback peers: a WireMock server, a closed port, a listener that never answers. */
class HttpToolkitTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);
  private static WireMockServer server;
  private static OkHttpClient client;

  @BeforeAll
  static void start() {
    server = new WireMockServer(wireMockConfig().bindAddress("127.0.0.1").dynamicPort());
    server.start();
    client = HttpClients.derive(null, Duration.ofSeconds(60), 8); // a loaded CI machine: the first answer can be slow
  }

  @AfterAll
  static void stop() {
    HttpClients.release(client);
    server.stop();
  }

  private Request request(String path) {
    return new Request.Builder().url("http://127.0.0.1:" + server.port() + path).build();
  }

  @Test
  void execute_hugeErrorBody_readsOnlyTheErrorBound() throws IOException {
    server.stubFor(get("/huge").willReturn(aResponse().withStatus(500).withBody(new byte[4 * 1024 * 1024])));
    HttpAnswer a = HttpAnswer.execute(client, request("/huge"), 10 * 1024 * 1024, CLOCK);
    assertThat(a.status()).isEqualTo(500);
    assertThat(a.body()).hasSize(Bodies.MAX_ERROR_BYTES);
  }

  @Test
  void execute_successBody_readsUpToTheSuccessBound() throws IOException {
    server.stubFor(get("/ok").willReturn(aResponse().withStatus(200).withBody("x".repeat(100_000))));
    assertThat(HttpAnswer.execute(client, request("/ok"), 1000, CLOCK).body()).hasSize(1000);
    assertThat(HttpAnswer.execute(client, request("/ok"), 200_000, CLOCK).body()).hasSize(100_000);
  }

  @Test
  void bytes_readsAtMostTheBound_andAnEmptyBodyAsNoBytes() throws IOException {
    server.stubFor(get("/ten").willReturn(aResponse().withStatus(200).withBody("0123456789")));
    server.stubFor(get("/none").willReturn(aResponse().withStatus(204)));
    try (okhttp3.Response r = client.newCall(request("/ten")).execute()) {
      assertThat(new String(Bodies.bytes(r.body(), 4), StandardCharsets.UTF_8)).isEqualTo("0123");
    }
    try (okhttp3.Response r = client.newCall(request("/ten")).execute()) {
      assertThat(new String(Bodies.bytes(r.body(), 100), StandardCharsets.UTF_8)).isEqualTo("0123456789");
    }
    try (okhttp3.Response r = client.newCall(request("/none")).execute()) {
      assertThat(Bodies.bytes(r.body(), 100)).isEmpty();
    }
  }

  @Test
  void discard_dropsAShortBodyWhole_soTheConnectionIsReused() throws IOException {
    server.stubFor(get("/short").willReturn(aResponse().withStatus(200).withBody("x".repeat(70_000))));
    OkHttpClient own = HttpClients.derive(null, Duration.ofSeconds(60), 1);
    try {
      for (int i = 0; i < 3; i++) {
        try (okhttp3.Response r = own.newCall(request("/short")).execute()) {
          assertThat(Bodies.discard(r.body(), 100_000)).isEqualTo(70_000);
        }
      }
      assertThat(own.connectionPool().connectionCount()).isEqualTo(1); // one connection served all three
    } finally {
      HttpClients.release(own);
    }
  }

  @Test
  void discard_stopsAtTheBound() throws IOException {
    server.stubFor(get("/long").willReturn(aResponse().withStatus(200).withBody(new byte[1024 * 1024])));
    try (okhttp3.Response r = client.newCall(request("/long")).execute()) {
      assertThat(Bodies.discard(r.body(), 64 * 1024)).isEqualTo(64 * 1024);
    }
  }

  @Test
  void execute_retryAfterInEitherForm_isTheWait() throws IOException {
    server.stubFor(get("/s").willReturn(aResponse().withStatus(429).withHeader("Retry-After", "7")));
    server.stubFor(get("/d").willReturn(aResponse().withStatus(503)
        .withHeader("Retry-After", "Wed, 25 Nov 2026 10:02:00 GMT")));
    HttpAnswer seconds = HttpAnswer.execute(client, request("/s"), 1000, CLOCK);
    assertThat(seconds.retryAfter()).contains(Duration.ofSeconds(7));
    assertThat(HttpFailures.throttled(seconds.status())).isTrue();
    HttpAnswer date = HttpAnswer.execute(client, request("/d"), 1000, CLOCK);
    assertThat(date.retryAfter()).contains(Duration.ofMinutes(2));
    assertThat(HttpFailures.serverError(date.status())).isTrue();
  }

  @Test
  void retryLater_is408AndEvery5xx_notThrottlingOrRejections() {
    assertThat(java.util.stream.IntStream.of(408, 500, 502, 503, 504, 599)).allMatch(HttpFailures::retryLater);
    assertThat(java.util.stream.IntStream.of(200, 400, 401, 403, 404, 409, 422, 429))
        .noneMatch(HttpFailures::retryLater);
  }

  @Test
  void redirectTarget_isTheLocationsHostOnly_resolvedAgainstTheRequest() {
    okhttp3.HttpUrl request = okhttp3.HttpUrl.get("https://contoso.crm.dynamics.com/api/data/v9.2/leads");
    assertThat(HttpFailures.redirectTarget(request, "https://login.example.net/sso?email=jane@contoso.com&code=x"))
        .isEqualTo("to login.example.net");
    assertThat(HttpFailures.redirectTarget(request, "/maintenance?token=x")).isEqualTo("to contoso.crm.dynamics.com");
    assertThat(HttpFailures.redirectTarget(request, "http://[::1")).isEqualTo("nowhere");
    assertThat(HttpFailures.redirectTarget(request, null)).isEqualTo("nowhere");
    assertThat(java.util.stream.IntStream.of(300, 301, 302, 303, 307, 308, 399)).allMatch(HttpFailures::redirected);
    assertThat(java.util.stream.IntStream.of(200, 204, 299, 400, 401)).noneMatch(HttpFailures::redirected);
  }

  /** The dripping peers, each opened by the test that uses it (and closed by it). */
  static Stream<Named<Supplier<DrippingServer>>> drippingPeers() {
    return Stream.of(
        Named.of("dripping headers forever", () -> DrippingServer.headersForever(200, Duration.ofMillis(100))),
        Named.of("dripping an endless chunked body",
            () -> DrippingServer.bodyForever(500, "application/json", Duration.ofMillis(100))));
  }

  /**
   * Each byte comes within the read timeout, so only the whole-call timeout (1 s here) ends the call: what every sink
   * built on {@link HttpClients#derive} relies on (Marketo, both Salesforce sinks, and their token calls).
   */
  @ParameterizedTest(name = "peer {0}")
  @MethodSource("drippingPeers")
  void derivedClient_drippingPeer_endsWithinTheCallTimeoutAndClosesTheConnection(Supplier<DrippingServer> newPeer) {
    OkHttpClient oneSecond = HttpClients.derive(null, Duration.ofSeconds(1), 2);
    try (DrippingServer peer = newPeer.get()) {
      Request r = new Request.Builder().url(peer.url() + "/drip").build();
      Throwable e = assertTimeoutPreemptively(Duration.ofSeconds(60),
          () -> org.assertj.core.api.Assertions.catchThrowable(() -> HttpAnswer.execute(oneSecond, r, 1 << 20,
              CLOCK)), "the call was still running after 60 s: nothing bounds it");
      // headers or a 2xx body cut short: a timeout; an error body cut short: the answer with what arrived
      if (e != null) {
        assertThat(e).isInstanceOf(IOException.class);
        assertThat(HttpFailures.timedOut((IOException) e)).as(e.toString()).isTrue();
      }
      assertThat(peer.awaitConnectionsClosed(Duration.ofSeconds(30)))
          .as("connections left open to the dripping peer").isZero();
    } finally {
      HttpClients.release(oneSecond);
    }
  }

  @Test
  void derivedClient_doesNotFollowRedirects() throws IOException {
    server.stubFor(get("/moved").willReturn(aResponse().withStatus(302).withHeader("Location", "/elsewhere")));
    assertThat(HttpAnswer.execute(client, request("/moved"), 1000, CLOCK).status()).isEqualTo(302);
  }

  @Test
  void execute_successBodyBrokenOff_isNoAnswer_butAnErrorBodyIsQuotedAsFarAsItCame() throws Exception {
    // promises 100 bytes, sends 10, closes: a lookup answer cut short must not read as an empty result
    String cut = "0123456789";
    assertThatThrownBy(() -> HttpAnswer.execute(client, cutOffAnswer(200, cut), 1000, CLOCK))
        .isInstanceOf(IOException.class);
    HttpAnswer error = HttpAnswer.execute(client, cutOffAnswer(500, cut), 1000, CLOCK);
    assertThat(error.status()).isEqualTo(500);
    assertThat(error.body()).isEqualTo(cut);
  }

  /** A request to a one-shot loopback listener answering {@code status} with a body cut off after {@code sent}. */
  private static Request cutOffAnswer(int status, String sent) throws IOException {
    ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      try (s; Socket c = s.accept()) {
        c.getInputStream().read(new byte[4096]);
        c.getOutputStream().write(("HTTP/1.1 " + status + " X\r\nContent-Length: 100\r\nContent-Type: application/json"
            + "\r\n\r\n" + sent).getBytes(StandardCharsets.US_ASCII));
        c.getOutputStream().flush();
      } catch (IOException ignored) {
        // the test is over
      }
    });
    t.setDaemon(true);
    t.start();
    return new Request.Builder().url("http://127.0.0.1:" + s.getLocalPort() + "/").build();
  }

  /**
   * A 503 whose {@code Retry-After} OkHttp acts on by itself: {@code 0} made it re-send the POST at once (the sink saw
   * one answer for two creates), and more delay-seconds than an {@code int} holds threw a NumberFormatException out of
   * the call (a bare sink error). Now one request, and the 503 with the wait the header asked for (clamped to a day).
   */
  @ParameterizedTest(name = "Retry-After: {0}")
  @CsvSource({"0, PT0S", "000, PT0S", "99999999999, PT24H", "99999999999999999999999, PT24H", "2147483648, PT24H"})
  void post_503WithARetryAfterOkHttpWouldActOn_isOneRequestAndTheSinksAnswer(String retryAfter, Duration wait)
      throws Exception {
    AtomicInteger requests = new AtomicInteger();
    try (ServerSocket s = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        while (!s.isClosed()) {
          try (Socket c = s.accept()) {
            InputStream in = c.getInputStream();
            String head = "";
            while (!head.endsWith("\r\n\r\n")) {
              int b = in.read();
              if (b < 0) {
                break;
              }
              head += (char) b;
            }
            requests.incrementAndGet();
            c.getOutputStream().write(("HTTP/1.1 503 Service Unavailable\r\nRetry-After: " + retryAfter
                + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            c.getOutputStream().flush();
          } catch (IOException ignored) {
            // closed: the test is over
          }
        }
      });
      t.setDaemon(true);
      t.start();
      Request post = new Request.Builder().url("http://127.0.0.1:" + s.getLocalPort() + "/create")
          .post(RequestBody.create(new byte[0])).build();

      HttpAnswer answer = HttpAnswer.execute(client, post, 1000, CLOCK);

      assertThat(answer.status()).isEqualTo(503);
      assertThat(answer.retryAfter()).contains(wait);
      assertThat(requests).as("requests the peer received").hasValue(1);
    }
  }

  @Test
  void closedPort_isNeverSentAndUnreachable() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Request r = new Request.Builder().url("http://127.0.0.1:" + port + "/").build();
    IOException e = catchIo(client, r);
    assertThat(HttpFailures.neverSent(e)).as(e.toString()).isTrue();
    assertThat(HttpFailures.unreachable(e)).isTrue();
  }

  @Test
  void listenerThatNeverAnswers_timesOut_mayHaveBeenSent() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try (Socket accepted = s.accept()) {
          accepted.getInputStream().read(new byte[1024]); // read the request, never answer
          Thread.sleep(2000);
        } catch (IOException | InterruptedException ignored) {
          // the test is over
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      OkHttpClient quick = HttpClients.derive(client, Duration.ofMillis(300), 1);
      try {
        IOException e = catchIo(quick, new Request.Builder().url("http://127.0.0.1:" + s.getLocalPort() + "/")
            .build());
        assertThat(HttpFailures.timedOut(e)).as(e.toString()).isTrue();
        assertThat(HttpFailures.neverSent(e)).isFalse();
        assertThat(HttpFailures.describe(e)).isNotBlank();
      } finally {
        HttpClients.release(quick);
      }
    }
  }

  @Test
  void text_cutInsideMultiByteCharacter_dropsThePartialCharacter() {
    byte[] euros = "a€€".getBytes(StandardCharsets.UTF_8); // 1 + 3 + 3 bytes
    assertThat(Bodies.utf8(euros, 5)).isEqualTo("a€");
    assertThat(Bodies.utf8(euros, 4)).isEqualTo("a€");
    assertThat(Bodies.utf8(euros, 3)).isEqualTo("a");
    assertThat(Bodies.utf8(euros, 7)).isEqualTo("a€€");
  }

  /**
   * A peer's text echoing a secret, a token or a customer's e-mail just where the quote is cut: scrubbed after the cut,
   * the part before it was no longer recognised, and the head of the secret (or of the e-mail) reached the message.
   */
  @Test
  void quote_cutThroughASecretOrAnEmail_showsNoPartOfIt() {
    io.leadrouter.spi.Secret secret = io.leadrouter.spi.Secret.of("s3cr3t-Value-0123456789abcdef");
    String pad = "x".repeat(90) + " ";

    String cutSecret = Bodies.quote(pad + "your client secret " + secret.reveal() + " was refused", 120);
    String cutToken = Bodies.quote(pad + "Bearer eyJhbGciOiJSUzI1NiJ9abcdefghijklmnop refused", 108);
    String cutEmail = Bodies.quote(pad + "megan.bowen@contoso.com is not allowed", 100);

    assertThat(cutSecret).doesNotContain("s3cr3t").endsWith("...");
    assertThat(cutToken).doesNotContain("eyJhbGci");
    assertThat(cutEmail).doesNotContain("megan").doesNotContain("bowen");
    assertThat(Bodies.quote("megan.bowen@contoso.com", 100)).as("an e-mail left whole is the scrubber's to mask")
        .isEqualTo("megan.bowen@contoso.com");
  }

  @Test
  void quote_isOneBoundedLine() {
    assertThat(Bodies.quote("line1\r\n\tline2\u0000", 100)).isEqualTo("line1 line2");
    assertThat(Bodies.quote("abcdef", 3)).isEqualTo("abc...");
    // the Unicode line breaks and C1 controls, which \\p{Cntrl} and \\s do not match, and bidi overrides
    assertThat(Bodies.quote("a\u0085b\u2028c\u2029d\u009be\u202ef\u2066g", 100)).isEqualTo("a b c d e f g");
  }

  @Test
  void builder_refusesZeroConcurrency() {
    assertThatThrownBy(() -> HttpClients.derive(null, Duration.ofSeconds(1), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxConcurrency must be at least 1: 0");
  }

  private static IOException catchIo(OkHttpClient c, Request r) {
    try {
      c.newCall(r).execute().close();
    } catch (IOException e) {
      return e;
    }
    throw new AssertionError("expected no answer from " + r.url());
  }
}
