package io.leadrouter.journal.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP proxy in front of the test server that, once {@link #arm() armed}, lets the next {@code COMMIT} a
 * client sends reach the server, drops the server's answer and then closes the connection: the transaction is
 * committed, and the client never learns it (a connection lost mid-commit, a server restarted right after it).
 */
final class CommitCuttingProxy implements AutoCloseable {
  private static final byte[] COMMIT = "COMMIT".getBytes(StandardCharsets.US_ASCII);

  private final ServerSocket listener;
  private final int target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final AtomicBoolean armed = new AtomicBoolean();
  private final AtomicInteger cuts = new AtomicInteger();

  CommitCuttingProxy(int targetPort) throws IOException {
    this.target = targetPort;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "commit-cutting-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The proxy's port on 127.0.0.1. */
  int port() {
    return listener.getLocalPort();
  }

  /** Cuts the connection that sends the next COMMIT, after the server got it. */
  void arm() {
    armed.set(true);
  }

  /** How many commits were cut. */
  int cuts() {
    return cuts.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(server);
        AtomicBoolean mute = new AtomicBoolean();
        pump(client, server, mute, true);
        pump(server, client, mute, false);
      } catch (IOException e) {
        return;
      }
    }
  }

  private void pump(Socket from, Socket to, AtomicBoolean mute, boolean toServer) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[65536];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (mute.get()) {
            continue; // the server's answer to the cut commit, and anything after it, is dropped
          }
          boolean cut = toServer && contains(buf, n) && armed.compareAndSet(true, false);
          if (cut) {
            mute.set(true);
          }
          out.write(buf, 0, n);
          out.flush();
          if (cut) {
            TimeUnit.MILLISECONDS.sleep(500); // the server commits meanwhile
            cuts.incrementAndGet();
            from.close();
            to.close();
            return;
          }
        }
      } catch (IOException e) {
        // one side closed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      try {
        to.close();
      } catch (IOException e) {
        // closed already
      }
    }, "commit-cutting-proxy-pump");
    t.setDaemon(true);
    t.start();
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

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
