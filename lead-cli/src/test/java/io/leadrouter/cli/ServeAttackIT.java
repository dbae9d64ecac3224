package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} (the real jar) attacked as a hostile client would, over real sockets on 127.0.0.1: a flood of posts
 * filling the answering threads must not silence {@code /health}; request smuggling, absurd headers, HTTP/1.0,
 * {@code Expect: 100-continue}, bodies exactly at and one byte over the limit, NDJSON bodies.
 */
class ServeAttackIT extends ServeITBase {

  @Test
  void serve_floodOfPostsOnOneAnsweringThread_healthStillAnswers200() throws Exception {
    // one answering thread, queue 16: 40 clients posting without pause keep it full, so posts get 503 "busy". Health
    // is checked until 20 checks have been answered while posts were refused (a 503 answered during the check),
    // however long a loaded machine takes to fill the queue (60 s at most); each check must answer 200 within the
    // exchange's 20 s. That health never waits behind the posts, with the pool held full on purpose rather than by a
    // flood's timing, is LeadServerTest's.
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), "--threads", "1");
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicInteger busy = new AtomicInteger();
    List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    List<String> odd = Collections.synchronizedList(new ArrayList<>());
    List<Thread> flood = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int client = i;
      Thread t = new Thread(() -> {
        for (int n = 0; flooding.get(); n++) { // until the health checks are done (60 s at most)
          String id = "flood-" + client + "-" + n;
          try {
            HttpResponse<String> r = Jar.post(s.url("/leads/" + TOKEN), "{\"UserDetails\":{\"Email\":\"f" + client
                + "@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"LeadId\":\"" + id + "\"}");
            if (r.statusCode() == 202) {
              accepted.add(id);
            } else if (r.statusCode() == 503) {
              busy.incrementAndGet();
            } else {
              odd.add(r.statusCode() + " " + r.body());
            }
          } catch (IOException e) {
            odd.add(e.toString());
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "flood-" + i);
      t.setDaemon(true);
      t.start();
      flood.add(t);
    }
    List<String> healthFailures = new ArrayList<>();
    List<Long> millis = new ArrayList<>();
    int whileRefusing = 0;
    try {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (whileRefusing < 20 && System.nanoTime() - end < 0) {
        int busyBefore = busy.get();
        long start = System.nanoTime();
        String answer;
        try {
          answer = exchange(s.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
          answer = e.toString();
        }
        millis.add((System.nanoTime() - start) / 1_000_000);
        if (busy.get() > busyBefore) {
          whileRefusing++;
        }
        if (!answer.startsWith("HTTP/1.1 200 ")) {
          healthFailures.add(answer.lines().findFirst().orElse(answer));
        }
        TimeUnit.MILLISECONDS.sleep(50); // pacing the checks, not timing them
      }
    } finally {
      flooding.set(false);
      for (Thread t : flood) {
        t.join(30_000);
      }
    }
    Collections.sort(millis);
    System.out.printf("health during a flood of 40 posting clients on 1 answering thread: %d checks (%d while posts"
        + " were refused), max %d ms; posts: %d answered 202, %d answered 503%n", millis.size(), whileRefusing,
        millis.get(millis.size() - 1), accepted.size(), busy.get());
    assertThat(whileRefusing).as("health checks answered while the flood filled the answering threads (else this"
        + " test proves nothing)").isEqualTo(20);
    assertThat(odd).as("every post answered 202 or 503").isEmpty();
    assertThat(healthFailures).as("every health check answered 200 during the flood").isEmpty();
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), accepted))
        .as("every 202 delivered, once").containsExactlyInAnyOrderElementsOf(accepted);
  }

  private static String lead(String id) {
    return "{\"UserDetails\":{\"Email\":\"" + id + "@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\","
        + "\"LeadId\":\"" + id + "\"}";
  }

  /** A POST of {@code body} to the lead path with {@code headers} (each ending in CRLF) and Connection: close. */
  private static byte[] post(String headers, byte[] body) {
    byte[] head = ("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers + "\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = java.util.Arrays.copyOf(head, head.length + body.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  private static byte[] post(String headers, String body) {
    return post(headers, body.getBytes(StandardCharsets.UTF_8));
  }

  private static String chunked(String body) {
    return Integer.toHexString(body.getBytes(StandardCharsets.UTF_8).length) + "\r\n" + body + "\r\n0\r\n\r\n";
  }

  private static int answers(String text) {
    return text.split("HTTP/1\\.1 \\d{3} ", -1).length - 1;
  }

  @Test
  void serve_ndjsonBodyWithBadLinesAmongGoodOnes_goodLinesRouted_badOnesQuarantined_answerSaysWhichLine()
      throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String body = lead("nd-1") + "\r\n\n{\"UserDetails\":{\"Email\":\n" + lead("nd-4") + "\nhello, not json\n"
        + "{\"UserDetails\":{\"Email\":\"x@contoso.com\",\"email\":\"y@contoso.com\"}}\n";
    String answer = exchange(s.port(), post("Content-Type: application/x-ndjson\r\nContent-Length: "
        + body.length() + "\r\n", body));
    assertThat(answer).startsWith("HTTP/1.1 202 ");
    com.fasterxml.jackson.databind.JsonNode lines = Jar.json(answer.substring(answer.indexOf("\r\n\r\n") + 4))
        .get("lines");
    assertThat(lines).hasSize(5);
    assertThat(lines.get(0).get("line").asInt()).isEqualTo(1);
    assertThat(lines.get(0).get("leadId").asText()).isEqualTo("nd-1");
    assertThat(lines.get(1).get("line").asInt()).as("the blank line 2 is passed over, not numbered away").isEqualTo(3);
    assertThat(lines.get(1).get("quarantined").asBoolean()).isTrue();
    assertThat(lines.get(1).get("diagnosis").get("message").asText()).contains("line 3");
    assertThat(lines.get(2).get("leadId").asText()).isEqualTo("nd-4");
    assertThat(lines.get(3).get("line").asInt()).isEqualTo(5);
    assertThat(lines.get(3).get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_NOT_JSON");
    assertThat(lines.get(4).get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    assertThat(Jar.json(Jar.get(s.url("/health")).body()).get("quarantined").asLong()).isEqualTo(3);

    // the same body again: the good lines are duplicates, nothing is delivered twice
    String again = exchange(s.port(), post("Content-Type: application/x-ndjson; charset=utf-8\r\nContent-Length: "
        + body.length() + "\r\n", body));
    assertThat(again).startsWith("HTTP/1.1 202 ").contains("\"leadId\":\"nd-1\",\"duplicate\":true");
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of("nd-1", "nd-4")))
        .containsExactlyInAnyOrder("nd-1", "nd-4");

    // several leads without the NDJSON type: kept whole (never guessed at), the fix names the type
    String two = lead("nd-7") + "\n" + lead("nd-8") + "\n";
    String kept = exchange(s.port(), post("Content-Type: application/json\r\nContent-Length: " + two.length()
        + "\r\n", two));
    assertThat(kept).startsWith("HTTP/1.1 202 ").contains("\"code\":\"PAYLOAD_SEVERAL_OBJECTS\"")
        .contains("several as NDJSON (one lead per line) with Content-Type: application/x-ndjson");
  }

  @Test
  void serve_ndjsonBodyOfManyTinyLines_isRefused413BeforeStoringAnything_soItCannotHoldAThreadForLong()
      throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), "--threads", "1");
    // 101 lines of {} (each would be quarantined on its own commit): over the limit of 100 leads a request
    String many = "{}\n".repeat(101);
    String refused = exchange(s.port(), post("Content-Type: application/x-ndjson\r\nContent-Length: " + many.length()
        + "\r\n", many));
    assertThat(refused).startsWith("HTTP/1.1 413 ").contains("the body holds 101 lines with a lead, over the limit"
        + " of 100 per request; nothing was stored: send at most 100 lines per request");
    assertThat(Jar.json(Jar.get(s.url("/health")).body()).get("quarantined").asLong()).isZero();

    StringBuilder hundred = new StringBuilder();
    for (int i = 0; i < 100; i++) {
      hundred.append(lead("batch-" + i)).append("\n\n"); // blank lines do not count
    }
    long started = System.nanoTime();
    String taken = exchange(s.port(), post("Content-Type: application/x-ndjson\r\nContent-Length: "
        + hundred.length() + "\r\n", hundred.toString()));
    System.out.printf("100 NDJSON leads in one request answered in %d ms%n", (System.nanoTime() - started) / 1_000_000);
    assertThat(taken).startsWith("HTTP/1.1 202 ");
    assertThat(Jar.json(taken.substring(taken.indexOf("\r\n\r\n") + 4)).get("lines")).hasSize(100);
  }

  @Test
  void serve_requestSmugglingAndMalformedFraming_areRefused400WithTheReason_nothingStoredOrSmuggled()
      throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String smuggled = "POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: "
        + lead("smuggled").length() + "\r\n\r\n" + lead("smuggled");
    String te = chunked(lead("te-cl")) + smuggled;
    Map<String, byte[]> attacks = new java.util.LinkedHashMap<>();
    attacks.put("Transfer-Encoding and Content-Length", ("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Length: " + te.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + te)
        .getBytes(StandardCharsets.ISO_8859_1));
    attacks.put("Transfer-Encoding and Content-Length ", ("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n" + te).getBytes(StandardCharsets.ISO_8859_1));
    String one = lead("dup-cl");
    attacks.put("Multiple Content-Lengths", ("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Content-Length: " + one.length() + "\r\nContent-Length: 5\r\n\r\n" + one + smuggled)
        .getBytes(StandardCharsets.ISO_8859_1));
    attacks.put("Multiple Content-Lengths ", post("Content-Length: " + one.length() + "\r\nContent-Length: "
        + one.length() + "\r\n", one));
    attacks.put("Invalid Content-Length Value", post("Content-Length: " + one.length() + ", " + one.length()
        + "\r\n", one));
    attacks.put("Invalid Content-Length Value ", post("Content-Length: +" + one.length() + "\r\n", one));
    attacks.put("Bad Transfer-Encoding, chunked not last", post("Transfer-Encoding: chunked\r\n"
        + "Transfer-Encoding: chunked\r\n", chunked(one)));
    attacks.put("Line Folding not supported", post("Content-Length: " + one.length() + "\r\nX-A: a\r\n b\r\n", one));
    attacks.put("Illegal character SPACE=' '", post("Content-Length : " + one.length() + "\r\n", one));
    attacks.put("Duplicate Host Header", post("Host: 10.0.0.1\r\nContent-Length: " + one.length() + "\r\n", one));
    for (Map.Entry<String, byte[]> attack : attacks.entrySet()) {
      String answer = exchange(s.port(), attack.getValue());
      assertThat(answer).as(attack.getKey()).startsWith("HTTP/1.1 400 ").contains("Connection: close")
          .endsWith("{\"error\":\"" + attack.getKey().strip() + "\"}");
      assertThat(answers(answer)).as("one answer, nothing smuggled behind it: " + attack.getKey()).isEqualTo(1);
    }
    // nothing of it was stored: the next lead is the first and only one
    assertThat(Jar.post(s.url("/leads/" + TOKEN), lead("after")).statusCode()).isEqualTo(202);
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of("after"))).containsExactly("after");
    assertThat(Jar.json(Jar.get(s.url("/health")).body()).get("quarantined").asLong()).isZero();
  }

  @Test
  void serve_connectOddMethodsAndProxyTargets_areAnsweredClearly_andTheConnectionClosed_nothingReadBehindThem()
      throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    // behind each attack, on the same connection: a request that must never be answered (nor tunnel bytes parsed)
    String behind = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    Map<String, String[]> attacks = new java.util.LinkedHashMap<>();
    attacks.put("CONNECT evil:443 HTTP/1.1\r\nHost: evil:443\r\n\r\nSSH-2.0-OpenSSH_9.6\r\n",
        new String[] {"405", "method CONNECT is not allowed: serve is no proxy and opens no tunnels"});
    attacks.put("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n",
        new String[] {"405", "method CONNECT is not allowed"});
    attacks.put("GET http://evil/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", new String[] {"400", "Authority!=Host"});
    attacks.put("GET https://evil/health HTTP/1.1\r\nHost: evil\r\n\r\n",
        new String[] {"400", "absolute URL of another scheme than http: serve is no proxy"});
    attacks.put("POST ftp://evil/leads/" + TOKEN + " HTTP/1.1\r\nHost: evil\r\nContent-Length: 2\r\n\r\n{}",
        new String[] {"400", "absolute URL of another scheme than http"});
    attacks.put("OPTIONS * HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", new String[] {"400", "is not a path"});
    attacks.put("TRACE /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        new String[] {"405", "method TRACE is not allowed here"});
    attacks.put("FOO /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}",
        new String[] {"405", "method FOO is not allowed here"});
    for (Map.Entry<String, String[]> attack : attacks.entrySet()) {
      String what = attack.getKey().substring(0, attack.getKey().indexOf('\r'));
      String answer = exchange(s.port(), attack.getKey() + behind); // reads until the server closes (20 s at most)
      assertThat(answer).as(what).startsWith("HTTP/1.1 " + attack.getValue()[0] + " ").contains("Connection: close")
          .contains(attack.getValue()[1]);
      assertThat(answers(answer)).as("one answer, nothing read behind it: " + what).isEqualTo(1);
    }
    // an absolute-form target naming this server is a request like any other (RFC 9112 3.2.2: servers accept it)
    assertThat(exchange(s.port(), "GET http://127.0.0.1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
        + "\r\n\r\n")).startsWith("HTTP/1.1 200 ");
    assertThat(Jar.json(Jar.get(s.url("/health")).body()).get("quarantined").asLong()).isZero();
    assertThat(Jar.json(Jar.get(s.url("/health")).body()).get("destinations").get("local").get("pending").asLong())
        .isZero();
  }

  @Test
  void serve_http10_expect100Continue_chunkedWithExtensionsAndTrailer_areTakenOnce() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String h10 = lead("http10");
    assertThat(exchange(s.port(), "POST /leads/" + TOKEN + " HTTP/1.0\r\nContent-Length: " + h10.length()
        + "\r\n\r\n" + h10)).matches("(?s)HTTP/1\\.1 202 .*\"leadId\":\"http10\",\"duplicate\":false.*");

    // Expect: 100-continue: the client waits for the interim answer before sending the body
    String e = lead("expect");
    try (Socket socket = connect(s.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: "
          + e.length() + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder interim = new StringBuilder();
      while (!interim.toString().endsWith("\r\n\r\n")) {
        int b = in.read();
        assertThat(b).as("the interim answer before the body: " + interim).isNotNegative();
        interim.append((char) b);
      }
      assertThat(interim.toString()).startsWith("HTTP/1.1 100 ");
      out.write(e.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      ByteArrayOutputStream rest = new ByteArrayOutputStream();
      in.transferTo(rest);
      assertThat(rest.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 202 ").contains("\"leadId\":\"expect\"");
    }
    // an oversized body announced with Expect is refused before it is sent
    try (Socket socket = connect(s.port())) {
      socket.setSoTimeout(20_000);
      socket.getOutputStream().write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length:"
          + " 70000\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(all);
      assertThat(all.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 413 ").doesNotContain("HTTP/1.1 100 ");
    }
    String c = lead("chunked");
    assertThat(exchange(s.port(), post("Transfer-Encoding: chunked\r\n", Integer.toHexString(c.length())
        + ";ext=1\r\n" + c + "\r\n0\r\nX-Trailer: y\r\n\r\n"))).startsWith("HTTP/1.1 202 ");
    // HTTP/1.0 without Content-Length has no body: the answer names the header to send
    assertThat(exchange(s.port(), "POST /leads/" + TOKEN + " HTTP/1.0\r\n\r\n" + lead("no-length")))
        .startsWith("HTTP/1.1 400 ").contains("neither Content-Length nor Transfer-Encoding: chunked")
        .contains("send the lead JSON with a Content-Length header");
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of("http10", "expect", "chunked")))
        .containsExactlyInAnyOrder("http10", "expect", "chunked");
  }

  @Test
  void serve_chunkedBodyWithTrailersOrExtensionsOverTheLimitOrABadChunkSize_is400SayingWhy_nothingStored()
      throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String l = lead("trailers");
    StringBuilder trailers = new StringBuilder();
    for (int i = 0; i < 90; i++) {
      trailers.append("X-Trailer-").append(i).append(": ").append("v".repeat(100)).append("\r\n");
    }
    // Jetty reports each of these to the handler as "Early EOF", which told the sender nothing it could fix
    List<String> refused = List.of(
        exchange(s.port(), post("Transfer-Encoding: chunked\r\n", Integer.toHexString(l.length()) + "\r\n" + l
            + "\r\n0\r\n" + trailers + "\r\n")),
        exchange(s.port(), post("Transfer-Encoding: chunked\r\n", Integer.toHexString(l.length()) + ";ext="
            + "x".repeat(9000) + "\r\n" + l + "\r\n0\r\n\r\n")),
        exchange(s.port(), post("Transfer-Encoding: chunked\r\n", "zz\r\n" + l + "\r\n0\r\n\r\n")));
    assertThat(refused).allSatisfy(answer -> assertThat(answer).startsWith("HTTP/1.1 400 ")
        .contains("chunked framing is invalid").contains("nothing was stored").doesNotContain("Early EOF"));

    assertThat(exchange(s.port(), post("Transfer-Encoding: chunked\r\n", chunked(lead("after")))))
        .startsWith("HTTP/1.1 202 ");
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of("after"))).containsExactly("after");
    assertThat(Jar.json(Jar.get(s.url("/health")).body()).get("quarantined").asLong()).isZero();
  }

  @Test
  void serve_hugeUriManyHeadersAndBodiesAtAndOverTheLimit_areAnsweredWithJsonAndTheLimit() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    assertThat(exchange(s.port(), "POST /leads/" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\n\r\n")).startsWith("HTTP/1.1 414 ").endsWith("{\"error\":\"URI Too Long\"}");
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      many.append("X-").append(i).append(": 1\r\n");
    }
    assertThat(exchange(s.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + many + "Connection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 431 ").endsWith("{\"error\":\"Request Header Fields Too Large\"}");
    assertThat(exchange(s.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + "b".repeat(9000)
        + "\r\nConnection: close\r\n\r\n")).startsWith("HTTP/1.1 431 ");

    for (boolean chunk : new boolean[] {false, true}) {
      String at = sized("at-limit-" + chunk, 65_536);
      String over = sized("over-limit-" + chunk, 65_537);
      String atAnswer = exchange(s.port(), chunk ? post("Transfer-Encoding: chunked\r\n", chunked(at))
          : post("Content-Length: " + at.length() + "\r\n", at));
      assertThat(atAnswer).as("exactly 65536 bytes, chunked " + chunk).startsWith("HTTP/1.1 202 ")
          .contains("\"leadId\":\"at-limit-" + chunk + "\"");
      String overAnswer = exchange(s.port(), chunk ? post("Transfer-Encoding: chunked\r\n", chunked(over))
          : post("Content-Length: " + over.length() + "\r\n", over));
      assertThat(overAnswer).as("65537 bytes, chunked " + chunk).startsWith("HTTP/1.1 413 ")
          .contains("over the limit of 65536 bytes");
    }
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of("at-limit-false", "at-limit-true")))
        .containsExactlyInAnyOrder("at-limit-false", "at-limit-true");
  }

  /** A lead of exactly {@code bytes} bytes (its description padded). */
  private static String sized(String id, int bytes) {
    String head = "{\"UserDetails\":{\"Email\":\"big@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\","
        + "\"LeadId\":\"" + id + "\",\"Description\":\"";
    String body = head + "a".repeat(bytes - head.length() - 2) + "\"}";
    assertThat(body).hasSize(bytes);
    return body;
  }

  @Test
  void serve_chunkedBodiesThatNeverEnd_floodedAre413_drippedAreCutAtTheBodyDeadline_othersAnswered()
      throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), "--body-timeout", "2s");
    long started = System.nanoTime();
    try (Socket socket = connect(s.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      byte[] chunk = ("400\r\n" + "a".repeat(1024) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      try {
        for (int i = 0; i < 100_000; i++) { // 100 MiB at most: the server answers and closes long before
          out.write(chunk);
        }
      } catch (IOException closed) {
        // the server stopped reading: what it answered is below
      }
      assertThat(readAll(socket.getInputStream())).startsWith("HTTP/1.1 413 ");
    }
    assertThat((System.nanoTime() - started) / 1_000_000_000).as("seconds to the 413").isLessThan(20);

    List<Socket> drippers = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        Socket d = connect(s.port());
        d.getOutputStream().write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding:"
            + " chunked\r\n\r\n1\r\n{\r\n").getBytes(StandardCharsets.US_ASCII));
        drippers.add(d);
      }
      assertThat(Jar.post(s.url("/leads/" + TOKEN), lead("beside-drippers")).statusCode()).isEqualTo(202);
      long cut = System.nanoTime();
      for (Socket d : drippers) {
        d.setSoTimeout(20_000);
        assertThat(readAll(d.getInputStream())).as("nothing answered, the connection closed").isEmpty();
      }
      assertThat((System.nanoTime() - cut) / 1_000_000_000).as("seconds until every dripper was cut")
          .isLessThan(15);
    } finally {
      for (Socket d : drippers) {
        d.close();
      }
    }
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of("beside-drippers")))
        .containsExactly("beside-drippers");
  }

  @Test
  void serve_transferCodingOtherThanChunked_bodyJsonIsTaken_otherwiseTheDiagnosisNamesTheHeader() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    assertThat(exchange(s.port(), post("Transfer-Encoding: gzip, chunked\r\n", chunked(lead("te-plain")))))
        .startsWith("HTTP/1.1 202 ").contains("\"leadId\":\"te-plain\"");
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(zipped)) {
      gz.write(lead("te-gzip").getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.write((Integer.toHexString(zipped.size()) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    body.write(zipped.toByteArray());
    body.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(exchange(s.port(), post("Transfer-Encoding: gzip, chunked\r\n", body.toByteArray())))
        .startsWith("HTTP/1.1 202 ").contains("\"quarantined\":true")
        .contains("the request says Transfer-Encoding: gzip, chunked, which serve does not decode")
        .contains("send the lead JSON with Content-Length, or Transfer-Encoding: chunked alone");
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    try {
      in.transferTo(all);
    } catch (java.net.SocketException reset) {
      // closed by the server with data unread: what came before counts
    }
    return all.toString(StandardCharsets.UTF_8);
  }

  /** Sends {@code request} as is on a new connection; the whole answer, read until the server closes. */
  static String exchange(int port, String request) throws IOException {
    return exchange(port, request.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Sends {@code request} as is on a new connection; the whole answer, read until the server closes (20 s). */
  static String exchange(int port, byte[] request) throws IOException {
    try (Socket socket = connect(port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(request);
      out.flush();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }
}
