package io.leadrouter.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** What the testkit's hostile peers ({@link ConnectionTrap}, {@link DrippingServer}) share: a loopback listener. */
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
