package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three routers on one journal deliver to one loopback HTTP receiver while the server ends their connections at
 * random ({@code pg_terminate_backend} of the writer, the {@code LISTEN} or the rate limits' connection, ten times a
 * second): mid-accept, mid-claim, mid-settle, mid-renewal. Every {@code route()} either returns a receipt or says the
 * lead was not accepted (routed again, it is accepted once), and the receiver gets every lead exactly once.
 */
@Tag("slow")
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class KilledConnectionsTest {
  private static final int PER_ROUTER = 60;
  /** Kills (one every 100 ms) before the test stops killing: about 3 s of them at the least. */
  private static final int MIN_KILLS = 30;
  private static final DeliveryPolicy POLICY = DeliveryPolicy.DEFAULTS
      .withBackoff(Duration.ofMillis(10), Duration.ofMillis(200)).withRateLimit(1000, Duration.ofSeconds(1));

  // a 3 s lease: the slow calls (1.2 s) renew theirs while connections are being killed
  @RegisterExtension
  final SchemaRouters routers = new SchemaRouters(Duration.ofSeconds(3), Duration.ofSeconds(10));
  private final String schema = routers.schema();

  @Test
  void threeRouters_connectionsKilledAtRandom_everyLeadReceivedOnce_everyRefusalSaysNotAccepted() throws Exception {
    try (Receiver receiver = new Receiver()) {
      HttpSink sink = new HttpSink(receiver.uri());
      List<LeadRouter> all = List.of(routers.start(schema + "-a", sink, POLICY),
          routers.start(schema + "-b", sink, POLICY), routers.start(schema + "-c", sink, POLICY));
      AtomicBoolean killing = new AtomicBoolean(true);
      AtomicInteger kills = new AtomicInteger();
      Thread killer = new Thread(() -> {
        while (killing.get()) {
          PostgresServer.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name"
              + " LIKE '" + schema + "-%' ORDER BY random() LIMIT 1");
          kills.incrementAndGet();
          try {
            TimeUnit.MILLISECONDS.sleep(100); // the pace of the kills
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "killer");
      killer.start();
      List<String> refusals = new CopyOnWriteArrayList<>();
      int leads = all.size() * PER_ROUTER;
      ExecutorService routing = Executors.newFixedThreadPool(all.size());
      try {
        List<Future<?>> done = new ArrayList<>();
        for (int r = 0; r < all.size(); r++) {
          LeadRouter router = all.get(r);
          int first = r * PER_ROUTER;
          done.add(routing.submit(() -> {
            for (int i = first; i < first + PER_ROUTER; i++) {
              routeUntilAccepted(router, lead(i), refusals);
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get(180, TimeUnit.SECONDS);
        }
        // the kills go on while the leads are delivered and settled (on a quiet machine the routing alone is over
        // before a handful of kills), and until enough of them have happened to mean something
        awaitUntil(() -> receiver.calls.size() == leads && kills.get() >= MIN_KILLS, Duration.ofSeconds(120));
      } finally {
        killing.set(false);
        killer.join();
        routing.shutdownNow();
      }
      awaitUntil(() -> delivered(all.get(0)) == leads, Duration.ofSeconds(60));
      Map<String, Integer> twice = new java.util.TreeMap<>();
      receiver.calls.forEach((id, n) -> {
        if (n.get() != 1) {
          twice.put(id, n.get());
        }
      });
      assertThat(twice).as("leads received more than once (of " + leads + ", " + kills + " connections killed)")
          .isEmpty();
      assertThat(refusals).as("route() failures").allSatisfy(m -> assertThat(m).matches(
          "lead lead-\\d+ was not accepted: .*route it again.*"));
      assertThat(kills.get()).as("connections killed").isGreaterThanOrEqualTo(MIN_KILLS);
    }
  }

  /** Routes {@code lead} until a receipt comes back; each refusal's message is kept. */
  private static void routeUntilAccepted(LeadRouter router, Lead lead, List<String> refusals) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      try {
        router.route(lead);
        return;
      } catch (LeadRouterException e) {
        refusals.add(e.getMessage());
        if (System.nanoTime() > end) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(20); // the pace of an application's retry
      }
    }
  }

  private static long delivered(LeadRouter router) {
    try {
      return router.counts().getOrDefault("crm", Map.of()).getOrDefault(DeliveryState.DELIVERED, 0L);
    } catch (RuntimeException e) {
      return -1; // its connection was just killed
    }
  }

  /**
   * A loopback HTTP receiver (a plain socket server: one request per connection) counting each lead's calls by the
   * Lead-Id header; every seventh lead is answered slowly.
   */
  private static final class Receiver implements AutoCloseable {
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final ExecutorService threads = Executors.newCachedThreadPool();

    Receiver() throws IOException {
      threads.execute(() -> {
        while (!server.isClosed()) {
          try {
            Socket s = server.accept();
            threads.execute(() -> answer(s));
          } catch (IOException e) {
            return;
          }
        }
      });
    }

    private void answer(Socket socket) {
      try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.ISO_8859_1))) {
        String id = null;
        int length = 0;
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
          String lower = line.toLowerCase(java.util.Locale.ROOT);
          if (lower.startsWith("lead-id:")) {
            id = line.substring(line.indexOf(':') + 1).trim();
          } else if (lower.startsWith("content-length:")) {
            length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
          }
        }
        in.skip(length);
        calls.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        if (Integer.parseInt(id.substring("lead-".length())) % 7 == 0) {
          TimeUnit.MILLISECONDS.sleep(1200); // a slow destination: the call outlasts a quarter of the lease
        }
        OutputStream out = socket.getOutputStream();
        out.write("HTTP/1.1 201 Created\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
      } catch (IOException | RuntimeException e) {
        // the client went away
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/leads");
    }

    @Override
    public void close() throws IOException {
      server.close();
      threads.shutdownNow();
    }
  }

  /** Posts each lead to the receiver. */
  private static final class HttpSink extends TestDestination {
    private final URI uri;

    HttpSink(URI uri) {
      this.uri = uri;
    }

    @Override
    public DeliveryResult deliver(Lead lead) throws TransientDeliveryException {
      try {
        HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
        c.setConnectTimeout(5000);
        c.setReadTimeout(10000);
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setRequestProperty("Lead-Id", lead.id().value());
        try (OutputStream out = c.getOutputStream()) {
          out.write(lead.id().value().getBytes(StandardCharsets.UTF_8));
        }
        int status = c.getResponseCode();
        c.disconnect();
        if (status != 201) {
          throw new TransientDeliveryException("receiver answered " + status);
        }
        return DeliveryResult.created(lead.id().value());
      } catch (IOException e) {
        throw new TransientDeliveryException("receiver unreachable: " + e);
      }
    }
  }
}
