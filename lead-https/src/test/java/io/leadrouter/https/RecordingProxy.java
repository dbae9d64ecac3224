package io.leadrouter.https;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Dns;
import okhttp3.OkHttpClient;

/**
 * A fake HTTP or SOCKS5 proxy on 127.0.0.1 recording what clients ask of it ({@link #requests}: the {@code CONNECT}
 * head, or {@code SOCKS5 CONNECT <address>:<port>} / {@code SOCKS5 CONNECT name <name>:<port>}). Most tunnel nowhere;
 * the tunnelling ones ({@link #httpTunnellingTo}, {@link #socksTunnellingTo}) connect every tunnel to one receiver on
 * 127.0.0.1, whatever they were asked for, as a proxy whose own resolver answers the name with that receiver. Each
 * connection is served on its own thread, so a pooled tunnel does not hold the next client up.
 */
final class RecordingProxy implements AutoCloseable {
  final BlockingQueue<String> requests = new LinkedBlockingQueue<>();
  final BlockingQueue<String> tunnelled = new LinkedBlockingQueue<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final ServerSocket listener;
  private final Proxy.Type type;

  private RecordingProxy(Proxy.Type type, Handler handler) throws IOException {
    this.type = type;
    listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!listener.isClosed()) {
        try {
          Socket s = listener.accept();
          connections.incrementAndGet();
          daemon("recording-proxy-connection", () -> {
            try (s) {
              s.setSoTimeout(5_000);
              handler.handle(this, s.getInputStream(), s.getOutputStream());
            } catch (IOException e) {
              // a client gone: nothing more to record
            }
          });
        } catch (IOException e) {
          // closed, or a failed accept: the loop ends when closed
        }
      }
    }, "recording-proxy");
    t.setDaemon(true);
    t.start();
  }

  interface Handler {
    void handle(RecordingProxy p, InputStream in, OutputStream out) throws IOException;
  }

  /** An HTTP proxy answering every {@code CONNECT} with 200, keeping the first bytes sent into the tunnel. */
  static RecordingProxy http() throws IOException {
    return new RecordingProxy(Proxy.Type.HTTP, (p, in, out) -> {
      p.requests.add(head(in));
      out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      p.tunnelled.add(firstBytes(in));
    });
  }

  /** An HTTP proxy that asks for credentials once, then refuses the {@code CONNECT} with 403. */
  static RecordingProxy httpAskingForCredentials() throws IOException {
    return new RecordingProxy(Proxy.Type.HTTP, (p, in, out) -> {
      String head = head(in);
      if (!head.contains("Proxy-Authorization:")) {
        out.write(("HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
            + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        head = head(in);
      }
      p.requests.add(head);
      out.write("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    });
  }

  /** An HTTP proxy tunnelling every {@code CONNECT} to the receiver on 127.0.0.1:{@code port}. */
  static RecordingProxy httpTunnellingTo(int port) throws IOException {
    return new RecordingProxy(Proxy.Type.HTTP, (p, in, out) -> {
      p.requests.add(head(in));
      try (Socket receiver = new Socket(InetAddress.getLoopbackAddress(), port)) {
        out.write("HTTP/1.1 200 Connection established\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        relay(in, out, receiver);
      }
    });
  }

  /** A SOCKS5 proxy refusing every request (reply 5, connection refused). */
  static RecordingProxy socks() throws IOException {
    return new RecordingProxy(Proxy.Type.SOCKS, (p, in, out) -> {
      socksRequest(p, in, out);
      out.write(new byte[] {5, 5, 0, 1, 0, 0, 0, 0, 0, 0}); // connection refused
      out.flush();
    });
  }

  /** A SOCKS5 proxy connecting every request to the receiver on 127.0.0.1:{@code port}. */
  static RecordingProxy socksTunnellingTo(int port) throws IOException {
    return new RecordingProxy(Proxy.Type.SOCKS, (p, in, out) -> {
      socksRequest(p, in, out);
      try (Socket receiver = new Socket(InetAddress.getLoopbackAddress(), port)) {
        out.write(new byte[] {5, 0, 0, 1, 127, 0, 0, 1, 0, 0}); // succeeded
        out.flush();
        relay(in, out, receiver);
      }
    });
  }

  /** Reads a SOCKS5 greeting (answering "no authentication") and request, and records the request. */
  private static void socksRequest(RecordingProxy p, InputStream in, OutputStream out) throws IOException {
    byte[] greeting = in.readNBytes(2);
    in.readNBytes(greeting[1]);
    out.write(new byte[] {5, 0});
    out.flush();
    byte[] request = in.readNBytes(4);
    String target = switch (request[3]) {
      case 1 -> InetAddress.getByAddress(in.readNBytes(4)).getHostAddress();
      case 4 -> InetAddress.getByAddress(in.readNBytes(16)).getHostAddress();
      case 3 -> "name " + new String(in.readNBytes(in.read()), StandardCharsets.US_ASCII);
      default -> "type " + request[3];
    };
    byte[] port = in.readNBytes(2);
    p.requests.add("SOCKS5 CONNECT " + target + ":" + (((port[0] & 0xff) << 8) | (port[1] & 0xff)));
  }

  /** Copies both ways between the client and the receiver until the client stops sending (or 5 s idle). */
  private static void relay(InputStream in, OutputStream out, Socket receiver) throws IOException {
    InputStream back = receiver.getInputStream();
    daemon("recording-proxy-relay", () -> {
      try {
        back.transferTo(out);
      } catch (IOException e) {
        // either side closed
      }
    });
    try {
      in.transferTo(receiver.getOutputStream());
    } catch (SocketTimeoutException e) {
      // an idle pooled connection: the tunnel ends
    }
  }

  private static void daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
  }

  /** A client through this proxy, resolving names with {@code dns}. */
  OkHttpClient.Builder client(Dns dns) {
    return new OkHttpClient.Builder().dns(dns)
        .proxy(new Proxy(type, new InetSocketAddress(listener.getInetAddress(), listener.getLocalPort())));
  }

  /** The connections accepted so far, read after {@code settleMillis} (for asserting that none arrived). */
  int connections(long settleMillis) throws InterruptedException {
    TimeUnit.MILLISECONDS.sleep(settleMillis);
    return connections.get();
  }

  private static String head(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    while (b.size() < 65_536) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      b.write(c);
      String s = b.toString(StandardCharsets.ISO_8859_1);
      if (s.endsWith("\r\n\r\n")) {
        break;
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static String firstBytes(InputStream in) throws IOException {
    byte[] buffer = new byte[8192];
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try {
      while (b.size() < 200) {
        int n = in.read(buffer);
        if (n < 0) {
          break;
        }
        b.write(buffer, 0, n);
      }
    } catch (SocketTimeoutException e) {
      // what came is what the client sent
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    listener.close();
  }
}
