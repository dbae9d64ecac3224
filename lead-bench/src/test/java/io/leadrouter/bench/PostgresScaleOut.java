package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.journal.postgres.PostgresJournal;
import io.leadrouter.journal.postgres.PostgresServer;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The PostgreSQL scale-out figures of lead-bench's README, on the embedded PostgreSQL the tests start (run with
 * {@code -Dleadrouter.pg.fsync=on}: fsync and {@code synchronous_commit} on, as the goals are stated). Not a unit
 * test: it runs only with {@code -Dleadrouter.bench=true}, asserts nothing about speed and prints the figures (also
 * to {@code target/postgres-scale-out.md}).
 *
 * <pre>
 * mvn -B -q verify -pl lead-bench -am -Dtest=PostgresScaleOut -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dleadrouter.bench=true -Dleadrouter.pg.fsync=on [-Dleadrouter.bench.million=1000000]
 * </pre>
 *
 * <ol>
 *   <li>{@code route()} of one instance, 32 callers, to a parked destination: SQLite and PostgreSQL in the same run;</li>
 *   <li>N = 1, 2, 4 instances draining a backlog into a loopback receiver answering in 20 ms (8 calls in flight per
 *       instance): total deliveries per second;</li>
 *   <li>cross-instance hand-off: instance A routes (its own worker is busy), instance B starts the lead: p50, p99;</li>
 *   <li>a million leads routed and delivered, pruned as it runs: table sizes along the way and at the end.</li>
 * </ol>
 */
@EnabledIfSystemProperty(named = "leadrouter.bench", matches = "true")
class PostgresScaleOut {
  private static final int CALLERS = 32;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();

  private final StringBuilder report = new StringBuilder();

  @Test
  void run() throws Exception {
    line("PostgreSQL scale-out, %s, fsync=%s, %d cores", Instant.now(), System.getProperty("leadrouter.pg.fsync",
        "off"), Runtime.getRuntime().availableProcessors());
    String only = System.getProperty("leadrouter.bench.only", "route,instances,handoff,million");
    if (only.contains("route")) {
      routeVsSqlite(20_000);
    }
    if (only.contains("instances")) {
      instances(List.of(1, 2, 4), 20);
    }
    if (only.contains("handoff")) {
      handOff(400);
    }
    if (only.contains("million")) {
      million(Integer.getInteger("leadrouter.bench.million", 1_000_000));
    }
    Files.writeString(Path.of("target", "postgres-scale-out.md"), report);
  }

  private void line(String format, Object... args) {
    String s = String.format(format, args);
    report.append(s).append('\n');
    System.out.println(s);
  }

  private static String schema() {
    return "bench_" + ProcessHandle.current().pid() + "_" + SCHEMAS.incrementAndGet();
  }

  private static LeadJournal postgres(String schema, String name) {
    return PostgresJournal.builder(PostgresServer.dataSource(name)).schema(schema).build();
  }

  // ---- 1. route() ----

  private void routeVsSqlite(int leads) throws Exception {
    Path dir = Files.createTempDirectory("pg-scale-out");
    double sqlite = routeRate(() -> SqliteJournal.open(dir.resolve("leadrouter.db")), leads);
    double pg = routeRate(() -> postgres(schema(), "route"), leads);
    double sqlite2 = routeRate(() -> SqliteJournal.open(dir.resolve("leadrouter2.db")), leads);
    double pg2 = routeRate(() -> postgres(schema(), "route"), leads);
    line("route(), 1 instance, %d callers, %,d leads, two rounds each: SQLite %,.0f and %,.0f/s; PostgreSQL %,.0f"
        + " and %,.0f/s; PostgreSQL / SQLite %.2f (goal >= 0.5)", CALLERS, leads, sqlite, sqlite2, pg, pg2,
        (pg + pg2) / (sqlite + sqlite2));
  }

  private static double routeRate(Supplier<LeadJournal> journal, int leads) throws Exception {
    try (LeadRouter router = LeadRouter.builder().journal(journal.get()).addSink("crm", BenchSinks.parked())
        .defaultRoute("crm").build()) {
      router.journal().park("crm", Instant.now().plus(Duration.ofDays(1)), "bench: routing alone");
      routeAll(router, leads / 10); // warm-up
      long t0 = System.nanoTime();
      routeAll(router, leads);
      return leads / ((System.nanoTime() - t0) / 1e9);
    }
  }

  private static void routeAll(LeadRouter router, int leads) throws Exception {
    fromCallers(leads, router::route);
  }

  /** Hands {@code leads} fresh leads to {@code take} from {@value #CALLERS} threads at once. */
  private static void fromCallers(int leads, java.util.function.Consumer<io.leadrouter.Lead> take) throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(CALLERS);
    AtomicInteger left = new AtomicInteger(leads);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      done.add(callers.submit(() -> {
        while (left.getAndDecrement() > 0) {
          take.accept(Leads.next());
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    callers.shutdown();
  }

  // ---- 2. N instances, 20 ms receiver ----

  private void instances(List<Integer> counts, int latencyMs) throws Exception {
    Map<Integer, Double> rates = new LinkedHashMap<>();
    try (LoopbackReceiver receiver = LoopbackReceiver.withAnswers(64, () -> LoopbackReceiver.Answer.SLOW,
        Duration.ofMillis(latencyMs))) {
      for (int n : counts) {
        rates.put(n, drain(receiver, n, 2_000 * n));
      }
    }
    double one = rates.get(1);
    StringBuilder row = new StringBuilder();
    rates.forEach((n, r) -> row.append(String.format("N=%d: %,.0f/s (%.2f x N=1, goal >= %.1f); ", n, r, r / one,
        0.7 * n)));
    line("deliveries to a %d ms receiver, 8 calls in flight per instance: %s", latencyMs, row);
  }

  private static double drain(LoopbackReceiver receiver, int instances, int leads) throws Exception {
    String schema = schema();
    // the backlog first, written straight into the journal (no router, so nothing starts delivering it); then
    // every instance starts draining at once
    try (LeadJournal loader = postgres(schema, "loader")) {
      fromCallers(leads, lead -> loader.accept(lead, List.of("crm"), Instant.now()));
    }
    int before = receiver.distinctLeads();
    List<LeadRouter> routers = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < instances; i++) {
      routers.add(LeadRouter.builder().journal(postgres(schema, "instance-" + i))
          .addSink("crm", new HttpPostSink(receiver.uri(), 8, Duration.ofSeconds(30), Clock.systemUTC()),
              DeliveryPolicy.DEFAULTS)
          .defaultRoute("crm").build());
    }
    await(600, () -> receiver.distinctLeads() - before >= leads);
    double rate = leads / ((System.nanoTime() - t0) / 1e9);
    routers.forEach(r -> r.close(Duration.ofSeconds(5)));
    return rate;
  }

  // ---- 3. hand-off ----

  private void handOff(int leads) throws Exception {
    String schema = schema();
    Map<String, Long> routedAt = new ConcurrentHashMap<>();
    Map<String, Long> startedAt = new ConcurrentHashMap<>();
    CountDownLatch busy = new CountDownLatch(1);
    LeadSink blocked = new Recording(1, id -> {
      busy.countDown();
      sleep(Long.MAX_VALUE); // A's one slot stays busy: every later lead is started by B
    });
    LeadSink recording = new Recording(8, id -> startedAt.putIfAbsent(id, System.nanoTime()));
    LeadRouter a = LeadRouter.builder().journal(postgres(schema, "hand-off-a")).addSink("crm", blocked)
        .defaultRoute("crm").build();
    try (LeadRouter b = LeadRouter.builder().journal(postgres(schema, "hand-off-b")).addSink("crm", recording)
        .defaultRoute("crm").build()) {
      a.route(Leads.next());
      busy.await(30, TimeUnit.SECONDS);
      for (int i = 0; i < leads; i++) {
        Lead lead = Leads.next();
        a.route(lead);
        routedAt.put(lead.id().value(), System.nanoTime());
        TimeUnit.MILLISECONDS.sleep(i % 10 == 0 ? 300 : 20); // a steady trickle; B idle now and then
      }
      await(60, () -> startedAt.keySet().containsAll(routedAt.keySet()));
      long[] micros = routedAt.entrySet().stream().mapToLong(e -> startedAt.get(e.getKey()) - e.getValue())
          .map(ns -> Math.max(0, ns) / 1_000).sorted().toArray();
      line("cross-instance hand-off (route() returned on A -> B's sink called), %d leads: p50 %.1f ms, p99 %.1f ms,"
          + " max %.1f ms (goal p99 < 100 ms)", leads, micros[micros.length / 2] / 1000.0,
          micros[(int) Math.ceil(micros.length * 0.99) - 1] / 1000.0, micros[micros.length - 1] / 1000.0);
    } finally {
      a.close(Duration.ofMillis(100));
    }
  }

  // ---- 4. a million leads ----

  private void million(int leads) throws Exception {
    String schema = schema();
    BenchSinks.Counting sink = BenchSinks.noOp(8, 1);
    long t0 = System.nanoTime();
    List<String> sizes = new ArrayList<>();
    try (LeadRouter router = LeadRouter.builder().journal(postgres(schema, "million")).addSink("crm", sink)
        .defaultRoute("crm").build()) {
      int chunk = Math.max(1, leads / 10);
      // paced: each tenth is delivered before the next is routed (a deployment whose delivery keeps up), so the sizes
      // show whether pruned rows' space is reused; unpaced, routing outruns delivery and the backlog sets the size
      boolean paced = Boolean.getBoolean("leadrouter.bench.million.paced");
      for (int done = 0; done < leads; done += chunk) {
        routeAll(router, Math.min(chunk, leads - done));
        if (paced) {
          int routed = Math.min(leads, done + chunk);
          await(1800, () -> sink.delivered() >= routed);
        }
        // what the router's retention job does (hourly, for rows older than the retention), here every 10 %
        router.journal().pruneSettled(Instant.now());
        sizes.add(size(schema));
      }
      long routedAll = System.nanoTime();
      await(1800, () -> sink.delivered() >= leads);
      router.journal().pruneSettled(Instant.now());
      double secs = (System.nanoTime() - t0) / 1e9;
      line("%,d leads routed and delivered in %.0f s (%,.0f/s; routing took %.0f s), pruned every 10 %%%s", leads,
          secs, leads / secs, (routedAll - t0) / 1e9, paced ? ", each tenth delivered before the next" : "");
    }
    line("table sizes after each 10 %%: %s", sizes);
    line("after the run: %s", size(schema));
    TimeUnit.SECONDS.sleep(70); // one autovacuum round (naptime 1 min), as a long-running deployment would have
    line("after one autovacuum round: %s", size(schema));
  }

  private static String size(String schema) throws Exception {
    try (Connection c = PostgresServer.dataSource("size").getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_total_relation_size('" + schema + ".lr_deliveries'),"
            + " pg_total_relation_size('" + schema + ".lr_leads'),"
            + " (SELECT count(*) FROM " + schema + ".lr_deliveries)")) {
      rs.next();
      return String.format("%.1f MiB deliveries + %.1f MiB leads (%,d rows)", rs.getLong(1) / 1048576.0,
          rs.getLong(2) / 1048576.0, rs.getLong(3));
    }
  }

  private static void await(int seconds, BooleanSupplier done) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("not done within " + seconds + " s");
      }
      TimeUnit.MILLISECONDS.sleep(2);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A sink calling {@code onCall} with each lead's id, then answering at once. */
  private static final class Recording implements LeadSink {
    private final int concurrency;
    private final Consumer<String> onCall;

    Recording(int concurrency, Consumer<String> onCall) {
      this.concurrency = concurrency;
      this.onCall = onCall;
    }

    @Override
    public DeliveryResult deliver(Lead lead) {
      onCall.accept(lead.id().value());
      return DeliveryResult.created(lead.id().value());
    }

    @Override
    public VerificationReport verify() {
      return VerificationReport.builder("recording").build();
    }

    @Override
    public SinkCapabilities capabilities() {
      return SinkCapabilities.builder().maxConcurrency(concurrency).build();
    }
  }
}
