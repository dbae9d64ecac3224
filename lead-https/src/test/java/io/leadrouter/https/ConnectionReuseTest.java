package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.SampleLeads;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The receiver sees as many TCP connections as the sink has deliveries in flight, however many leads it gets: the
 * sink's pool keeps one idle connection per delivery in flight (OkHttp's shared default keeps 5, so deliveries beyond
 * 5 opened a new connection for every burst). A real loopback HTTP/1.1 server counts the connections it accepts.
 */
@Timeout(60)
class ConnectionReuseTest {
  private static final Secret SECRET = Secret.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  private ServerSocket server;
  private final AtomicInteger accepted = new AtomicInteger();
  private final ExecutorService serving = Executors.newCachedThreadPool();

  @BeforeEach
  void listen() throws IOException {
    server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    serving.execute(() -> {
      while (!server.isClosed()) {
        try {
          Socket s = server.accept();
          accepted.incrementAndGet();
          serving.execute(() -> serve(s));
        } catch (IOException e) {
          return;
        }
      }
    });
  }

  @AfterEach
  void stop() throws IOException {
    server.close();
    serving.shutdownNow();
  }

  /** What the server answers every request with. */
  private volatile String answer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

  /** Answers every request on the connection with {@link #answer} and keeps it open (HTTP/1.1 keep-alive). */
  private void serve(Socket s) {
    try (s; InputStream in = new BufferedInputStream(s.getInputStream()); OutputStream out = s.getOutputStream()) {
      while (true) {
        int length = -1;
        String line;
        boolean first = true;
        while (!(line = readLine(in)).isEmpty() || first) {
          if (line.isEmpty() && first) {
            return; // the client closed the connection
          }
          first = false;
          String l = line.toLowerCase(Locale.ROOT);
          if (l.startsWith("content-length:")) {
            length = Integer.parseInt(l.substring(15).trim());
          }
        }
        in.readNBytes(Math.max(0, length));
        out.write(answer.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    } catch (IOException | RuntimeException e) {
      // connection ended
    }
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        return "";
      }
      if (c != '\r') {
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.US_ASCII);
  }

  private HttpsSink sink(int maxConcurrency) {
    URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/leads");
    return HttpsSink.builder(url).signingSecret(SECRET).allowHost("127.0.0.1").allowHttpHost("127.0.0.1")
        .maxConcurrency(maxConcurrency).build();
  }

  /** {@code threads} callers deliver {@code rounds} leads each, all starting each round together. */
  private void deliverInBursts(HttpsSink sink, int threads, int rounds) throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(threads);
    CyclicBarrier together = new CyclicBarrier(threads);
    try {
      List<Future<?>> f = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int caller = t;
        f.add(callers.submit(() -> {
          for (int r = 0; r < rounds; r++) {
            together.await(10, TimeUnit.SECONDS);
            Lead base = SampleLeads.azureMarketplaceInstall();
            sink.deliver(base.toBuilder().id("reuse-" + caller + "-" + r).build());
          }
          return null;
        }));
      }
      for (Future<?> x : f) {
        x.get(50, TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void connections_equalTheDeliveriesInFlight_notTheLeads() throws Exception {
    try (HttpsSink sink = sink(16)) {
      deliverInBursts(sink, 16, 20);
    }

    assertThat(accepted.get()).as("connections for 320 leads from 16 callers").isBetween(1, 16);
  }

  @Test
  void prepareFor_sizesThePoolToTheRoutersInFlightSetting() throws Exception {
    try (HttpsSink sink = sink(2)) {
      sink.prepareFor(12);
      deliverInBursts(sink, 12, 20);
    }

    assertThat(accepted.get()).as("connections for 240 leads from 12 callers").isBetween(1, 12);
  }

  /**
   * A receiver answering 2xx with a small body, sent at once (fixed length or chunked): the sink does not wait for a
   * 2xx's body, yet the connection is reused, so one connection carries every lead of a single caller.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 25\r\n\r\n{\"accepted\":true,\"n\":1}  ",
      "HTTP/1.1 202 Accepted\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nthank\r\n4\r\n you\r\n0\r\n\r\n"})
  void smallFastBody_connectionIsReused(String answer) throws Exception {
    this.answer = answer;
    try (HttpsSink sink = sink(1)) {
      deliverInBursts(sink, 1, 20);
    }

    assertThat(accepted.get()).as("connections for 20 leads one after another").isEqualTo(1);
  }
}
