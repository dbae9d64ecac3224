package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * {@code serve} attacked over real sockets on 127.0.0.1: slowloris clients dribbling headers and bodies (and
 * reconnecting when cut off) must not starve the others; the per-client cap, the header deadline and the minimum body
 * rate cut connections off; methods are case-sensitive and an overlong UTF-8 path is refused.
 */
class SlowClientsIT extends ServeITBase {
  @Test
  void serve_50SlowlorisConnectionsHeldOpen_healthAndPostsStillAnswer() throws Exception {
    // the attackers' deadlines (60 s, no minimum body rate) are longer than the attack and than each request's 20 s:
    // a server giving a connection a thread while it dribbles would hang the requests until they time out, so their
    // answers, not their latency, show nobody was starved however loaded the machine is
    int port = listen("--header-timeout", "60s", "--body-timeout", "60s", "--min-body-rate", "0");
    Attack attack = attack(port, TimeUnit.SECONDS.toNanos(8));
    System.out.println("50 slowloris connections held open: " + attack);
    assertThat(attack.failures).as("every health check 200 and every post 202 during the attack").isEmpty();
    assertThat(attack.millis.size()).as("requests made in 8 s").isGreaterThan(10);
  }

  @Test
  void serve_50SlowlorisConnections_cutOffAtTheirDeadlines_reconnect_andOthersStillAnswer() throws Exception {
    int port = listen("--header-timeout", "2s", "--body-timeout", "2s");
    Attack attack = attack(port, TimeUnit.SECONDS.toNanos(8)); // four header deadlines: attackers reconnect
    // the goal is 200 ms p99 (README "serve under slow clients"), measured and printed here, not asserted: a loaded
    // machine's latency is not the server's; that nobody waits for a slow connection is the test above
    System.out.println("50 slowloris connections with 2 s deadlines: " + attack);
    assertThat(attack.failures).as("every health check 200 and every post 202 during the attack").isEmpty();
    assertThat(attack.millis.size()).as("requests made in 8 s").isGreaterThan(10);
    assertThat(attack.cutOff).as("slow connections cut off at their deadline and reconnected").isGreaterThan(50);
  }

  /** What {@link #attack} saw: the requests' failures and times, and how often attackers were cut off. */
  private record Attack(List<String> failures, List<Long> millis, int cutOff) {
    @Override
    public String toString() {
      List<Long> sorted = new ArrayList<>(millis);
      Collections.sort(sorted);
      return String.format(java.util.Locale.ROOT, "%d requests: p50 %d ms, p99 %d ms, max %d ms; attackers cut off"
          + " %d times", sorted.size(), sorted.get(sorted.size() / 2),
          sorted.get((int) Math.ceil(sorted.size() * 0.99) - 1), sorted.get(sorted.size() - 1), cutOff);
    }
  }

  /**
   * 50 slowloris connections (half dribbling headers, half a body after complete headers, each reconnecting when cut
   * off) on {@code port} while health checks and posts alternate for {@code nanos}.
   */
  private Attack attack(int port, long nanos) throws Exception {
    AtomicBoolean attacking = new AtomicBoolean(true);
    AtomicInteger cutOff = new AtomicInteger();
    List<Thread> attackers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      boolean body = i % 2 == 1; // half dribble headers, half a body after complete headers
      Thread t = new Thread(() -> slowloris(port, body, attacking, cutOff), "slowloris-" + i);
      t.setDaemon(true);
      t.start();
      attackers.add(t);
    }
    TimeUnit.MILLISECONDS.sleep(500); // the attackers connect and start dribbling (not a timing assertion)

    List<Long> millis = Collections.synchronizedList(new ArrayList<>());
    List<String> failures = new ArrayList<>();
    long end = System.nanoTime() + nanos;
    try {
      for (int i = 0; System.nanoTime() < end; i++) {
        boolean post = i % 2 == 1;
        long start = System.nanoTime();
        String answer;
        try {
          answer = post ? exchange(port, "POST /leads/" + TOKEN, lead(i)) : exchange(port, "GET /health", null);
        } catch (IOException e) {
          answer = e.toString();
        }
        millis.add((System.nanoTime() - start) / 1_000_000);
        String expected = post ? "HTTP/1.1 202 " : "HTTP/1.1 200 ";
        if (!answer.startsWith(expected)) {
          failures.add((post ? "POST: " : "GET /health: ") + answer.lines().findFirst().orElse(answer));
        }
        TimeUnit.MILLISECONDS.sleep(40);
      }
    } finally {
      attacking.set(false);
      for (Thread t : attackers) {
        t.join(5000);
      }
    }
    return new Attack(failures, List.copyOf(millis), cutOff.get());
  }

  @Test
  void serve_perClientCapAndHeaderDeadline_cutSlowConnectionsOff() throws Exception {
    // far apart, so a loaded machine cannot blur them: the cap closes at once, the header deadline at 10 s, the
    // idle timeout (what would close them without a header deadline) at 120 s
    int port = listen("--max-connections-per-client", "5", "--header-timeout", "10s", "--idle-timeout", "120s");
    long start = System.nanoTime();
    List<Socket> six = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      six.add(connect(port)); // none sends anything
    }
    // the server takes them in its own order: whichever it counts sixth is closed at once
    List<Socket> open = new ArrayList<>(six);
    while (open.size() == 6 && System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(8000)) {
      open.removeIf(s -> closedWithin(s, 10));
    }
    assertThat(open).as("one of six connections from one address closed before the header deadline").hasSize(5);
    for (Socket s : open) {
      assertThat(closedWithin(s, 60_000)).as("closed at the 10 s header deadline").isTrue();
    }
    assertThat((System.nanoTime() - start) / 1_000_000).as("ms until all were closed").isBetween(9500L, 60_000L);
    assertThat(exchange(port, "GET /health", null)).startsWith("HTTP/1.1 200 ");
  }

  @Test
  void serve_bodySlowerThanTheMinimumRate_isCutOff() throws Exception {
    int port = listen("--min-body-rate", "1000", "--body-timeout", "60s");
    try (Socket s = connect(port)) {
      OutputStream out = s.getOutputStream();
      out.write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Content-Length: 5000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      long start = System.nanoTime();
      boolean closed = false;
      for (int i = 0; i < 300 && !closed; i++) { // 10 bytes a second, far below 1000
        try {
          out.write("{\"UserDetai".getBytes(StandardCharsets.US_ASCII), 0, 1);
          out.flush();
        } catch (IOException e) {
          closed = true;
          break;
        }
        closed = closedWithin(s, 100);
      }
      long took = (System.nanoTime() - start) / 1_000_000;
      assertThat(closed).as("cut off").isTrue();
      assertThat(took).as("after the 2 s grace, well before the 60 s body timeout").isBetween(1500L, 30_000L);
    }
  }

  @Test
  void serve_methodsAreCaseSensitiveAndOverlongUtf8PathsAreRefused() throws Exception {
    int port = listen();
    String lead = lead(1);
    String lower = exchange(port, "post /leads/" + TOKEN, lead);
    assertThat(lower).as("post is not POST").startsWith("HTTP/1.1 405 ").contains("Allow: POST");

    String overlong = exchange(port, "POST /leads%C0%AF" + TOKEN, lead);
    assertThat(overlong).as("%C0%AF is not decoded to /").startsWith("HTTP/1.1 400 ")
        .contains("{\"error\":\"").doesNotContain(TOKEN);
    String health = exchange(port, "GET /health%C0%AF", null);
    assertThat(health).startsWith("HTTP/1.1 400 ");
    String rawBytes = exchangeBytes(port, concat("POST /leads".getBytes(StandardCharsets.US_ASCII),
        new byte[] {(byte) 0xC0, (byte) 0xAF}, TOKEN.getBytes(StandardCharsets.US_ASCII)), lead);
    assertThat(rawBytes).startsWith("HTTP/1.1 400 ");
    assertThat(exchange(port, "POST /leads/" + TOKEN, lead)).startsWith("HTTP/1.1 202 ");
  }

  // ---- the attack and the raw client ----

  /** One slowloris connection after another: dribbles a byte every 100 ms until the server cuts it off. */
  private static void slowloris(int port, boolean body, AtomicBoolean attacking, AtomicInteger cutOff) {
    while (attacking.get()) {
      try (Socket s = connect(port)) {
        OutputStream out = s.getOutputStream();
        if (body) {
          out.write(("POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
              + "Content-Length: 60000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
        } else {
          out.write(("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ").getBytes(StandardCharsets.US_ASCII));
        }
        out.flush();
        while (attacking.get()) {
          out.write('a');
          out.flush();
          if (closedWithin(s, 100)) {
            cutOff.incrementAndGet();
            break;
          }
        }
      } catch (IOException e) {
        cutOff.incrementAndGet(); // reset while writing: cut off
      }
    }
  }

  private static Socket connect(int port) throws IOException {
    Socket s = new Socket();
    s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    return s;
  }

  /** Whether the server closed the connection within {@code millis} (reads nothing else from it). */
  private static boolean closedWithin(Socket s, int millis) {
    try {
      s.setSoTimeout(millis);
      return s.getInputStream().read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  /** Sends one request on a new connection ({@code Connection: close}) and returns the whole answer. */
  private static String exchange(int port, String requestLine, String body) throws IOException {
    return exchangeBytes(port, requestLine.getBytes(StandardCharsets.US_ASCII), body);
  }

  private static String exchangeBytes(int port, byte[] requestLine, String body) throws IOException {
    try (Socket s = connect(port)) {
      s.setSoTimeout(20_000);
      byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      OutputStream out = s.getOutputStream();
      out.write(concat(requestLine, (" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
          + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n") + "\r\n")
          .getBytes(StandardCharsets.US_ASCII), b));
      out.flush();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }

  private static String lead(int i) {
    return "{\"UserDetails\":{\"FirstName\":\"Lead" + i + "\",\"Email\":\"lead" + i + "@contoso.com\",\"Country\":"
        + "\"US\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm-connector\",\"LeadId\":\"slow-" + i + "\"}";
  }

  /** Starts serve on a descriptor with one file sink, with {@code extra} options; returns its port. */
  private int listen(String... extra) throws Exception {
    return start(Jar.fileDescriptor(dir, "out/leads.ndjson").toString(), extra).port();
  }
}
