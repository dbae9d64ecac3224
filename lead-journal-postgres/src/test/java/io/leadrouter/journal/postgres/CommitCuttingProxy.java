package io.leadrouter.journal.postgres;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of the test server that, once {@link #arm() armed}, lets the next {@code COMMIT} a
 * client sends reach the server, drops the server's answer and then closes the connection: the transaction is
 * committed, and the client never learns it (a connection lost mid-commit, a server restarted right after it).
 */
final class CommitCuttingProxy extends LoopbackProxy {
  private static final byte[] COMMIT = "COMMIT".getBytes(StandardCharsets.US_ASCII);

  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicInteger cuts = new AtomicInteger();

  CommitCuttingProxy(int targetPort) throws IOException {
    super(targetPort, "commit-cutting-proxy");
    start();
  }

  /** Cuts the connection that sends the next COMMIT, after the server got it. */
  void arm() {
    armed.set(true);
  }

  /** How many commits were cut. */
  int cuts() {
    return cuts.get();
  }

  @Override
  void connected(Socket client, Socket server) {
    AtomicBoolean mute = new AtomicBoolean();
    pump(client, server, (buf, n, out) -> {
      if (mute.get()) {
        return true; // anything after the cut commit is dropped
      }
      boolean cut = contains(buf, n) && armed.compareAndSet(true, false);
      if (cut) {
        mute.set(true);
      }
      out.write(buf, 0, n);
      out.flush();
      if (cut) {
        TimeUnit.MILLISECONDS.sleep(500); // the server commits meanwhile
        cuts.incrementAndGet();
        client.close();
        server.close();
        return false;
      }
      return true;
    });
    pump(server, client, (buf, n, out) -> mute.get() || forward(buf, n, out)); // the cut commit's answer dropped
  }

  private static boolean contains(byte[] buf, int n) {
    outer:
    for (int i = 0; i + COMMIT.length <= n; i++) {
      for (int k = 0; k < COMMIT.length; k++) {
        if (buf[i + k] != COMMIT[k]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
