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
 * A loopback TCP proxy in front of the test server: accepts on 127.0.0.1, connects each client to the server and pumps
 * the bytes both ways, each chunk through a {@link Relay} the subclass gives per connection (to lag, cut or freeze it).
 * A subclass calls {@link #start()} last in its constructor, once its own fields are set.
 */
abstract class LoopbackProxy implements AutoCloseable {
  /** Passes every chunk on at once. */
  static final Relay FORWARD = LoopbackProxy::forward;

  private final ServerSocket listener;
  private final int target;
  private final String name;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  /**
   * @param targetPort the server's port on 127.0.0.1
   * @param name the name of the proxy's threads
   */
  LoopbackProxy(int targetPort, String name) throws IOException {
    this.target = targetPort;
    this.name = name;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
  }

  /** Starts accepting connections. */
  final void start() {
    Thread acceptor = new Thread(this::accept, name);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The proxy's port on 127.0.0.1. */
  final int port() {
    return listener.getLocalPort();
  }

  /** Whether {@code client} is connected to the server; a proxy that holds it instead returns false. */
  boolean admit(Socket client) {
    return true;
  }

  /** Starts the pumps between a newly connected {@code client} and {@code server}. */
  abstract void connected(Socket client, Socket server);

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (!admit(client)) {
          continue;
        }
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(server);
        connected(client, server);
      } catch (IOException e) {
        return;
      }
    }
  }

  /** Pumps what {@code from} sends to {@code to}, each chunk through {@code relay}, on a thread of its own. */
  final void pump(Socket from, Socket to, Relay relay) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[65536];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (!relay.relay(buf, n, out)) {
            return; // the relay has done with both sockets what it meant to
          }
        }
      } catch (IOException e) {
        // one side closed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (relay.passesClose()) {
        try {
          to.close(); // pass the close on
        } catch (IOException e) {
          // closed already
        }
      }
    }, name + "-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Writes the first {@code n} bytes of {@code buf} to {@code out} at once; true, the pump goes on. */
  static boolean forward(byte[] buf, int n, OutputStream out) throws IOException {
    out.write(buf, 0, n);
    out.flush();
    return true;
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }

  /** What a pump does with each chunk it reads from one side. */
  interface Relay {
    /**
     * Passes on (or holds back) the first {@code n} bytes of {@code buf} to {@code out}; false ends the pump at once,
     * leaving both sockets as they are.
     */
    boolean relay(byte[] buf, int n, OutputStream out) throws IOException, InterruptedException;

    /** Whether a close of the side read from is passed on to the other side. */
    default boolean passesClose() {
      return true;
    }
  }
}
