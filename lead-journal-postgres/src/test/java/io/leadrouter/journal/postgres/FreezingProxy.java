package io.leadrouter.journal.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of the test server whose existing connections can be frozen: from {@link #freeze()}
 * on, nothing more is forwarded on them and nothing is closed, as when a server host vanishes behind a fail-over or
 * a firewall starts dropping packets (no RST, no FIN: the client's reads just never return). Connections made after
 * the freeze are forwarded normally (the fail-over's new primary).
 */
final class FreezingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private volatile boolean stalled;

  FreezingProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "freezing-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The proxy's port on 127.0.0.1. */
  int port() {
    return listener.getLocalPort();
  }

  /** Stops forwarding on every connection open now, without closing any. */
  void freeze() {
    links.forEach(l -> l.frozen = true);
  }

  /**
   * Stalls everything: freezes the connections open now and accepts new ones without forwarding anything on them (a
   * hung server, a load balancer whose backend is gone): a client's login on them waits for an answer that never comes.
   */
  void stall() {
    stalled = true;
    freeze();
  }

  /** Ends {@link #stall()}: the connections held since are closed, new ones are forwarded again. */
  void resume() throws IOException {
    stalled = false;
    for (Socket s : held) {
      s.close();
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (stalled) {
          held.add(client);
          continue;
        }
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(server);
        Link link = new Link();
        links.add(link);
        pump(client, server, link);
        pump(server, client, link);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to, Link link) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (link.frozen) {
            return; // swallow it and everything after; both sockets stay open (closing a stream closes its socket)
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // one side closed
      }
      if (!link.frozen) {
        try {
          to.close(); // pass the close on
        } catch (IOException e) {
          // closed already
        }
      }
    }, "freezing-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    resume();
    for (Socket s : sockets) {
      s.close();
    }
  }

  private static final class Link {
    volatile boolean frozen;
  }
}
