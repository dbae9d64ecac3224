package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.https.HttpsSink;
import io.leadrouter.https.WebhookSigner;
import io.leadrouter.spi.Secret;
import java.net.URI;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The wire-speed table of issue #23, measured in one JVM: at each concurrency C, leads/s of a raw OkHttp POST loop
 * (C threads, pool of C, no durability), the bare JDBC 1-writer floor (C callers, one writer thread group-committing
 * whatever waits: lead row + delivery row, WAL, {@code synchronous=FULL}), the router's durable {@code route()} from
 * C callers (delivery running meanwhile), and end to end (route + deliver through lead-https's {@link HttpsSink} with
 * C deliveries in flight, until the loopback receiver has every lead); plus the TCP connections the receiver saw and
 * the hand-off latency of single leads on an idle router (paced, one in flight: {@code route()} returning to the
 * request arriving). Medians over rounds. Run: {@code java -cp benchmarks.jar io.leadrouter.bench.WireSpeed [leads]
 * [rounds] [concurrencies, e.g. 1,8,64]}.
 */
public final class WireSpeed {
  private static final Secret SECRET = Secret.of("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");

  private WireSpeed() {}

  /** Runs every row at every concurrency and prints the table. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("latency")) { // only the hand-off latency pass: WireSpeed latency [leads]
      try (LoopbackReceiver receiver = LoopbackReceiver.healthy(8)) {
        printLatency(handOffLatency(receiver, args.length > 1 ? Integer.parseInt(args[1]) : 500));
      }
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    int[] cs = Arrays.stream((args.length > 2 ? args[2] : "1,8,64").split(",")).mapToInt(Integer::parseInt)
        .toArray();
    List<String> table = new ArrayList<>();
    table.add("| C | raw OkHttp | 1-writer floor | route() | e2e | route()/floor | e2e/okhttp | e2e/floor | conns |");
    table.add("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    try (LoopbackReceiver receiver = LoopbackReceiver.healthy(Math.max(8, Arrays.stream(cs).max().orElse(8)))) {
      raw(receiver, n / 4, 8); // warm-up
      endToEnd(receiver, n / 4, 8);
      for (int c : cs) {
        double[] raw = new double[rounds];
        double[] floor = new double[rounds];
        double[] route = new double[rounds];
        double[] e2e = new double[rounds];
        int conns = 0;
        for (int r = 0; r < rounds; r++) {
          raw[r] = raw(receiver, n, c);
          floor[r] = floor(n, c);
          double[] routed = endToEnd(receiver, n, c);
          route[r] = routed[0];
          e2e[r] = routed[1];
          conns = Math.max(conns, (int) routed[2]);
        }
        double mRaw = median(raw);
        double mFloor = median(floor);
        double mRoute = median(route);
        double mE2e = median(e2e);
        table.add(String.format(Locale.ROOT, "| %d | %,.0f | %,.0f | %,.0f | %,.0f | %.2f | %.2f | %.2f | %d |", c,
            mRaw, mFloor, mRoute, mE2e, mRoute / mFloor, mE2e / mRaw, mE2e / mFloor, conns));
        System.out.println(table.get(table.size() - 1));
      }
      long[] latency = handOffLatency(receiver, 500);
      table.forEach(System.out::println);
      printLatency(latency);
    }
  }

  private static void printLatency(long[] latency) {
    System.out.printf(Locale.ROOT, "hand-off latency, idle router, one lead in flight (%d leads): p50 %.2f ms,"
        + " p99 %.2f ms, max %.2f ms%n", latency.length, latency[latency.length / 2] / 1e6,
        latency[(int) (latency.length * 0.99)] / 1e6, latency[latency.length - 1] / 1e6);
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s[s.length / 2];
  }

  /** C threads POSTing with one OkHttp client whose pool holds C connections. */
  private static double raw(LoopbackReceiver receiver, int n, int c) throws Exception {
    return n / (Harness.rawPosts(receiver, n, c) / 1e9);
  }

  /** The best a durable route() from C threads can do: one writer committing whatever the callers handed it. */
  private static double floor(int n, int c) throws Exception {
    Path dir = Files2.tempDir("floor");
    BlockingQueue<Object[]> queue = new ArrayBlockingQueue<>(4096);
    BareRows opened = BareRows.open(dir.resolve("leadrouter.db"), "FULL"); // before the clock starts
    Thread writer = new Thread(() -> {
      try (BareRows rows = opened) {
        List<Object[]> batch = new ArrayList<>();
        while (true) {
          Object[] first = queue.take();
          if (first.length == 0) {
            return;
          }
          batch.add(first);
          queue.drainTo(batch, 1023);
          long t = System.currentTimeMillis();
          for (Object[] item : batch) {
            rows.insert((Lead) item[0], t);
          }
          rows.commit();
          batch.forEach(item -> ((CompletableFuture<?>) item[1]).complete(null));
          batch.clear();
        }
      } catch (SQLException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }, "floor-writer");
    writer.start();
    try {
      long took = Harness.inParallel(n, c, () -> {
        CompletableFuture<Void> done = new CompletableFuture<>();
        queue.put(new Object[] {Leads.next(), done});
        done.get();
      });
      return n / (took / 1e9);
    } finally {
      queue.put(new Object[0]);
      writer.join();
      Files2.deleteTree(dir);
    }
  }

  private static HttpsSink sink(URI url, int c) {
    return HttpsSink.builder(url).signingSecret(SECRET).allowHost(url.getHost()).allowHttpHost(url.getHost())
        .maxConcurrency(c).build();
  }

  /** route() from C callers and delivery through the https sink with C in flight: {route/s, e2e/s, connections}. */
  private static double[] endToEnd(LoopbackReceiver receiver, int n, int c) throws Exception {
    Path dir = Files2.tempDir("wire-speed");
    receiver.resetConnections();
    int before = receiver.distinctLeads();
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("leadrouter.db"))
        .addSink("hook", sink(receiver.uri(), c), DeliveryPolicy.builder().inFlight(c).build())
        .defaultRoute("hook").build()) {
      long start = System.nanoTime();
      long routed = Harness.route(router, n, c, Leads::next);
      Harness.await("delivery", 600, () -> receiver.distinctLeads() - before >= n);
      long took = System.nanoTime() - start;
      return new double[] {n / (routed / 1e9), n / (took / 1e9), receiver.connections()};
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /** Single leads on an idle router, one at a time: nanoseconds from route() returning to the request arriving. */
  private static long[] handOffLatency(LoopbackReceiver receiver, int leads) throws Exception {
    Path dir = Files2.tempDir("latency");
    long[] out = new long[leads];
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("leadrouter.db"))
        .addSink("hook", sink(receiver.uri(), 8), DeliveryPolicy.builder().inFlight(8).build())
        .defaultRoute("hook").build()) {
      for (int i = -50; i < leads; i++) { // 50 warm-up leads
        Lead lead = Leads.next();
        router.route(lead);
        long returned = System.nanoTime();
        String messageId = WebhookSigner.messageId(lead.id()); // what the receiver keys on (webhook-id)
        Harness.await("lead " + lead.id(), 30, () -> receiver.firstSeen(messageId).isPresent());
        if (i >= 0) {
          out[i] = Math.max(0, receiver.firstSeen(messageId).orElseThrow() - returned);
        }
        TimeUnit.MILLISECONDS.sleep(5); // idle between leads
      }
    } finally {
      Files2.deleteTree(dir);
    }
    Arrays.sort(out);
    return out;
  }
}
