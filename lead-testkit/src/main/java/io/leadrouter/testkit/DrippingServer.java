package io.leadrouter.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;

/**
 * A hostile HTTP peer on 127.0.0.1: it reads each request's head, then answers one byte at a time, a byte every
 * {@code interval}, never finishing: the status line and headers of a 200 (or 401, 500, ...) followed either by more
 * header lines forever ({@link #headersForever}) or by an endless chunked body ({@link #bodyForever}). Each byte comes
 * well within any read timeout, so only a bound on the whole call (or on bytes read) ends the call. Tests assert
 * that a client gave up in bounded time and closed every connection it opened here ({@link #openConnections()}).
 */
public final class DrippingServer implements AutoCloseable {
  private final ServerSocket listener;
  private final byte[] head;
  private final byte[] forever;
  private final Duration interval;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicLong sent = new AtomicLong();
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();

  private DrippingServer(byte[] head, byte[] forever, Duration interval) {
    this.head = head;
    this.forever = forever;
    this.interval = interval;
    this.listener = Loopback.listen();
    Loopback.acceptAll(listener, "dripping-server", s -> {
      accepted.incrementAndGet();
      open.add(s);
      Loopback.startDaemon("drip-" + s.getPort(), () -> drip(s));
    });
  }

  /**
   * The hostile peers an HTTP sink's hostile-peer test runs against (for {@code @MethodSource}), each opened by the
   * test that uses it: headers dripped forever, an endless 200 (JSON) and 503 body dripped, an endless 200 body
   * flooded.
   */
  public static Stream<Named<Supplier<DrippingServer>>> hostilePeers() {
    return Stream.of(
        Named.of("dripping headers forever", () -> headersForever(200, Duration.ofMillis(100))),
        Named.of("an endless chunked 200 body", () -> bodyForever(200, "application/json", Duration.ofMillis(100))),
        Named.of("an endless chunked error body", () -> bodyForever(503, "text/plain", Duration.ofMillis(100))),
        Named.of("flooding an endless 200 body", () -> floodForever(200)));
  }

  /** Answers {@code status} and then header lines ({@code X-Drip: aaaa...}) forever, a byte per {@code interval}. */
  public static DrippingServer headersForever(int status, Duration interval) {
    return new DrippingServer(("HTTP/1.1 " + status + " Drip\r\nX-Drip: ").getBytes(StandardCharsets.US_ASCII),
        "a".getBytes(StandardCharsets.US_ASCII), interval);
  }

  /**
   * Answers {@code status} with {@code contentType} and a chunked body that never ends: a chunk of one space (or
   * <code>&#123;"a":"</code> for JSON, then spaces) every {@code interval}.
   */
  public static DrippingServer bodyForever(int status, String contentType, Duration interval) {
    String head = "HTTP/1.1 " + status + " Drip\r\nContent-Type: " + contentType
        + "\r\nTransfer-Encoding: chunked\r\n\r\n" + "5\r\n{\"a\":\r\n";
    return new DrippingServer(head.getBytes(StandardCharsets.US_ASCII),
        "1\r\n \r\n".getBytes(StandardCharsets.US_ASCII), interval);
  }

  /**
   * Answers {@code status} with a JSON body that never ends, as fast as the client reads: one array of zeros
   * (<code>&#123;"a":[0,0,...</code>) in 64 KiB chunks, which a JSON tree reader keeps in memory element by element.
   * What a client reads of it before giving up is {@link #bytesSent()} (at most that).
   */
  public static DrippingServer floodForever(int status) {
    String head = "HTTP/1.1 " + status + " Flood\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n" + "6\r\n{\"a\":[\r\n";
    byte[] size = "10000\r\n".getBytes(StandardCharsets.US_ASCII); // 64 KiB, in hex
    byte[] chunk = new byte[size.length + 0x10000 + 2];
    System.arraycopy(size, 0, chunk, 0, size.length);
    for (int i = size.length; i < size.length + 0x10000; i += 2) {
      chunk[i] = '0';
      chunk[i + 1] = ',';
    }
    chunk[chunk.length - 2] = '\r';
    chunk[chunk.length - 1] = '\n';
    return new DrippingServer(head.getBytes(StandardCharsets.US_ASCII), chunk, Duration.ZERO);
  }

  private void drip(Socket s) {
    try (s) {
      readHead(s.getInputStream());
      OutputStream out = s.getOutputStream();
      out.write(head);
      out.flush();
      while (!listener.isClosed()) {
        if (!interval.isZero()) {
          Thread.sleep(interval.toMillis());
        }
        out.write(forever);
        out.flush();
        sent.addAndGet(forever.length);
      }
    } catch (IOException e) {
      // the client closed the connection: what the test waits for
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(s);
    }
  }

  /** Reads up to the blank line ending the request head (the small request bodies of our clients may follow). */
  private static void readHead(InputStream in) throws IOException {
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    for (int b = in.read(); b >= 0; b = in.read()) {
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      if (matched == 4) {
        return;
      }
    }
  }

  /** The port it listens on. */
  public int port() {
    return listener.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public String url() {
    return "http://127.0.0.1:" + port();
  }

  /** Connections accepted so far. */
  public int accepted() {
    return accepted.get();
  }

  /** Bytes of the endless part written so far (the kernel's socket buffers hold some the client never read). */
  public long bytesSent() {
    return sent.get();
  }

  /** Connections still open: the client has not closed them yet (a leaked or stuck call keeps one). */
  public int openConnections() {
    return open.size();
  }

  /**
   * Waits up to {@code within} for every connection to be closed by the client and returns how many are still open
   * (0 = none leaked). The peer sees a close only when its next byte fails to go out, so this polls, every 20 ms.
   */
  public int awaitConnectionsClosed(Duration within) {
    long deadline = System.nanoTime() + within.toNanos();
    while (!open.isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return open.size();
  }

  /** Stops listening and dripping. */
  @Override
  public void close() {
    Loopback.closeQuietly(listener);
    open.forEach(Loopback::closeQuietly);
  }
}
