package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.LeadRouter;
import io.leadrouter.file.FileSink;
import io.leadrouter.https.WebhookVerifier;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.Secret;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The edges of {@link LeadServer}'s HTTP: {@code HEAD} and {@code Expect: 100-continue}, over real sockets. */
@Timeout(120)
class LeadServerEdgesTest {
  private static final String TOKEN = "edge-token-7d21";
  private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  @TempDir
  Path dir;

  @Test
  void headHealth_carriesTheLengthOfTheGetAnswer_andNoBody() throws Exception {
    // RFC 9110 9.3.2: a HEAD answer's Content-Length is the one GET would send (or none); it said 0, so a monitor
    // comparing or a proxy caching the HEAD answer read an empty health report
    try (LeadRouter router = router(); LeadServer server = start(router, Optional.empty())) {
      String get = exchange(server.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      String head = exchange(server.port(), "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assertThat(get).startsWith("HTTP/1.1 200 ");
      int getLength = body(get).getBytes(StandardCharsets.UTF_8).length;
      assertThat(getLength).isPositive();
      assertThat(contentLength(get)).isEqualTo(String.valueOf(getLength));
      assertThat(head).startsWith("HTTP/1.1 200 ");
      assertThat(contentLength(head)).as("HEAD's Content-Length: " + head).isEqualTo(String.valueOf(getLength));
      assertThat(body(head)).as("no body after a HEAD answer").isEmpty();
    }
  }

  @Test
  void headHealth_onAKeptAliveConnection_theNextRequestIsAnsweredAsItself() throws Exception {
    try (LeadRouter router = router(); LeadServer server = start(router, Optional.empty())) {
      String both = exchange(server.port(), "HEAD /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
          + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      assertThat(both.split("HTTP/1\\.1 200 ", -1)).as(both).hasSize(3);
      assertThat(both).endsWith("}");
    }
  }

  @Test
  void expect100Continue_toAWrongPathOrToken_isAnsweredFinally_withoutAskingForTheBody() throws Exception {
    // RFC 9110 10.1.1: a server that will refuse the request whatever its body answers the final status, not 100; it
    // sent 100 Continue to any path, so a client with a wrong token uploaded its whole lead to be told 404
    try (LeadRouter router = router(); LeadServer server = start(router, Optional.of(verifier()))) {
      for (String[] c : List.of(
          new String[] {"/leads/not-the-token", "POST", "404"},
          new String[] {"/nowhere", "POST", "404"},
          new String[] {"/leads/" + TOKEN, "PUT", "405"},
          new String[] {"/health", "POST", "405"},
          new String[] {"/leads", "POST", "401"})) {
        String answer = expectContinue(server.port(), c[1] + " " + c[0]);
        assertThat(answer).as(c[1] + " " + c[0]).startsWith("HTTP/1.1 " + c[2] + " ")
            .doesNotContain("HTTP/1.1 100 ");
      }
      // a signed post whose headers already fail (a timestamp an hour old) is refused before its body, naming why
      long old = Instant.now().getEpochSecond() - 3600;
      String stale = expectContinue(server.port(), "POST /leads", "webhook-id: msg_1\r\nwebhook-timestamp: " + old
          + "\r\nwebhook-signature: v1,AAAA\r\n");
      assertThat(stale).startsWith("HTTP/1.1 401 ").contains("in the past").doesNotContain("HTTP/1.1 100 ");
    }
  }

  @Test
  void expect100Continue_toTheRightTokenOrASignedPost_stillGets100_andTheLeadIsTaken() throws Exception {
    try (LeadRouter router = router(); LeadServer server = start(router, Optional.of(verifier()))) {
      String lead = "{\"UserDetails\":{\"Email\":\"e@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\","
          + "\"LeadId\":\"expect-ok\"}";
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "Content-Length: " + lead.length() + "\r\nExpect: 100-continue\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        assertThat(headers(in)).startsWith("HTTP/1.1 100 ");
        s.getOutputStream().write(lead.getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).startsWith("HTTP/1.1 202 ")
            .contains("\"leadId\":\"expect-ok\"");
      }
      // a signed post with fresh headers: only its body can tell whether the signature matches, so it is asked for
      long now = Instant.now().getEpochSecond();
      try (Socket s = new Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write(("POST /leads HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            + "webhook-id: msg_2\r\nwebhook-timestamp: " + now + "\r\nwebhook-signature: v1,AAAA\r\n"
            + "Content-Length: 2\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        assertThat(headers(in)).startsWith("HTTP/1.1 100 ");
        s.getOutputStream().write("{}".getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).startsWith("HTTP/1.1 401 ")
            .contains("no signature");
      }
    }
  }

  /**
   * RFC 9112 section 6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing (HTTP/1.0 has no chunked
   * coding: a 1.0 proxy in front reads the chunks as the next request), and the connection MUST be closed after it.
   * It was kept alive on {@code Connection: keep-alive}, and what followed the chunks was answered as a request.
   * The lead in it is still taken (nothing is lost); the connection ends with its answer.
   */
  @Test
  void http10WithTransferEncoding_isAnswered_thenItsConnectionClosed_nothingAfterItReadAsARequest() throws Exception {
    String lead = "{\"UserDetails\":{\"Email\":\"e@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\","
        + "\"LeadId\":\"framing-10\"}";
    String chunked = Integer.toHexString(lead.length()) + "\r\n" + lead + "\r\n0\r\n\r\n";
    String behind = "GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    try (LeadRouter router = router(); LeadServer server = start(router, Optional.empty())) {
      for (String[] c : List.of(
          new String[] {"POST /leads/" + TOKEN, chunked, "202"},
          new String[] {"GET /health", "0\r\n\r\n", "200"})) {
        String answer = exchange(server.port(), c[0] + " HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n" + c[1] + behind);
        assertThat(answer).as(c[0]).startsWith("HTTP/1.1 " + c[2] + " ")
            .containsIgnoringCase("\r\nConnection: close\r\n");
        assertThat(answer.split("HTTP/1\\.1 ", -1)).as("one answer only: " + answer).hasSize(2);
        assertThat(answer).as("answered as itself")
            .contains(c[2].equals("202") ? "\"leadId\":\"framing-10\"" : "\"status\"");
      }
    }
  }

  /**
   * Sends {@code requestLine} with {@code Expect: 100-continue} and a body announced but not sent; returns what
   * the server answers before it closes the connection, or what it answered until it fell silent for 5 s (a 100
   * Continue waiting for the body).
   */
  private static String expectContinue(int port, String requestLine, String... extra) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5_000);
      s.getOutputStream().write((requestLine + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + String.join("", extra)
          + "Content-Length: 100\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      try {
        for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
          got.write(buf, 0, n);
        }
      } catch (SocketTimeoutException e) {
        // silent: waiting for the body after a 100 Continue
      }
      return got.toString(StandardCharsets.UTF_8);
    }
  }

  private static String headers(InputStream in) throws IOException {
    StringBuilder h = new StringBuilder();
    while (!h.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      assertThat(b).as("headers so far: " + h).isNotNegative();
      h.append((char) b);
    }
    return h.toString();
  }

  private static String exchange(int port, String request) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static String body(String answer) {
    return answer.substring(answer.indexOf("\r\n\r\n") + 4);
  }

  private static String contentLength(String answer) {
    Matcher m = Pattern.compile("(?im)^Content-Length: *(\\d+)$").matcher(answer.substring(0,
        answer.indexOf("\r\n\r\n") + 2));
    return m.find() ? m.group(1) : null;
  }

  private static WebhookVerifier verifier() {
    return WebhookVerifier.builder().secret(Secret.of(SECRET)).build();
  }

  private LeadRouter router() throws IOException {
    return LeadRouter.builder().journal(InMemoryJournal.create()).addSink("local", FileSink.open(dir.resolve("out")))
        .defaultRoute("local").build();
  }

  private static LeadServer start(LeadRouter router, Optional<WebhookVerifier> verifier) throws IOException {
    return LeadServer.start(new InetSocketAddress("127.0.0.1", 0), new LeadReceiver(router, Optional.of(TOKEN),
        verifier, 1 << 20, new EventPrinter(new PrintWriter(Writer.nullWriter()))), LeadServer.Limits.DEFAULTS);
  }
}
