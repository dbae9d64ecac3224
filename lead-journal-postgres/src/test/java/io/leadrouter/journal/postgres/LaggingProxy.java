package io.leadrouter.journal.postgres;

import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A loopback TCP proxy in front of the test server that holds each chunk a client sends for a fixed lag before passing
 * it on: the server sees the client's session idle between the statements of a transaction for at least that long, as
 * over a distant network or from a host too loaded to send its next statement at once.
 */
final class LaggingProxy extends LoopbackProxy {
  private final long lagNanos;

  LaggingProxy(int targetPort, Duration lag) throws IOException {
    super(targetPort, "lagging-proxy");
    this.lagNanos = lag.toNanos();
    start();
  }

  @Override
  void connected(Socket client, Socket server) {
    pump(client, server, (buf, n, out) -> {
      TimeUnit.NANOSECONDS.sleep(lagNanos); // the network's lag, not an assertion
      return forward(buf, n, out);
    });
    pump(server, client, FORWARD);
  }
}
