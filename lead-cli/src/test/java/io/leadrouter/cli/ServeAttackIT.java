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
  void serve_floodOfPostsOnOneAnsweringThread_healthStillAnswers200Promptly() throws Exception {
    // one answering thread, queue 16: 40 clients posting without pause keep it full, so posts get 503 "busy"
    Jar.Serve s = start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), "--threads", "1");
    AtomicBoolean flooding = new AtomicBoolean(true);
    AtomicInteger busy = new AtomicInteger();
    List<String> accepted = Collections.synchronizedList(new ArrayList<>());
    List<String> odd = Collections.synchronizedList(new ArrayList<>());
    List<Thread> flood = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int client = i;
      Thread t = new Thread(() -> {
        for (int n = 0; flooding.get() && n < 10_000; n++) {
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
    try {
      TimeUnit.MILLISECONDS.sleep(500); // the flood is on
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
      while (System.nanoTime() < end) {
        long start = System.nanoTime();
        String answer;
        try {
          answer = exchange(s.port(), "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        } catch (IOException e) {
          answer = e.toString();
        }
        millis.add((System.nanoTime() - start) / 1_000_000);
        if (!answer.startsWith("HTTP/1.1 200 ")) {
          healthFailures.add(answer.lines().findFirst().orElse(answer));
        }
        TimeUnit.MILLISECONDS.sleep(50);
      }
    } finally {
      flooding.set(false);
      for (Thread t : flood) {
        t.join(30_000);
      }
    }
    Collections.sort(millis);
    System.out.printf("health during a flood of 40 posting clients on 1 answering thread: %d checks, max %d ms;"
        + " posts: %d answered 202, %d answered 503%n", millis.size(), millis.get(millis.size() - 1),
        accepted.size(), busy.get());
    assertThat(busy.get()).as("the flood filled the answering threads (else this test proves nothing)").isPositive();
    assertThat(odd).as("every post answered 202 or 503").isEmpty();
    assertThat(healthFailures).as("every health check answered 200 during the flood").isEmpty();
    assertThat(millis.get(millis.size() - 1)).as("slowest health check, ms").isLessThan(5_000);
    assertThat(Jar.awaitDelivered(dir.resolve("out/leads.ndjson"), accepted))
        .as("every 202 delivered, once").containsExactlyInAnyOrderElementsOf(accepted);
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
