package io.leadrouter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * What the testkit's loopback peers ({@link ConnectionTrap}, {@link DrippingServer}, {@link FaultProxy}) share: a
 * loopback listener and its accept loop.
 */
final class Loopback {
  private Loopback() {}

  /** A listener on 127.0.0.1 on a free port (network tests only touch 127.0.0.1). */
  static ServerSocket listen() {
    try {
      ServerSocket s = new ServerSocket();
      s.bind(new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 0));
      return s;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on 127.0.0.1", e);
    }
  }

  /**
   * Accepts connections on {@code listener} until it is closed, on a daemon thread named {@code name-<port>}, and hands
   * each to {@code accepted} on that thread (which starts a thread of its own for a connection it serves).
   */
  static void acceptAll(ServerSocket listener, String name, Consumer<Socket> accepted) {
    startDaemon(name + "-" + listener.getLocalPort(), () -> {
      while (!listener.isClosed()) {
        Socket s;
        try {
          s = listener.accept();
        } catch (IOException e) {
          return; // closed
        }
        accepted.accept(s);
      }
    });
  }

  /** Runs {@code loop} on a daemon thread named {@code name}, so a test that forgets to close a peer still ends. */
  static void startDaemon(String name, Runnable loop) {
    Thread t = new Thread(loop, name);
    t.setDaemon(true);
    t.start();
  }

  /** Closes a listener or a connection; one already closed (or failing to close) is what closing wants anyway. */
  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing: nothing to do
    }
  }
}
