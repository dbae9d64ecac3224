package io.leadrouter.journal.postgres;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy in front of the test server that holds each chunk a client sends for a fixed lag before passing
 * it on: the server sees the client's session idle between the statements of a transaction for at least that long, as
 * over a distant network or from a host too loaded to send its next statement at once.
 */
final class LaggingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final long lagNanos;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  LaggingProxy(int targetPort, Duration lag) throws IOException {
    this.target = targetPort;
    this.lagNanos = lag.toNanos();
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "lagging-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** The proxy's port on 127.0.0.1. */
  int port() {
    return listener.getLocalPort();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(server);
        pump(client, server, lagNanos);
        pump(server, client, 0);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to, long lag) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[65536];
      try {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        for (int n; (n = in.read(buf)) >= 0; ) {
          if (lag > 0) {
            TimeUnit.NANOSECONDS.sleep(lag); // the network's lag, not an assertion
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException | InterruptedException e) {
        // one side closed
      }
      try {
        to.close(); // pass the close on
      } catch (IOException e) {
        // closed already
      }
    }, "lagging-proxy-pump");
    t.setDaemon(true);
    t.start();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
