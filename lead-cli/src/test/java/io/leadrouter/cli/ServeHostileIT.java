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
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} (the real jar) attacked as an outside suite would, over real sockets on 127.0.0.1: a Content-Length far
 * over the limit with almost no body, the same lead posted by many clients at once, pipelined requests.
 */
class ServeHostileIT extends ServeITBase {
  private static final Pattern STATUS = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");

  @Test
  void serve_hugeContentLengthWithATinyBody_isAnswered413AtOnce_notLeftToADeadline() throws Exception {
    // no rate floor and a long body deadline: only an answer on the declared length can come before 20 s
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), "--min-body-rate", "0",
        "--body-timeout", "60s");
    for (String length : List.of("1000000000000", "70000")) {
      try (Socket socket = connect(s.port())) {
        socket.setSoTimeout(20_000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            + "Content-Length: " + length + "\r\n\r\n{\"UserDetails\":{").getBytes(StandardCharsets.US_ASCII));
        out.flush(); // and then nothing more: the connection stays open on the client's side
        String head = readHead(socket.getInputStream());
        assertThat(head).as("answered while the body is still owed").startsWith("HTTP/1.1 413 ")
            .contains("Connection: close");
      }
    }
    // an honest client sending the whole oversized body still reads the 413 (not a reset)
    String huge = "{\"Description\":\"" + "a".repeat(200_000) + "\"}";
    HttpResponse<String> big = Jar.post(s.url("/leads/" + TOKEN), huge);
    assertThat(big.statusCode()).isEqualTo(413);
    assertThat(big.body()).isEqualTo("{\"error\":\"the body is " + huge.length() + " bytes, over the limit of 65536"
        + " bytes\"}");
    assertThat(Jar.get(s.url("/health")).statusCode()).isEqualTo(200);
  }

  @Test
  void serve_maxBodyBytesOverTheCap_isRefusedAtStart_namingTheOptionTheMaximumAndTheFix() throws Exception {
    String descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    // before: 2000000000 started a server that buffered up to 2 GB per connection; 10000000000 was "not an int"
    for (String bytes : List.of("2000000000", "10000000000", "1048577")) {
      Jar.Result r = Jar.run(dir, java.util.Map.of("LR_IT_TOKEN", TOKEN), null, "serve", "--port", "0",
          "--token-env", "LR_IT_TOKEN", "--max-body-bytes", bytes, "--descriptor", descriptor);
      assertThat(r.exit()).as(r.all()).isEqualTo(Main.USAGE);
      assertThat(r.err()).as(bytes).contains("--max-body-bytes: " + bytes + " is over the maximum of 1048576")
          .contains("give at most 1048576");
      assertThat(r.out()).doesNotContain("listening");
    }
    // the maximum itself is taken, and a body of that size is a lead
    Jar.Serve s = start(descriptor, "--max-body-bytes", "1048576");
    String big = "{\"UserDetails\":{\"Email\":\"big@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\","
        + "\"Description\":\"" + "a".repeat(900_000) + "\"}";
    assertThat(Jar.post(s.url("/leads/" + TOKEN), big).statusCode()).isEqualTo(202);
  }

  @Test
  void serve_sameLeadPostedByTwentyClientsAtOnce_isOneLeadDeliveredOnce() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String lead = "{\"UserDetails\":{\"Email\":\"race@contoso.com\",\"Country\":\"US\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm-connector\"}"; // no LeadId: the id comes from the bytes
    ExecutorService clients = Executors.newFixedThreadPool(20);
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < 20; i++) {
        answers.add(postAsync(s, lead, clients));
      }
      List<String> bodies = new ArrayList<>();
      for (CompletableFuture<HttpResponse<String>> a : answers) {
        HttpResponse<String> r = a.get(60, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
        bodies.add(r.body());
      }
      assertThat(bodies).filteredOn(b -> b.contains("\"duplicate\":false")).hasSize(1);
      assertThat(bodies).extracting(b -> Jar.json(b).get("leadId").asText()).containsOnly(
          Jar.json(bodies.get(0)).get("leadId").asText());
      String id = Jar.json(bodies.get(0)).get("leadId").asText();
      assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of(id))).containsExactly(id);
      // the file holds the line before the journal records the delivery: wait for the count, then it must be one
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      long delivered;
      while ((delivered = deliveredLocally(s)) < 1 && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(50);
      }
      assertThat(delivered).isEqualTo(1);
    } finally {
      clients.shutdownNow();
    }
  }

  /** Posts {@code lead} to the serve's lead path from one of {@code clients}' threads. */
  private static CompletableFuture<HttpResponse<String>> postAsync(Jar.Serve s, String lead, ExecutorService clients) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return Jar.post(s.url("/leads/" + TOKEN), lead);
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, clients);
  }

  private static long deliveredLocally(Jar.Serve s) throws IOException, InterruptedException {
    return Jar.json(Jar.get(s.url("/health")).body()).get("destinations").get("local").get("delivered").asLong();
  }

  @Test
  void serve_pipelinedRequestsOnOneConnection_areEachAnsweredInOrder() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String lead = "{\"UserDetails\":{\"Email\":\"pipe@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
    String post = "POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + lead.length() + "\r\n\r\n" + lead;
    String dup = "{\"UserDetails\":{\"Email\":\"a@contoso.com\",\"email\":\"b@contoso.com\"},\"LeadSource\":\"x\"}";
    String quarantined = "POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " + dup.length()
        + "\r\n\r\n" + dup;
    try (Socket socket = connect(s.port())) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write((post + post + quarantined + "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.UTF_8)); // all four in one write, before any answer
      out.flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(all);
      String answers = all.toString(StandardCharsets.UTF_8);
      List<String> statuses = new ArrayList<>();
      Matcher m = STATUS.matcher(answers);
      while (m.find()) {
        statuses.add(m.group(1));
      }
      assertThat(statuses).containsExactly("202", "202", "202", "200");
      assertThat(answers).containsSubsequence("\"duplicate\":false", "\"duplicate\":true",
          "\"code\":\"PAYLOAD_DUPLICATE_KEY\"", "\"quarantined\":1");
    }
  }

  @Test
  void serve_floodOfConcurrentPosts_everyLeadAnswered202IsDeliveredOnce_every503StoredNothing() throws Exception {
    // one answering thread (queue 16): a flood may be answered 503 "busy", which must store nothing
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), "--threads", "1");
    int clients = 80;
    ExecutorService pool = Executors.newFixedThreadPool(clients);
    List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        String lead = "{\"UserDetails\":{\"Email\":\"flood" + i + "@contoso.com\"},\"LeadSource\":"
            + "\"AzureMarketplace-INS|contoso.crm\",\"LeadId\":\"flood-" + i + "\"}";
        answers.add(postAsync(s, lead, pool));
      }
      List<String> accepted = new ArrayList<>();
      List<String> busy = new ArrayList<>();
      for (int i = 0; i < clients; i++) {
        HttpResponse<String> r = answers.get(i).get(60, TimeUnit.SECONDS);
        if (r.statusCode() == 202) {
          accepted.add(Jar.json(r.body()).get("leadId").asText());
        } else {
          assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
          assertThat(r.headers().firstValue("Retry-After")).contains("1");
          assertThat(r.body()).contains("the lead was not stored; send it again");
          busy.add("flood-" + i);
        }
      }
      assertThat(accepted.size() + busy.size()).isEqualTo(clients);
      System.out.printf("flood of %d concurrent posts on 1 answering thread: %d answered 202, %d answered 503%n",
          clients, accepted.size(), busy.size());
      assertThat(Jar.get(s.url("/health")).statusCode()).as("a healthy client is answered after the flood")
          .isEqualTo(200);
      List<String> delivered = Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), accepted);
      assertThat(delivered).as("every 202 delivered, once; no 503 stored (%d busy)", busy.size())
          .containsExactlyInAnyOrderElementsOf(accepted);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void serve_twoDifferentLeadsUnderOneLeadId_theSecondIsQuarantinedNotDroppedAsADuplicate() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    String ann = "{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\","
        + "\"LeadId\":\"same-1\"}";
    String bob = "{\"UserDetails\":{\"Email\":\"bob@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\","
        + "\"LeadId\":\"same-1\"}";

    assertThat(Jar.json(Jar.post(s.url("/leads/" + TOKEN), ann).body()).get("duplicate").asBoolean()).isFalse();
    HttpResponse<String> again = Jar.post(s.url("/leads/" + TOKEN), " " + ann); // other bytes, the same lead
    assertThat(Jar.json(again.body()).get("duplicate").asBoolean()).as(again.body()).isTrue();
    HttpResponse<String> other = Jar.post(s.url("/leads/" + TOKEN), bob);

    assertThat(other.statusCode()).isEqualTo(202);
    com.fasterxml.jackson.databind.JsonNode kept = Jar.json(other.body());
    assertThat(kept.get("quarantined").asBoolean()).as(other.body()).isTrue();
    assertThat(kept.get("diagnosis").get("code").asText()).isEqualTo("LEAD_ID_CONFLICT");
    assertThat(kept.get("diagnosis").get("message").asText()).isEqualTo("LeadId 'same-1': a lead with this id was"
        + " accepted before with other content (UserDetails.Email differ); this payload is another lead under the"
        + " same id, kept here rather than dropped as a duplicate or merged");
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), List.of("same-1"))).containsExactly("same-1");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).singleElement().asString().contains("ann@contoso.com");
    assertThat(Jar.json(Jar.get(s.url("/health")).body()).get("quarantined").asLong()).isEqualTo(1);
  }

  @Test
  void serve_wrongContentTypeOrEncoding_jsonIsTakenAnyway_otherBodiesDiagnosedNamingTheHeader()
      throws Exception {
    int port = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString()).port();
    String lead = "{\"UserDetails\":{\"Email\":\"type@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
    // the body decides, not the label: JSON sent as a form or as text is still the lead
    assertThat(exchange(port, "Content-Type: application/x-www-form-urlencoded", lead.getBytes(StandardCharsets.UTF_8)))
        .startsWith("HTTP/1.1 202 ").contains("\"duplicate\":false");
    assertThat(exchange(port, "Content-Type: text/plain", lead.getBytes(StandardCharsets.UTF_8)))
        .startsWith("HTTP/1.1 202 ").contains("\"duplicate\":true");

    java.io.ByteArrayOutputStream zipped = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(zipped)) {
      gz.write(lead.getBytes(StandardCharsets.UTF_8));
    }
    String gzip = exchange(port, "Content-Type: application/json\r\nContent-Encoding: gzip", zipped.toByteArray());
    // compressed bytes are no UTF-8: kept in quarantine (never dropped), the diagnosis naming the header
    assertThat(gzip).startsWith("HTTP/1.1 202 ").contains("\"quarantined\":true")
        .contains("\"code\":\"PAYLOAD_INVALID_UTF8\"").contains("the payload is not valid UTF-8 and cannot be read"
            + " without guessing; the request says Content-Encoding: gzip, which serve does not decode\"")
        .contains("\"fix\":\"send the lead JSON uncompressed, without Content-Encoding\"");
    String form = exchange(port, "Content-Type: application/x-www-form-urlencoded",
        "email=a%40contoso.com".getBytes(StandardCharsets.US_ASCII));
    assertThat(form).startsWith("HTTP/1.1 400 ").contains("the request says Content-Type:"
        + " application/x-www-form-urlencoded").contains("send the lead as JSON with Content-Type: application/json");
  }

  @Test
  void serve_halfClosedClientsAndClientsThatNeverReadTheirAnswers_areAnswered_othersAreNotHeldUp() throws Exception {
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    // a client that ends its side after the request (shutdown(SHUT_WR), as nc -N does) still gets its answer
    for (String connection : List.of("", "Connection: close\r\n")) {
      String lead = "{\"UserDetails\":{\"Email\":\"half" + connection.length() + "@contoso.com\"},"
          + "\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
      try (Socket socket = connect(s.port())) {
        socket.setSoTimeout(20_000);
        socket.getOutputStream().write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + connection
            + "Content-Type: application/json\r\nContent-Length: " + lead.length() + "\r\n\r\n" + lead)
            .getBytes(StandardCharsets.UTF_8));
        socket.shutdownOutput();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        socket.getInputStream().transferTo(answer); // ends: the server closes once it has answered
        assertThat(answer.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 202 ")
            .contains("\"duplicate\":false");
      }
    }
    // clients pipelining posts and never reading an answer: their answers back up, their connections stall, and
    // nobody else waits for them
    List<Socket> stalled = new ArrayList<>();
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      for (int c = 0; c < 4; c++) {
        Socket socket = connect(s.port());
        socket.setReceiveBufferSize(4096);
        stalled.add(socket);
        int client = c;
        writers.submit(() -> {
          OutputStream out = socket.getOutputStream();
          for (int i = 0; i < 5000; i++) { // blocks once the server stops reading
            String lead = "{\"UserDetails\":{\"Email\":\"p" + client + "-" + i + "@contoso.com\"},"
                + "\"LeadSource\":\"SPZA-Create|contoso.crm\",\"LeadId\":\"stall-" + client + "-" + i + "\"}";
            out.write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + lead.length() + "\r\n\r\n" + lead).getBytes(StandardCharsets.UTF_8));
          }
          return null;
        });
      }
      TimeUnit.SECONDS.sleep(2); // the stalled connections' answers fill their buffers
      for (int i = 0; i < 5; i++) {
        long start = System.nanoTime();
        assertThat(Jar.get(s.url("/health")).statusCode()).isEqualTo(200);
        HttpResponse<String> post = Jar.post(s.url("/leads/" + TOKEN), "{\"UserDetails\":{\"Email\":\"other" + i
            + "@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}");
        assertThat(post.statusCode()).isEqualTo(202);
        assertThat((System.nanoTime() - start) / 1_000_000).as("ms for a health check and a post").isLessThan(5000);
      }
    } finally {
      for (Socket socket : stalled) {
        socket.close();
      }
      writers.shutdownNow();
    }
  }

  /** POSTs {@code body} to the lead path with {@code headers} on a new connection; the whole answer. */
  @Test
  void serve_stoppedWhileABodyIsArriving_answers503SayingItIsStopping_andStoresNothing() throws Exception {
    // the body still arriving when SIGTERM stops serve used to get a 500 quoting Jetty ("TimeoutException: Idle
    // timeout expired: 1593/1000 ms"): a 5xx, but saying neither that nothing was stored nor what to do
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString());
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", s.port()), 5000);
      socket.setSoTimeout(30_000);
      // Expect: 100-continue, so that serve's "100 Continue" proves it is reading the body before SIGTERM: a health
      // check on another connection proved nothing of this one, and under load the stop could come first
      socket.getOutputStream().write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 500"
          + "\r\nExpect: 100-continue\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      String interim = "HTTP/1.1 100 Continue\r\n\r\n";
      byte[] continued = socket.getInputStream().readNBytes(interim.length());
      assertThat(new String(continued, StandardCharsets.US_ASCII)).as("serve reads the body").isEqualTo(interim);
      socket.getOutputStream().write("{\"UserDetails\":".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
      s.process().toHandle().destroy(); // SIGTERM
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(answer);
      assertThat(answer.toString(StandardCharsets.UTF_8)).startsWith("HTTP/1.1 503 ")
          .contains("{\"error\":\"serve is stopping: the lead was not stored; send it again (to another instance, or"
              + " once serve is back)\"}");
    }
    assertThat(s.process().waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(s.out().join()).contains("stopped; undelivered leads stay in the journal");
    assertThat(s.err().join()).doesNotContain(TOKEN);
  }

  private static String exchange(int port, String headers, byte[] body) throws IOException {
    try (Socket socket = connect(port)) {
      socket.setSoTimeout(20_000);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + headers
          + "\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      socket.getInputStream().transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }

  /** The status line and headers of the answer (up to the blank line), or what came before the server closed. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      String text = head.toString(StandardCharsets.US_ASCII);
      if (text.endsWith("\r\n\r\n")) {
        return text;
      }
    }
    return head.toString(StandardCharsets.US_ASCII);
  }
}
