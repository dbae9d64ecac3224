package io.leadrouter.journal.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouterException;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.Settlement;
import io.leadrouter.journal.SharedRateLimiter;
import io.leadrouter.journal.postgres.internal.PostgresRateLimiter;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import io.leadrouter.testkit.SampleLeads;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PostgresJournalTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(5);

  private final String schema = PostgresServer.newSchema();
  private final List<LeadJournal> journals = new ArrayList<>();

  @AfterEach
  void close() {
    journals.forEach(LeadJournal::close);
  }

  private LeadJournal open() {
    LeadJournal j = PostgresJournal.builder(PostgresServer.dataSource("journal-test")).schema(schema).build();
    journals.add(j);
    return j;
  }

  private static Lead lead(String id) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(id).build();
  }

  @Test
  void sinkCounters_stopAtTheLimit_perDestination_andSurviveAReopen() {
    try (LeadJournal j = open()) {
      io.leadrouter.spi.SinkCounters w2l = j.counters("w2l").orElseThrow();
      assertThat(w2l.incrementBelow("sent.2026-12-02", 2)).isTrue();
      assertThat(w2l.incrementBelow("sent.2026-12-02", 2)).isTrue();
      assertThat(w2l.incrementBelow("sent.2026-12-02", 2)).as("the limit").isFalse();
      w2l.decrement("sent.2026-12-02"); // a slot given back
      assertThat(j.counters("other").orElseThrow().get("sent.2026-12-02")).as("per destination").isZero();
    }
    try (LeadJournal j = open()) {
      assertThat(j.counters("w2l").orElseThrow().get("sent.2026-12-02")).isEqualTo(1);
    }
  }

  @Test
  void open_twoRoutersAtOnce_bothShareOneSchema() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<LeadJournal>> opening = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        opening.add(pool.submit(this::open));
      }
      for (Future<LeadJournal> f : opening) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    journals.get(0).accept(lead("a"), List.of("crm"), T0);
    assertThat(journals.get(3).lead(lead("a").id())).isPresent();
  }

  @Test
  void open_withInFlightDeliveriesOfAnotherRouter_leavesThemInFlight() {
    LeadJournal first = open();
    first.accept(lead("a"), List.of("crm"), T0);
    assertThat(first.claimDue("crm", T0, 10, LEASE)).hasSize(1);
    LeadJournal second = open();
    assertThat(second.claimDue("crm", T0, 10, LEASE)).as("still the first router's").isEmpty();
    assertThat(second.counts().get("crm")).containsEntry(DeliveryState.IN_FLIGHT, 1L);
    assertThat(second.reclaimExpiredLeases(T0.plus(LEASE))).as("taken over once the lease ends").isEqualTo(1);
    assertThat(second.claimDue("crm", T0.plus(LEASE), 10, LEASE)).hasSize(1);
  }

  @Test
  void claimDue_concurrentRouters_claimEachDeliveryExactlyOnce() throws Exception {
    LeadJournal writer = open();
    for (int i = 0; i < 300; i++) {
      writer.accept(lead("lead-" + i), List.of("crm"), T0);
    }
    List<LeadJournal> routers = List.of(open(), open(), open());
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<List<Long>>> claims = new ArrayList<>();
      for (LeadJournal r : routers) {
        claims.add(pool.submit(() -> {
          List<Long> ids = new ArrayList<>();
          for (List<ClaimedDelivery> c; !(c = r.claimDue("crm", T0, 7, LEASE)).isEmpty(); ) {
            c.forEach(d -> ids.add(d.deliveryId()));
          }
          return ids;
        }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> f : claims) {
        all.addAll(f.get());
      }
      assertThat(all).hasSize(300).doesNotHaveDuplicates();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void connectionKilledByTheServer_isReplaced_andTheOperationsSucceed() throws Exception {
    String app = "reconnect-" + schema;
    LeadJournal j = PostgresJournal.builder(PostgresServer.dataSource(app)).schema(schema).build();
    journals.add(j);
    j.accept(lead("before"), List.of("crm"), T0);

    // what a server restart or fail-over does to the journal's session
    try (Connection admin = PostgresServer.dataSource("admin").getConnection();
        java.sql.PreparedStatement ps = admin.prepareStatement(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = ?")) {
      ps.setString(1, app);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).as("sessions ended").isPositive();
      }
    }

    assertThat(j.accept(lead("after"), List.of("crm"), T0).duplicate()).isFalse();
    assertThat(j.claimDue("crm", T0, 10, LEASE)).extracting(c -> c.lead().id().value())
        .containsExactlyInAnyOrder("before", "after");
  }

  @Test
  void builderLease_overridesTheRoutersLease() {
    LeadJournal j = PostgresJournal.builder(PostgresServer.dataSource("journal-test")).schema(schema)
        .lease(Duration.ofSeconds(30)).maxBatch(8).build();
    journals.add(j);
    j.accept(lead("a"), List.of("crm"), T0);
    j.claimDue("crm", T0, 1, LEASE);
    assertThat(j.reclaimExpiredLeases(T0.plusSeconds(29))).isZero();
    assertThat(j.reclaimExpiredLeases(T0.plusSeconds(30))).isEqualTo(1);
  }

  @Test
  void deadLetters_settledByOneRouter_areListedAndReplayedByAnother() {
    LeadJournal a = open();
    LeadJournal b = open();
    a.accept(lead("x"), List.of("crm"), T0);
    ClaimedDelivery c = a.claimDue("crm", T0, 1, LEASE).get(0);
    a.settle(List.of(Settlement.dead(c.deliveryId(), new Diagnosis("CRM_AUTH", "bad secret", "rotate it"), "401",
        T0)), T0);
    assertThat(b.list(DeliveryQuery.deadLetters().diagnosisCode("CRM_AUTH"))).singleElement()
        .satisfies(d -> assertThat(d.leadId()).isEqualTo(lead("x").id()));
    assertThat(b.replay(DeliveryQuery.deadLetters(), T0.plusSeconds(1))).isEqualTo(1);
    assertThat(a.claimDue("crm", T0.plusSeconds(1), 1, LEASE)).hasSize(1);
  }

  @Test
  void open_newerSchemaVersion_isRefusedWithUpgradeAdvice() {
    open().close();
    PostgresServer.execute("UPDATE " + schema + ".lr_schema SET version = 99");
    assertThatThrownBy(this::open)
        .isInstanceOf(JournalException.class)
        // the version this LeadRouter knows is core's internal JournalSchema.VERSION (not exported to this module)
        .hasMessageMatching(java.util.regex.Pattern.quote("journal jdbc:postgresql://localhost:"
            + PostgresServer.port() + "/postgres (schema " + schema + ") has schema version 99, newer than the ")
            + "\\d+" + java.util.regex.Pattern.quote(" this version of LeadRouter knows: upgrade"
            + " LeadRouter (a newer version wrote this journal)"));
  }

  @Test
  void open_unreachableDatabase_saysWhatToCheck() {
    org.postgresql.ds.PGSimpleDataSource ds = PostgresServer.dataSource("nowhere");
    ds.setDatabaseName("no_such_database");
    assertThatThrownBy(() -> PostgresJournal.using(ds))
        .isInstanceOf(JournalException.class)
        .hasMessage("cannot connect to the PostgreSQL journal's database no_such_database on localhost:"
            + PostgresServer.port() + " as postgres: FATAL: database \"no_such_database\" does not exist (check the"
            + " database name in the URL, or create the database)");
  }

  @Test
  void schema_notAPlainIdentifier_isRefused() {
    assertThatThrownBy(() -> PostgresJournal.builder(PostgresServer.dataSource("x")).schema("Lead Router"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("schema 'Lead Router' is not a plain PostgreSQL identifier: use lower-case letters, digits and _"
            + " (at most 63, not starting with a digit)");
  }

  @Test
  void acceptInTransaction_rollback_recordsNothing_commit_recordsLeadAndDeliveries() throws Exception {
    LeadJournal j = open();
    try (Connection c = PostgresServer.dataSource("app").getConnection()) {
      c.setAutoCommit(false);
      j.acceptInTransaction(c, lead("rolled-back"), List.of("crm"), T0);
      assertThat(j.lead(lead("rolled-back").id())).as("not visible before commit").isEmpty();
      c.rollback();
      j.acceptInTransaction(c, lead("committed"), List.of("crm", "mkto"), T0);
      c.commit();
    }
    assertThat(j.lead(lead("rolled-back").id())).isEmpty();
    assertThat(j.lead(lead("committed").id())).isPresent();
    assertThat(j.counts()).containsOnlyKeys("crm", "mkto");
    assertThat(j.claimDue("crm", T0, 10, LEASE)).hasSize(1);
  }

  @Test
  void acceptInTransaction_autoCommitConnection_isRefused() throws Exception {
    LeadJournal j = open();
    try (Connection c = PostgresServer.dataSource("app").getConnection()) {
      assertThatThrownBy(() -> j.acceptInTransaction(c, lead("a"), List.of("crm"), T0))
          .isInstanceOf(LeadRouterException.class)
          .hasMessage("the connection is in auto-commit mode, so there is no transaction to enqueue lead a in: call"
              + " connection.setAutoCommit(false) before route(lead, connection) and commit when your own work is"
              + " done");
    }
    assertThat(j.lead(lead("a").id())).isEmpty();
  }

  @Test
  void sharedRateLimiter_permitsAreCountedAcrossRouters() {
    RateLimit threePerHour = new RateLimit(3, Duration.ofHours(1));
    PostgresRateLimiter a = (PostgresRateLimiter) open().sharedRateLimiter("crm", threePerHour).orElseThrow();
    PostgresRateLimiter b = (PostgresRateLimiter) open().sharedRateLimiter("crm", threePerHour).orElseThrow();
    SharedRateLimiter otherDestination = open().sharedRateLimiter("mkto", threePerHour).orElseThrow();
    assertThat(a.tryAcquire()).isTrue();
    assertThat(b.tryAcquire()).isTrue();
    assertThat(a.tryAcquire()).isTrue();
    assertThat(b.tryAcquire()).as("the window's three permits are spent, by both routers together").isFalse();
    assertThat(a.tryAcquire()).isFalse();
    assertThat(((PostgresRateLimiter) otherDestination).tryAcquire()).as("each destination has its own").isTrue();
  }

  @Test
  void sharedRateLimiter_spentWindow_waitsForTheNext() throws Exception {
    SharedRateLimiter limiter = open().sharedRateLimiter("crm", new RateLimit(2, Duration.ofMillis(100)))
        .orElseThrow();
    long start = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      limiter.acquire();
    }
    // ten permits at two per window need five windows: the first may be nearly over, the three between are whole
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(300));
  }

  /** A moment kept across restarts (Salesforce's settling wait): raised, never lowered, per destination. */
  @Test
  void sinkCounters_raiseTo_keepsTheLatest_neverLowers_andSurvivesAReopen() {
    try (LeadJournal j = open()) {
      io.leadrouter.spi.SinkCounters sf = j.counters("sf").orElseThrow();
      assertThat(sf.raiseTo("settling.x", 1_700_000_660L)).isEqualTo(1_700_000_660L);
      assertThat(sf.raiseTo("settling.x", 1_700_000_000L)).as("an earlier moment lowers nothing")
          .isEqualTo(1_700_000_660L);
      assertThat(sf.raiseTo("settling.x", 1_700_000_900L)).isEqualTo(1_700_000_900L);
      assertThat(j.counters("other").orElseThrow().get("settling.x")).as("per destination").isZero();
    }
    try (LeadJournal j = open()) {
      assertThat(j.counters("sf").orElseThrow().get("settling.x")).isEqualTo(1_700_000_900L);
    }
  }
}
