package io.leadrouter.journal.postgres;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP proxy in front of the test server whose existing connections can be frozen: from {@link #freeze()}
 * on, nothing more is forwarded on them and nothing is closed, as when a server host vanishes behind a fail-over or
 * a firewall starts dropping packets (no RST, no FIN: the client's reads just never return). Connections made after
 * the freeze are forwarded normally (the fail-over's new primary).
 */
final class FreezingProxy extends LoopbackProxy {
  private final List<Link> links = new CopyOnWriteArrayList<>();
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private volatile boolean stalled;

  FreezingProxy(int targetPort) throws IOException {
    super(targetPort, "freezing-proxy");
    start();
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

  @Override
  boolean admit(Socket client) {
    if (stalled) {
      held.add(client);
      return false;
    }
    return true;
  }

  @Override
  void connected(Socket client, Socket server) {
    Link link = new Link();
    links.add(link);
    pump(client, server, link);
    pump(server, client, link);
  }

  @Override
  public void close() throws IOException {
    super.close();
    resume();
  }

  /** One connection, both ways: once frozen, what either side sends is swallowed and neither close passed on. */
  private static final class Link implements Relay {
    volatile boolean frozen;

    @Override
    public boolean relay(byte[] buf, int n, OutputStream out) throws IOException {
      // frozen: swallow it and everything after; both sockets stay open (closing a stream closes its socket)
      return !frozen && forward(buf, n, out);
    }

    @Override
    public boolean passesClose() {
      return !frozen;
    }
  }
}
