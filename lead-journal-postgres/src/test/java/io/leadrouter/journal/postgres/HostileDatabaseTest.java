package io.leadrouter.journal.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.Lead;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.testkit.SampleLeads;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A DBA's settings on the journal's role or database: timeouts, read-only, a connection limit, a schema name the
 * server reserves. The journal either works under them or refuses, naming the setting and the statement that fixes
 * it (the server's own message names neither).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung socket read ignores interrupts
class HostileDatabaseTest {
  private final String schema = PostgresServer.newSchema();

  private static Lead lead(String id) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(id).build();
  }

  /** A login role that may create schemas, with the DBA's {@code ALTER ROLE} settings, and a data source for it. */
  private static PGSimpleDataSource role(String name, String... alterRole) {
    PostgresServer.execute("CREATE ROLE " + name + " LOGIN");
    PostgresServer.execute("GRANT CREATE ON DATABASE postgres TO " + name);
    for (String s : alterRole) {
      PostgresServer.execute("ALTER ROLE " + name + " " + s);
    }
    PGSimpleDataSource ds = PostgresServer.dataSource("hostile");
    ds.setUser(name);
    return ds;
  }

  private static AcceptResult accept(LeadJournal journal, String id) {
    return journal.accept(lead(id), List.of("crm"), Instant.now());
  }

  private static void acceptOne(LeadJournal journal, String id) {
    assertThat(accept(journal, id).duplicate()).isFalse();
    assertThat(journal.lead(lead(id).id())).isPresent();
  }

  /** Accepting lead {@code id} fails with the journal's error, for the test to check what it says. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertAcceptRefused(LeadJournal journal, String id) {
    return assertThatThrownBy(() -> accept(journal, id)).isInstanceOf(JournalException.class)
        .hasMessageStartingWith("lead " + id + " was not accepted: the journal ");
  }

  /**
   * {@code idle_in_transaction_session_timeout} on the role: the connection holding the schema lock stays idle in
   * its transaction while the tables are created on the writer connection; the server ended it and the open failed
   * ("terminating connection due to idle-in-transaction timeout"), every time.
   */
  @Test
  void idleInTransactionTimeoutOnTheRole_journalOpensAndAccepts() {
    PGSimpleDataSource ds = role(schema + "_idle", "SET idle_in_transaction_session_timeout = '20ms'");
    try (LeadJournal j = PostgresJournal.builder(ds).schema(schema).build()) {
      acceptOne(j, "idle-1");
    }
    try (LeadJournal j = PostgresJournal.builder(ds).schema(schema).build()) { // and reopens
      acceptOne(j, "idle-2");
    }
  }

  /**
   * The same 20 ms {@code idle_in_transaction_session_timeout}, and the journal's statements reaching the server 30 ms
   * apart (a distant network; a host so loaded that the writer sends its next statement late, as at load 19): the
   * server ended the writer's session in the middle of each accept, and again after each reconnect, so no lead was
   * accepted. The journal's own sessions now allow at least its network timeout; an abandoned transaction still ends.
   */
  @Test
  void idleInTransactionTimeoutOnTheRole_statementsArrivingLate_journalStillAccepts() throws Exception {
    PGSimpleDataSource ds = role(schema + "_lag", "SET idle_in_transaction_session_timeout = '20ms'");
    try (LaggingProxy lag = new LaggingProxy(PostgresServer.port(), Duration.ofMillis(30))) {
      ds.setPortNumbers(new int[] {lag.port()});
      try (LeadJournal j = PostgresJournal.builder(ds).schema(schema).build()) {
        acceptOne(j, "lag-1");
        acceptOne(j, "lag-2");
      }
    }
  }

  /**
   * {@code statement_timeout} on the role, while another router holds the schema lock (migrating a large journal):
   * the wait for the lock was cancelled and the open failed with a bare "canceling statement due to statement
   * timeout". It now waits for the other router.
   */
  @Test
  void statementTimeoutOnTheRole_waitsForAnotherRoutersMigration() throws Exception {
    PGSimpleDataSource ds = role(schema + "_st", "SET statement_timeout = '300ms'", "SET lock_timeout = '300ms'");
    try (Connection other = PostgresServer.dataSource("other-router").getConnection()) {
      other.setAutoCommit(false);
      try (Statement s = other.createStatement()) { // the lock a migrating router holds
        s.execute("SELECT pg_advisory_xact_lock(hashtext('leadrouter-journal:" + schema + "'))");
      }
      CompletableFuture<LeadJournal> opening = CompletableFuture.supplyAsync(
          () -> PostgresJournal.builder(ds).schema(schema).build());
      Waits.awaitUntil(() -> PostgresServer.waitingForLock("hostile"), Duration.ofSeconds(30));
      TimeUnit.MILLISECONDS.sleep(600); // past both timeouts while it waits (not an assertion)
      assertThat(opening).isNotDone();
      other.rollback(); // the other router's migration ends
      try (LeadJournal j = opening.get(60, TimeUnit.SECONDS)) {
        acceptOne(j, "st-1");
      }
    }
  }

  /** A statement cancelled by the role's {@code statement_timeout} at {@code route()}: the error names the setting. */
  @Test
  void statementTimeoutHitAtAccept_errorNamesTheSettingAndTheFix() throws Exception {
    String user = schema + "_st2";
    PGSimpleDataSource ds = role(user, "SET statement_timeout = '500ms'");
    try (LeadJournal j = PostgresJournal.builder(ds).schema(schema).build();
        Connection dba = PostgresServer.dataSource("dba").getConnection()) {
      dba.setAutoCommit(false);
      try (Statement s = dba.createStatement()) { // a DBA's long maintenance holds the table
        s.execute("LOCK TABLE " + schema + ".lr_leads IN EXCLUSIVE MODE");
      }
      assertAcceptRefused(j, "st2")
          .hasMessageContaining("canceling statement due to statement timeout: statement_timeout (set for the"
              + " journal's user, its database or the server) is shorter than a statement of the journal: raise it"
              + " for the journal's user (ALTER ROLE " + user + " SET statement_timeout = '5min'), or set it to 0");
      dba.rollback();
      assertThat(j.lead(lead("st2").id())).isEmpty();
      acceptOne(j, "st2"); // routed again once the lock is gone
    }
  }

  /**
   * A settlement cancelled by the role's {@code statement_timeout} (a DBA's maintenance held the table a moment
   * longer): before, the result of a call that reached the destination was dropped, and the lead stayed in flight
   * until its lease ended and was then delivered a second time. It is written once the table is free.
   */
  @Test
  void statementTimeoutHitBySettlement_theResultIsWrittenOnceTheLockIsGone_notDeliveredAgain() throws Exception {
    String user = schema + "_st3";
    PGSimpleDataSource ds = role(user, "SET statement_timeout = '500ms'");
    java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.ScheduledExecutorService later = java.util.concurrent.Executors
        .newSingleThreadScheduledExecutor();
    try (Connection dba = PostgresServer.dataSource("dba").getConnection();
        io.leadrouter.LeadRouter router = io.leadrouter.LeadRouter.builder()
            .journal(PostgresJournal.builder(ds).schema(schema).build())
            .addSink("crm", new io.leadrouter.testkit.ForwardingLeadSink(new io.leadrouter.testkit.InMemoryLeadSink()) {
              @Override
              public io.leadrouter.spi.DeliveryResult deliver(Lead lead) throws io.leadrouter.spi.DeliveryException {
                calls.incrementAndGet();
                try {
                  dba.setAutoCommit(false);
                  try (Statement st = dba.createStatement()) { // a DBA's maintenance holds the table for 3 s
                    st.execute("LOCK TABLE " + schema + ".lr_deliveries IN EXCLUSIVE MODE");
                  }
                  later.schedule(() -> {
                    dba.rollback();
                    return null;
                  }, 3, TimeUnit.SECONDS);
                } catch (java.sql.SQLException e) {
                  throw new AssertionError(e);
                }
                return super.deliver(lead);
              }
            }, io.leadrouter.DeliveryPolicy.DEFAULTS)
            .defaultRoute("crm").build()) {
      io.leadrouter.RoutingReceipt receipt = router.route(lead("st3"));
      assertThat(receipt.allDelivered().get(30, TimeUnit.SECONDS)).containsKey("crm");
      assertThat(router.journal().deliveries(receipt.leadId())).singleElement()
          .satisfies(r -> assertThat(r.state()).isEqualTo(io.leadrouter.journal.DeliveryState.DELIVERED));
      assertThat(calls).hasValue(1);
    } finally {
      later.shutdownNow();
    }
  }

  /** {@code default_transaction_read_only} on the role: refused at open, naming the setting (not at first route). */
  @Test
  void readOnlyRole_isRefusedAtOpen_namingTheSetting() {
    PostgresJournal.builder(PostgresServer.dataSource("hostile")).schema(schema).build().close();
    String user = schema + "_ro";
    PGSimpleDataSource ds = role(user, "SET default_transaction_read_only = on");
    PostgresServer.grantRuntime(schema, user);
    assertThatThrownBy(() -> PostgresJournal.builder(ds).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("(schema " + schema + ") cannot be written: default_transaction_read_only is on for"
            + " user " + user + " (set for the role, the database or the server): ALTER ROLE " + user
            + " SET default_transaction_read_only = off");
  }

  /** A hot standby (a read replica, or a former primary after a fail-over): refused at open, naming it. */
  @Test
  void hotStandby_isRefusedAtOpen_namingIt() throws Exception {
    try (PostgresServer.Own primary = PostgresServer.startOwn()) {
      PostgresJournal.builder(primary.dataSource("hostile")).schema("standby").build().close();
      try (PostgresServer.Own standby = primary.standby()) {
        assertThatThrownBy(() -> PostgresJournal.builder(standby.dataSource("hostile")).schema("standby").build())
            .isInstanceOf(JournalException.class)
            .hasMessageEndingWith("(schema standby) cannot be written: the server is a hot standby (a read-only"
                + " replica, pg_is_in_recovery() is true): point the DataSource at the primary (with several hosts in"
                + " the URL, add targetServerType=primary)");
      }
    }
  }

  /** The database made read-only while the journal runs (a fail-over left it on a standby): the error says so. */
  @Test
  void readOnlyAfterOpen_routeSaysTheDatabaseIsReadOnly() {
    String user = schema + "_ro2";
    PGSimpleDataSource ds = role(user);
    try (LeadJournal j = PostgresJournal.builder(ds).schema(schema).build()) {
      acceptOne(j, "ro-1");
      PostgresServer.execute("ALTER ROLE " + user + " SET default_transaction_read_only = on");
      PostgresServer.killSessions("hostile"); // the writer reconnects and gets the role's new default
      assertAcceptRefused(j, "ro-2")
          .hasMessageContaining("cannot execute INSERT in a read-only transaction: the database is read-only (a hot"
              + " standby after a fail-over, or default_transaction_read_only on): point the DataSource at the"
              + " primary, or ALTER ROLE " + user + " SET default_transaction_read_only = off");
    }
  }

  /** A connection limit on the role below what the journal holds: the error says how many it needs. */
  @Test
  void connectionLimitOnTheRole_errorSaysHowManyConnectionsTheJournalHolds() {
    String user = schema + "_lim";
    PGSimpleDataSource ds = role(user, "CONNECTION LIMIT 1");
    assertThatThrownBy(() -> PostgresJournal.builder(ds).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("too many connections for role")
        .hasMessageContaining("(the server refuses more connections (max_connections, or the CONNECTION LIMIT of the"
            + " user or the database, is reached): one journal holds up to 3 connections")
        .hasMessageNotContaining("check the DataSource's URL, user and password");
    PostgresServer.execute("ALTER ROLE " + user + " CONNECTION LIMIT 3");
    try (LeadJournal j = PostgresJournal.builder(ds).schema(schema).build()) { // 3 are enough
      acceptOne(j, "lim-1");
    }
  }

  /** A schema name PostgreSQL reserves: refused before anything is created, not with a bare syntax error. */
  @Test
  void reservedWordAsSchema_isRefusedNamingIt() {
    for (String reserved : List.of("order", "user", "left")) {
      assertThatThrownBy(() -> PostgresJournal.builder(PostgresServer.dataSource("hostile")).schema(reserved).build())
          .isInstanceOf(JournalException.class)
          .hasMessageStartingWith("schema '" + reserved + "' cannot be the journal's schema: it is a word PostgreSQL"
              + " reserves (")
          .hasMessageEndingWith("choose another name for the builder's schema (or the descriptor's journal.schema),"
              + " e.g. " + reserved + "_journal");
    }
  }
}
