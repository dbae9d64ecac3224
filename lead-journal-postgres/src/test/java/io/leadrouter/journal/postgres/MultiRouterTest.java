package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Several routers, each with its own connections, on one PostgreSQL journal. */
@Tag("slow") // about 30 s: run by -Pslow, which CI runs after the main build
@Timeout(90)
class MultiRouterTest {
  private static final Duration LEASE = Duration.ofSeconds(2);
  private static final DeliveryPolicy FAST = DeliveryPolicy.DEFAULTS
      .withBackoff(Duration.ofMillis(5), Duration.ofMillis(40)).withBreaker(50, Duration.ofMillis(100));

  @RegisterExtension
  final SchemaRouters routers = new SchemaRouters(LEASE, Duration.ofSeconds(2));
  private final String schema = routers.schema();

  private LeadRouter start(String name, LeadSink crm, DeliveryPolicy policy) {
    return routers.start(name, crm, policy);
  }

  @Test
  void threeRouters_oneKilledMidRun_everyLeadDeliveredExactlyOnce() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink(); // the destination both survivors deliver to
    HangingSink victimsCrm = new HangingSink();
    String victimName = schema + "-victim";
    List<LeadRouter> all = List.of(start(schema + "-a", crm, FAST), start(schema + "-b", crm, FAST),
        start(victimName, victimsCrm, FAST));
    for (int i = 0; i < 300; i++) {
      all.get(i % 3).route(lead(i));
    }
    assertThat(victimsCrm.started.await(20, TimeUnit.SECONDS)).as("the victim took some leads").isTrue();
    PostgresServer.killSessions(victimName); // its connections die mid-delivery: nothing it holds gets settled

    awaitUntil(() -> crm.size() == 300, Duration.ofSeconds(60));
    // settlements are group-committed just after each call returns: the last ones land a moment after the leads
    awaitUntil(() -> all.get(0).counts().get("crm").getOrDefault(DeliveryState.DELIVERED, 0L) == 300L,
        Duration.ofSeconds(30));
    for (int i = 0; i < 300; i++) {
      assertThat(crm.deliveryCount(lead(i).id())).as("deliveries of " + lead(i).id()).isEqualTo(1);
    }
    assertThat(victimsCrm.taken).as("the victim's claims were taken over").isNotEmpty()
        .allSatisfy(id -> assertThat(crm.contains(id)).isTrue());
    assertThat(all.get(0).counts().get("crm")).containsOnly(java.util.Map.entry(DeliveryState.DELIVERED, 300L));
  }

  @Test
  void threeRouters_rateLimit_isHeldInTotal() throws Exception {
    // 4 calls per 400 ms for the destination: 24 leads need 6 windows together (more than 4 whole windows
    // between the first and the last call); with a limiter per router they would need only 2
    DeliveryPolicy limited = FAST.withRateLimit(4, Duration.ofMillis(400));
    InMemoryLeadSink crm = new InMemoryLeadSink();
    List<LeadRouter> all = List.of(start(schema + "-a", crm, limited), start(schema + "-b", crm, limited),
        start(schema + "-c", crm, limited));
    long start = System.nanoTime();
    for (int i = 0; i < 24; i++) {
      all.get(i % 3).route(lead(i));
    }
    awaitUntil(() -> crm.size() == 24, Duration.ofSeconds(30));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(1600));
  }

  /**
   * Two routers sharing one destination's limit of 3 calls per 500 ms, each with more deliveries in flight (8) than a
   * window holds: the calls of both together never exceed the limit (no 7 calls within one window's length: fixed
   * windows allow 6 across an edge), and each lead reaches the destination once, although the permits are waited
   * for longer than the 2 s lease.
   */
  @Test
  void twoRouters_sharedRateLimit_neverExceededTogether_eachLeadOnce() throws Exception {
    DeliveryPolicy limited = FAST.withRateLimit(3, Duration.ofMillis(500)).withMaxConcurrency(8);
    java.util.List<Long> calls = new java.util.concurrent.CopyOnWriteArrayList<>();
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadSink timed = new io.leadrouter.spi.LeadSink() {
      @Override
      public io.leadrouter.spi.DeliveryResult deliver(Lead lead) throws io.leadrouter.spi.DeliveryException {
        calls.add(System.nanoTime());
        return crm.deliver(lead);
      }

      @Override
      public io.leadrouter.spi.VerificationReport verify() {
        return crm.verify();
      }

      @Override
      public io.leadrouter.spi.SinkCapabilities capabilities() {
        return crm.capabilities();
      }
    };
    List<LeadRouter> all = List.of(start(schema + "-a", timed, limited), start(schema + "-b", timed, limited));
    for (int i = 0; i < 24; i++) {
      all.get(i % 2).route(lead(i));
    }
    awaitUntil(() -> crm.size() == 24, Duration.ofSeconds(60));
    Thread.sleep(2500); // a lead whose claim outlived its lease while waiting for a permit would be delivered again now
    for (int i = 0; i < 24; i++) {
      assertThat(crm.deliveryCount(lead(i).id())).as("deliveries of " + lead(i).id()).isEqualTo(1);
    }
    List<Long> at = calls.stream().sorted().toList();
    for (int i = 6; i < at.size(); i++) {
      assertThat(Duration.ofNanos(at.get(i) - at.get(i - 6))).as("calls %d to %d", i - 6, i)
          .isGreaterThan(Duration.ofMillis(400));
    }
  }

  @Test
  void routeInTransaction_rollbackIsNotRouted_commitIsRouted() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = start(schema + "-a", crm, FAST);
    PostgresServer.execute("CREATE TABLE " + schema + ".orders (lead_id TEXT PRIMARY KEY)");
    Lead rolledBack = lead(1);
    Lead committed = lead(2);
    RoutingReceipt receipt;
    try (Connection c = PostgresServer.dataSource("app").getConnection(); Statement s = c.createStatement()) {
      c.setAutoCommit(false);
      s.execute("INSERT INTO " + schema + ".orders VALUES ('lead-1')");
      router.route(rolledBack, c);
      c.rollback();
      s.execute("INSERT INTO " + schema + ".orders VALUES ('lead-2')");
      receipt = router.route(committed, c);
      c.commit();
    }
    assertThat(receipt.allDelivered().get(20, TimeUnit.SECONDS)).containsOnlyKeys("crm");
    assertThat(crm.leads()).containsExactly(committed);
    assertThat(router.journal().lead(rolledBack.id())).as("rolled back with the business transaction").isEmpty();
    assertThat(router.counts().get("crm")).containsOnly(java.util.Map.entry(DeliveryState.DELIVERED, 1L));
  }

  @Test
  void deadLetters_ofOneRouter_areListedAndReplayedByAnother() throws Exception {
    InMemoryLeadSink broken = new InMemoryLeadSink()
        .failPermanently(new Diagnosis("CRM_AUTH", "bad secret", "rotate it"));
    LeadRouter first = start(schema + "-a", broken, FAST);
    Lead lead = lead(7);
    awaitDone(first.route(lead));
    first.close();

    InMemoryLeadSink healthy = new InMemoryLeadSink();
    LeadRouter second = start(schema + "-b", healthy, FAST);
    List<DeliveryRecord> dead = second.deadLetters(DeliveryQuery.deadLetters().diagnosisCode("CRM_AUTH"));
    assertThat(dead).extracting(DeliveryRecord::leadId).containsExactly(lead.id());
    assertThat(second.replay(DeliveryQuery.deadLetters().destination("crm"))).isEqualTo(1);
    awaitUntil(() -> healthy.contains(lead.id()), Duration.ofSeconds(20));
  }

  @Test
  void quotaParking_byOneRouter_holdsForAnother() throws Exception {
    Instant resume = Instant.now().plus(Duration.ofHours(1));
    LeadRouter first = start(schema + "-a", new InMemoryLeadSink().quotaSpentUntil(resume), FAST);
    LeadRouter second = start(schema + "-b", new InMemoryLeadSink(), FAST);
    first.journal().park("crm", resume, "daily quota spent");
    assertThat(second.journal().parkedUntil("crm", Instant.now())).contains(resume.truncatedTo(
        java.time.temporal.ChronoUnit.MILLIS));
  }

  private static void awaitDone(RoutingReceipt receipt) throws InterruptedException {
    try {
      receipt.allDelivered().get(20, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      // dead-lettered, as expected
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("the lead was not settled in time", e);
    }
  }

  /** A destination that never answers, as one whose router died mid-call. */
  private static final class HangingSink extends TestDestination {
    final CountDownLatch started = new CountDownLatch(1);
    final Set<LeadId> taken = ConcurrentHashMap.newKeySet();

    @Override
    public DeliveryResult deliver(Lead lead) throws TransientDeliveryException {
      taken.add(lead.id());
      started.countDown();
      try {
        new CountDownLatch(1).await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new TransientDeliveryException("stopped");
    }
  }
}
