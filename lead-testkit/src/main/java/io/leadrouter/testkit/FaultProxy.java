package io.leadrouter.testkit;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A reverse proxy on 127.0.0.1, in front of a real fake (WireMock, Azurite, a loopback receiver), that forwards each
 * HTTP/1.1 request to it and then, for the requests a test picks, loses the answer the way networks do
 * <em>after the destination applied the write</em>: the connection dropped before the response, the headers then a
 * cut mid-body, the response held past the caller's timeout, or a gateway's 502/504. Sinks that claim "none delivered
 * twice" are pointed at it and the records at the fake are counted once the retries settle.
 *
 * <p>Client connections are kept alive (a request faulted on a pooled connection is what makes an HTTP client resend
 * it on its own); each request goes upstream on a fresh connection with {@code Connection: close}. Bodies with
 * {@code Content-Length} or chunked are supported; HTTP/1.1 only, plain text only.
 *
 * <p>It also counts the client connections it accepted ({@link #connections()}: a sink's connection pool reuses them)
 * and can {@linkplain #holdInGroupsOf hold requests together}, so a test sees calls overlap without timing them.
 */
public final class FaultProxy implements AutoCloseable {
  /** How an answer is lost. Every fault happens after the upstream answered, so its write is applied. */
  public enum Fault {
    /** The connection is closed without a byte of the response. */
    DROP_BEFORE_RESPONSE,
    /** The status line and headers (with the full {@code Content-Length}), then half the body, then closed. */
    CUT_MID_BODY,
    /** The response is held for {@link FaultProxy#delay(Duration)} (past the caller's timeout), then sent. */
    DELAY,
    /** {@code 502 Bad Gateway}, as a gateway answers when its upstream's answer broke. */
    BAD_GATEWAY,
    /** {@code 504 Gateway Timeout}, as a gateway answers when its upstream answered too late. */
    GATEWAY_TIMEOUT
  }

  /** A request the proxy saw: its method, path (with query) and headers as sent. */
  public record Seen(String method, String target, List<String> headerLines, boolean faulted) {
    /** The first value of header {@code name} (any case), or null. */
    public String header(String name) {
      String prefix = name.toLowerCase(Locale.ROOT) + ":";
      return headerLines.stream().filter(h -> h.toLowerCase(Locale.ROOT).startsWith(prefix))
          .map(h -> h.substring(prefix.length()).strip()).findFirst().orElse(null);
    }
  }

  private record Rule(Predicate<Seen> which, Fault fault, AtomicInteger left) {}

  private final ServerSocket listener;
  private final int upstreamPort;
  private final List<Rule> rules = new CopyOnWriteArrayList<>();
  private final List<Seen> seen = new CopyOnWriteArrayList<>();
  private final ConcurrentLinkedQueue<Socket> open = new ConcurrentLinkedQueue<>();
  private volatile Duration delay = Duration.ofSeconds(5);
  private final AtomicInteger connections = new AtomicInteger();
  private volatile Gate gate;

  private FaultProxy(int upstreamPort) {
    this.upstreamPort = upstreamPort;
    this.listener = Loopback.listen();
    Loopback.acceptAll(listener, "fault-proxy", client -> {
      connections.incrementAndGet();
      open.add(client);
      Loopback.startDaemon("fault-proxy-conn-" + client.getPort(), () -> serve(client));
    });
  }

  /** A proxy on a free port of 127.0.0.1 forwarding to {@code 127.0.0.1:upstreamPort}; it passes all until told. */
  public static FaultProxy to(int upstreamPort) {
    return new FaultProxy(upstreamPort);
  }

  /** A proxy forwarding to the port of {@code upstream} (only its port is used: upstreams are on 127.0.0.1). */
  public static FaultProxy to(URI upstream) {
    return new FaultProxy(upstream.getPort());
  }

  /** Loses the answers of the next {@code times} requests matching {@code which} with {@code fault}. */
  public FaultProxy fail(Predicate<Seen> which, Fault fault, int times) {
    rules.add(new Rule(Objects.requireNonNull(which, "which"), Objects.requireNonNull(fault, "fault"),
        new AtomicInteger(times)));
    return this;
  }

  /** Requests with this method whose path starts with {@code pathPrefix}. */
  public static Predicate<Seen> request(String method, String pathPrefix) {
    return s -> s.method().equalsIgnoreCase(method) && s.target().startsWith(pathPrefix);
  }

  /** How long {@link Fault#DELAY} holds an answer (default 5 s). */
  public FaultProxy delay(Duration d) {
    this.delay = Objects.requireNonNull(d, "d");
    return this;
  }

  /** The port it listens on. */
  public int port() {
    return listener.getLocalPort();
  }

  /** {@code http://127.0.0.1:<port>}. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + port());
  }

  /** Every request forwarded so far, in order. */
  public List<Seen> seen() {
    return List.copyOf(seen);
  }

  /** The requests forwarded whose answer was lost. */
  public long faulted() {
    return seen.stream().filter(Seen::faulted).count();
  }

  /** The client connections accepted so far (a pooled connection carrying many requests counts once). */
  public int connections() {
    return connections.get();
  }

  /**
   * From now on the requests matching {@code which} are held in groups of {@code n} before they go upstream: each
   * waits until {@code n} have arrived, then all go on together; a group that has not filled within {@code within}
   * goes on as it is (counted by {@link #shortGroups()}). A group fills only when the client has {@code n} calls in
   * flight at once, each on its own connection: {@link #fullGroups()} shows it did, however the threads were timed.
   */
  public FaultProxy holdInGroupsOf(int n, Predicate<Seen> which, Duration within) {
    if (n < 1 || within.isNegative() || within.isZero()) {
      throw new IllegalArgumentException("n must be >= 1 and within positive: " + n + ", " + within);
    }
    gate = new Gate(n, Objects.requireNonNull(which, "which"), within);
    return this;
  }

  /** Groups of {@link #holdInGroupsOf} that filled: {@code n} requests were in flight together. */
  public int fullGroups() {
    Gate g = gate;
    return g == null ? 0 : g.filled();
  }

  /** Groups of {@link #holdInGroupsOf} that went on unfilled after its {@code within}. */
  public int shortGroups() {
    Gate g = gate;
    return g == null ? 0 : g.unfilled();
  }

  /** Holds matching requests until {@code n} of them are waiting together (see {@link #holdInGroupsOf}). */
  private static final class Gate {
    private final int n;
    private final Predicate<Seen> which;
    private final Duration within;
    /** The group filling now: how many wait in it; replaced when it goes on. */
    private int[] waiting = new int[1];
    private int full;
    private int shortGroups;

    Gate(int n, Predicate<Seen> which, Duration within) {
      this.n = n;
      this.which = which;
      this.within = within;
    }

    synchronized void pass(Seen request) throws InterruptedException {
      if (!which.test(request)) {
        return;
      }
      int[] group = waiting;
      if (++group[0] == n) {
        full++;
        waiting = new int[1];
        notifyAll();
        return;
      }
      long deadline = System.nanoTime() + within.toNanos();
      while (waiting == group) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          shortGroups++;
          waiting = new int[1]; // this group goes on unfilled; later requests start a new one
          notifyAll();
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    synchronized int filled() {
      return full;
    }

    synchronized int unfilled() {
      return shortGroups;
    }
  }

  private void serve(Socket client) {
    try (client) {
      client.setSoTimeout(60_000);
      InputStream in = client.getInputStream();
      OutputStream out = client.getOutputStream();
      while (true) {
        List<String> head = readHead(in);
        if (head == null) {
          return;
        }
        String[] line = head.get(0).split(" ", 3);
        List<String> headers = head.subList(1, head.size());
        byte[] body = readBody(in, headers, false, line[0]);
        Fault fault = null;
        Seen probe = new Seen(line[0], line[1], List.copyOf(headers), false);
        for (Rule r : rules) {
          if (r.which().test(probe) && r.left().getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            fault = r.fault();
            break;
          }
        }
        seen.add(new Seen(line[0], line[1], List.copyOf(headers), fault != null));
        Gate g = gate;
        if (g != null) {
          g.pass(probe);
        }
        Answer answer = forward(line[0], line[1], headers, body);
        if (fault == null) {
          out.write(answer.bytes(true));
          out.flush();
          continue;
        }
        switch (fault) {
          case DROP_BEFORE_RESPONSE -> {
            return;
          }
          case CUT_MID_BODY -> {
            byte[] all = answer.bytes(false);
            int headEnd = all.length - answer.body().length;
            int cut = answer.body().length > 1 ? headEnd + answer.body().length / 2 : headEnd / 2;
            out.write(all, 0, cut);
            out.flush();
            return;
          }
          case DELAY -> {
            TimeUnit.MILLISECONDS.sleep(delay.toMillis());
            out.write(answer.bytes(false));
            out.flush();
            return;
          }
          case BAD_GATEWAY, GATEWAY_TIMEOUT -> {
            int status = fault == Fault.BAD_GATEWAY ? 502 : 504;
            String reason = fault == Fault.BAD_GATEWAY ? "Bad Gateway" : "Gateway Timeout";
            byte[] page = ("<html><body><h1>" + status + " " + reason + "</h1></body></html>")
                .getBytes(StandardCharsets.US_ASCII);
            out.write(("HTTP/1.1 " + status + " " + reason + "\r\nContent-Type: text/html\r\nContent-Length: "
                + page.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(page);
            out.flush();
            return;
          }
          default -> throw new IllegalStateException(fault.toString());
        }
      }
    } catch (IOException e) {
      // the client went away (or timed out): nothing to answer
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      open.remove(client);
    }
  }

  /** An upstream answer, re-framed with a Content-Length for the client. */
  private record Answer(String statusLine, List<String> headers, byte[] body) {
    byte[] bytes(boolean keepAlive) {
      StringBuilder sb = new StringBuilder(statusLine).append("\r\n");
      for (String h : headers) {
        String n = h.toLowerCase(Locale.ROOT);
        if (!n.startsWith("content-length:") && !n.startsWith("transfer-encoding:") && !n.startsWith("connection:")) {
          sb.append(h).append("\r\n");
        }
      }
      sb.append("Content-Length: ").append(body.length).append("\r\n");
      sb.append("Connection: ").append(keepAlive ? "keep-alive" : "close").append("\r\n\r\n");
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      b.writeBytes(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
      b.writeBytes(body);
      return b.toByteArray();
    }
  }

  private Answer forward(String method, String target, List<String> headers, byte[] body) throws IOException {
    try (Socket up = new Socket(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), upstreamPort)) {
      up.setSoTimeout(60_000);
      StringBuilder sb = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n");
      for (String h : headers) {
        String n = h.toLowerCase(Locale.ROOT);
        if (!n.startsWith("content-length:") && !n.startsWith("transfer-encoding:") && !n.startsWith("connection:")
            && !n.startsWith("keep-alive:")) {
          sb.append(h).append("\r\n");
        }
      }
      if (body.length > 0 || !method.equals("GET") && !method.equals("HEAD") && !method.equals("DELETE")) {
        sb.append("Content-Length: ").append(body.length).append("\r\n");
      }
      sb.append("Connection: close\r\n\r\n");
      OutputStream o = up.getOutputStream();
      o.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
      o.write(body);
      o.flush();
      InputStream i = up.getInputStream();
      List<String> head = readHead(i);
      if (head == null) {
        throw new EOFException("upstream closed without answering");
      }
      while (head.get(0).split(" ", 3)[1].startsWith("1")) { // 100 Continue and other interim answers
        head = readHead(i);
        if (head == null) {
          throw new EOFException("upstream closed without answering");
        }
      }
      return new Answer(head.get(0), List.copyOf(head.subList(1, head.size())),
          readBody(i, head.subList(1, head.size()), true, method));
    }
  }

  /** The request or status line and the header lines, or null at a clean end of stream. */
  private static List<String> readHead(InputStream in) throws IOException {
    List<String> lines = new ArrayList<>();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int prev = -1;
    while (true) {
      int c = in.read();
      if (c < 0) {
        if (lines.isEmpty() && line.size() == 0) {
          return null;
        }
        throw new EOFException("stream ended inside a message head");
      }
      if (c == '\n' && prev == '\r') {
        byte[] b = line.toByteArray();
        String s = new String(b, 0, b.length - 1, StandardCharsets.ISO_8859_1);
        if (s.isEmpty()) {
          return lines;
        }
        lines.add(s);
        line.reset();
      } else {
        line.write(c);
      }
      prev = c;
    }
  }

  private static byte[] readBody(InputStream in, List<String> headers, boolean response, String method)
      throws IOException {
    String length = null;
    boolean chunked = false;
    for (String h : headers) {
      String n = h.toLowerCase(Locale.ROOT);
      if (n.startsWith("content-length:")) {
        length = h.substring(h.indexOf(':') + 1).strip();
      } else if (n.startsWith("transfer-encoding:") && n.contains("chunked")) {
        chunked = true;
      }
    }
    if (chunked) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      while (true) {
        String size = readLine(in);
        int n = Integer.parseInt(size.split(";", 2)[0].strip(), 16);
        if (n == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          return b.toByteArray();
        }
        b.writeBytes(in.readNBytes(n));
        readLine(in);
      }
    }
    if (length != null) {
      int n = Integer.parseInt(length);
      byte[] b = in.readNBytes(n);
      if (b.length < n) {
        throw new EOFException("body ended after " + b.length + " of " + n + " bytes");
      }
      return b;
    }
    if (response && !method.equals("HEAD")) {
      return in.readAllBytes(); // Connection: close upstream: the body runs to the end of the stream
    }
    return new byte[0];
  }

  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int prev = -1;
    while (true) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("stream ended inside a chunked body");
      }
      if (c == '\n' && prev == '\r') {
        byte[] b = line.toByteArray();
        return new String(b, 0, b.length - 1, StandardCharsets.ISO_8859_1);
      }
      line.write(c);
      prev = c;
    }
  }

  /** Stops listening and closes the connections still open. */
  @Override
  public void close() {
    Loopback.closeQuietly(listener);
    open.forEach(Loopback::closeQuietly);
  }
}
