package io.leadrouter.journal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.testkit.SampleLeads;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure drills on a real PostgreSQL journal shared by several instances: the server restarted mid-run, an
 * instance SIGKILLed mid-run. Every lead whose {@code route()} returned is delivered, and no delivery is settled
 * twice by two owners: a trigger records every settlement of an in-flight delivery with the owner and lease epoch
 * it was made under, and each delivery has exactly one.
 */
@Tag("slow")
@Timeout(300)
class FailureDrillTest {
  static final Duration LEASE = Duration.ofSeconds(2);
  /** Short retry timings, so a drain after the last kill is quick. */
  static final DeliveryPolicy POLICY = DeliveryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(10),
      Duration.ofMillis(200));

  @TempDir
  Path dir;

  /** The receiving table and the settlement audit in {@code schema} (after the journal created its tables). */
  private static void prepare(DataSource ds, String schema) throws SQLException {
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      DatabaseReceiver.create(c, schema);
      s.execute("CREATE TABLE " + schema + ".lr_audit (delivery_id BIGINT, state TEXT, owner TEXT, epoch BIGINT)");
      s.execute("CREATE FUNCTION " + schema + ".lr_audit_fn() RETURNS trigger AS $$ BEGIN INSERT INTO " + schema
          + ".lr_audit VALUES (NEW.id, NEW.state, OLD.lease_owner, OLD.lease_epoch); RETURN NEW; END $$"
          + " LANGUAGE plpgsql");
      s.execute("CREATE TRIGGER lr_audit_t AFTER UPDATE ON " + schema + ".lr_deliveries FOR EACH ROW WHEN"
          + " (OLD.state = 'IN_FLIGHT' AND NEW.state IN ('DELIVERED', 'HANDED_OFF', 'DEAD'))"
          + " EXECUTE FUNCTION " + schema + ".lr_audit_fn()");
    }
  }

  private static LeadRouter router(DataSource ds, String schema) {
    return LeadRouter.builder().journal(PostgresJournal.builder(ds).schema(schema).build())
        .addSink("crm", new DatabaseReceiver(ds, schema), POLICY).defaultRoute("crm").lease(LEASE).build();
  }

  private static Set<String> received(DataSource ds, String schema) {
    Set<String> ids = new HashSet<>();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT lead_id FROM " + schema + ".lr_received")) {
      while (rs.next()) {
        ids.add(rs.getString(1));
      }
    } catch (SQLException e) {
      return Set.of(); // the server is still starting
    }
    return ids;
  }

  /** Asserts every promised lead arrived, and each delivery was settled once, by one owner. */
  private static void assertDrill(DataSource ds, String schema, Set<String> promised) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!received(ds, schema).containsAll(promised) && System.nanoTime() < end) {
      TimeUnit.MILLISECONDS.sleep(100); // polling, not timing
    }
    Set<String> missing = new HashSet<>(promised);
    missing.removeAll(received(ds, schema));
    assertThat(missing).as("promised leads that never arrived (of " + promised.size() + ")").isEmpty();
    try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("SELECT delivery_id, string_agg(owner || '#' || epoch, ', ')"
          + " FROM " + schema + ".lr_audit GROUP BY delivery_id HAVING count(*) > 1")) {
        List<String> twice = new ArrayList<>();
        while (rs.next()) {
          twice.add(rs.getLong(1) + " by " + rs.getString(2));
        }
        assertThat(twice).as("deliveries settled more than once").isEmpty();
      }
      // settlements are group-committed after the call returns: the last few land just after their leads arrived
      long settled = 0;
      while (System.nanoTime() < end + TimeUnit.SECONDS.toNanos(10)) {
        try (ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".lr_audit")) {
          rs.next();
          settled = rs.getLong(1);
        }
        if (settled >= promised.size()) {
          break;
        }
        TimeUnit.MILLISECONDS.sleep(100); // polling, not timing
      }
      assertThat(settled).as("settlements recorded").isGreaterThanOrEqualTo(promised.size());
    }
  }

  @Test
  void serverRestartedMidRun_everyAcceptedLeadDelivered_noneSettledTwice() throws Exception {
    try (PostgresServer.Own server = PostgresServer.startOwn()) {
      String schema = "drill_restart";
      DataSource ds = server.dataSource("drill");
      List<LeadRouter> routers = List.of(router(server.dataSource("a"), schema),
          router(server.dataSource("b"), schema));
      prepare(ds, schema);
      Set<String> promised = ConcurrentHashMap.newKeySet();
      AtomicBoolean running = new AtomicBoolean(true);
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        LeadRouter r = routers.get(t % 2);
        Thread caller = new Thread(() -> {
          while (running.get()) {
            Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.random()).build();
            try {
              r.route(lead);
              promised.add(lead.id().value());
            } catch (LeadRouterException e) {
              sleep(50); // the server is down: not accepted, the caller tries later (as a marketplace would)
            }
          }
        });
        caller.start();
        callers.add(caller);
      }
      TimeUnit.MILLISECONDS.sleep(1500);
      int before = promised.size();
      server.stop();
      TimeUnit.SECONDS.sleep(2);
      server.start();
      TimeUnit.MILLISECONDS.sleep(2500);
      running.set(false);
      for (Thread c : callers) {
        c.join(30_000);
      }
      assertThat(before).as("leads accepted before the restart").isPositive();
      assertThat(promised.size()).as("leads accepted after the restart").isGreaterThan(before);
      assertDrill(ds, schema, promised);
      routers.forEach(r -> r.close(Duration.ofSeconds(5)));
    }
  }

  @Test
  void instanceSigkilledMidRun_everyAcceptedLeadDelivered_noneSettledTwice() throws Exception {
    String schema = PostgresServer.newSchema();
    DataSource ds = PostgresServer.dataSource("drill");
    LeadRouter survivor = router(PostgresServer.dataSource("survivor"), schema);
    prepare(ds, schema);
    Set<String> promised = new HashSet<>();
    try {
      for (int kill = 0; kill < 3; kill++) {
        promised.addAll(runChildAndKill(schema, 300 + kill * 250L));
      }
      assertThat(promised).as("leads the children promised").isNotEmpty();
      assertDrill(ds, schema, promised);
    } finally {
      survivor.close(Duration.ofSeconds(5));
    }
  }

  /** Starts a child router, reads its promises for a while after READY, then SIGKILLs it; returns the promises. */
  private Set<String> runChildAndKill(String schema, long runMillis) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
        PostgresCrashChild.class.getName(), String.valueOf(PostgresServer.port()), schema, "4");
    pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("child.err").toFile()));
    Process child = pb.start();
    Set<String> promised = ConcurrentHashMap.newKeySet();
    AtomicBoolean ready = new AtomicBoolean();
    Thread reader = new Thread(() -> {
      try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = in.readLine()) != null; ) {
          if (line.equals("READY")) {
            ready.set(true);
          } else if (!line.isBlank()) {
            promised.add(line.strip());
          }
        }
      } catch (java.io.IOException e) {
        // the child died
      }
    });
    reader.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!ready.get() && child.isAlive() && System.nanoTime() < end) {
      TimeUnit.MILLISECONDS.sleep(20);
    }
    while (promised.size() < 20 && child.isAlive() && System.nanoTime() < end) {
      TimeUnit.MILLISECONDS.sleep(20); // a cold child JVM on a busy machine takes a while to route its first leads
    }
    assertThat(promised).as("the child routes (see " + dir.resolve("child.err") + ")").hasSizeGreaterThanOrEqualTo(20);
    TimeUnit.MILLISECONDS.sleep(runMillis);
    child.destroyForcibly(); // SIGKILL: no shutdown hook, no close
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    reader.join(10_000); // every line the child wrote before it died
    return Set.copyOf(promised);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
