package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.file.FileSink;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The answering pool of {@link LeadServer} held full on purpose (its one thread stuck in a journal commit, its queue
 * of 16 taken), so what a flood of posts does to health checks does not depend on how fast a machine commits.
 */
@Timeout(120)
class LeadServerTest {
  private static final String TOKEN = "unit-token-3c9e";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void answeringThreadStuck_andItsQueueFull_postsAnswer503Busy_healthStillAnswers200() throws Exception {
    CountDownLatch committing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LeadJournal stuck = new ForwardingLeadJournal(InMemoryJournal.create()) {
      @Override
      public AcceptResult accept(Lead lead, List<String> destinations, Instant now) {
        hold();
        return super.accept(lead, destinations, now);
      }

      @Override
      public AcceptResult accept(Lead lead, List<String> destinations, Instant now, Optional<String> traceContext,
          Set<String> claimFor, Duration lease) {
        hold();
        return super.accept(lead, destinations, now, traceContext, claimFor, lease);
      }

      private void hold() {
        committing.countDown();
        try {
          release.await(60, TimeUnit.SECONDS); // bounded: a failing test still ends
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
    LeadServer.Limits d = LeadServer.Limits.DEFAULTS;
    LeadServer.Limits oneThread = new LeadServer.Limits(d.headerTimeout(), d.bodyTimeout(), d.minBodyRate(),
        d.idleTimeout(), d.maxConnections(), d.maxConnectionsPerClient(), 1);
    HttpClient http = HttpClient.newBuilder().connectTimeout(WAIT).build();
    try (LeadRouter router = LeadRouter.builder().journal(stuck).addSink("local", FileSink.open(dir.resolve("out")))
        .defaultRoute("local").build();
        LeadServer server = LeadServer.start(new InetSocketAddress("127.0.0.1", 0), new LeadReceiver(router,
            Optional.of(TOKEN), Optional.empty(), 1 << 20, new EventPrinter(new PrintWriter(Writer.nullWriter()))),
            oneThread)) {
      try {
        String base = "http://127.0.0.1:" + server.port();
        CompletableFuture<HttpResponse<String>> first = post(http, base, 0);
        assertThat(committing.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("the first post reached the journal")
            .isTrue();
        // the one thread is stuck: 16 posts fill the queue, the other 23 are refused whatever order they arrive in
        List<CompletableFuture<HttpResponse<String>>> more = new ArrayList<>();
        for (int i = 1; i < 40; i++) {
          more.add(post(http, base, i));
        }
        long busy = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (busy < 23 && System.nanoTime() - deadline < 0) {
          busy = more.stream().filter(f -> f.isDone() && f.join().statusCode() == 503).count();
          TimeUnit.MILLISECONDS.sleep(10); // polling, not timing
        }
        assertThat(busy).as("posts answered 503 busy while the answering pool is full").isEqualTo(23);

        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).timeout(WAIT)
            .GET().build(), HttpResponse.BodyHandlers.ofString());

        assertThat(health.statusCode()).as("health while the answering pool is full: " + health.body())
            .isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"ok\"");
        release.countDown();
        List<Integer> statuses = new ArrayList<>();
        statuses.add(first.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode());
        for (CompletableFuture<HttpResponse<String>> f : more) {
          statuses.add(f.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode());
        }
        assertThat(statuses).as("the one being answered and the 16 queued are stored")
            .containsOnly(202, 503).filteredOn(s -> s == 202).hasSize(17);
      } finally {
        release.countDown(); // before the server and router close: they wait for the stuck thread
      }
    }
  }

  @Test
  void tokenWithCharactersPercentEncoded_isTheToken_theLeadIsTaken() throws Exception {
    // RFC 3986 section 6.2.2.2: %75 is u, %2D is -; the path was compared undecoded, so a sender or proxy encoding
    // any character of the token got 404 and the lead, never sent again, was lost
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink("local", FileSink.open(dir.resolve("out"))).defaultRoute("local").build();
        LeadServer server = LeadServer.start(new InetSocketAddress("127.0.0.1", 0), new LeadReceiver(router,
            Optional.of(TOKEN), Optional.empty(), 1 << 20, new EventPrinter(new PrintWriter(Writer.nullWriter()))),
            LeadServer.Limits.DEFAULTS)) {
      String lead = "{\"UserDetails\":{\"Email\":\"enc@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
      for (String path : List.of("/leads/%75nit-token-3c9e", "/leads/unit%2Dtoken-3c9e", "/leads/unit-token-3c9%65")) {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
          s.setSoTimeout(30_000);
          s.getOutputStream().write(("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
              + "Content-Length: " + lead.length() + "\r\n\r\n" + lead).getBytes(StandardCharsets.US_ASCII));
          String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          assertThat(answer).as(path).startsWith("HTTP/1.1 202 ").contains("\"destinations\":[\"local\"]");
        }
      }
      try (java.net.Socket s = new java.net.Socket("127.0.0.1", server.port())) {
        s.setSoTimeout(30_000);
        s.getOutputStream().write(("POST /leads/%75nit-token-3c9f HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close"
            + "\r\nContent-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
        assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).as("another token")
            .startsWith("HTTP/1.1 404 ");
      }
    }
  }

  private static CompletableFuture<HttpResponse<String>> post(HttpClient http, String base, int n) {
    String lead = "{\"UserDetails\":{\"Email\":\"f" + n + "@contoso.com\"},\"LeadSource\":"
        + "\"AzureMarketplace-INS|contoso.crm\",\"LeadId\":\"unit-" + n + "\"}";
    return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/leads/" + TOKEN)).timeout(WAIT)
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(lead)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
