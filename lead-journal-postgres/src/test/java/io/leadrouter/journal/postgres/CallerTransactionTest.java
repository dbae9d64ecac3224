package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.JournalException;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.OutputCapture;
import java.sql.Connection;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/** {@code route(lead, connection)}: the caller's connection must be a transaction on the journal's database. */
@Timeout(90)
class CallerTransactionTest {
  @RegisterExtension
  final SchemaRouters routers = new SchemaRouters(null, Duration.ofSeconds(2));
  private final String schema = routers.schema();

  /**
   * Another database on the same server holding a journal schema of the same name (a second deployment, a staging
   * copy): the insert, qualified by the schema's name, would succeed there and the lead go to a journal this router
   * never reads. It is refused, naming both databases, and nothing is written on either.
   */
  @Test
  void connectionOnAnotherDatabaseWithTheSameSchema_isRefused_nothingWritten() throws Exception {
    String otherDb = schema + "_other";
    PGSimpleDataSource other = newDatabase(otherDb);
    PostgresJournal.builder(other).schema(schema).build().close(); // the same schema, in the other database
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = routers.start(schema + "-a", crm, DeliveryPolicy.DEFAULTS);
    Lead lead = lead(1);
    try (Connection c = other.getConnection()) {
      c.setAutoCommit(false);
      assertThatThrownBy(() -> router.route(lead, c))
          .isInstanceOf(JournalException.class)
          .hasMessageStartingWith("cannot enqueue lead lead-1 in the caller's transaction: the connection is on"
              + " database " + otherDb + " of server ")
          .hasMessageContaining("but the journal jdbc:postgresql://localhost:" + PostgresServer.port()
              + "/postgres (schema " + schema + ") is on database postgres of server ")
          .hasMessageEndingWith(": take the connection from the journal's DataSource (or one on the same database),"
              + " or route(lead) without a connection");
      c.commit();
    }
    try (var j = PostgresJournal.builder(other).schema(schema).build()) {
      assertThat(j.lead(lead.id())).as("nothing in the other database's journal").isEmpty();
    }
    assertThat(router.journal().lead(lead.id())).isEmpty();
  }

  @Test
  void connectionOnADatabaseWithoutTheSchema_isRefused() throws Exception {
    String otherDb = schema + "_bare";
    PGSimpleDataSource other = newDatabase(otherDb);
    LeadRouter router = routers.start(schema + "-a", new InMemoryLeadSink(), DeliveryPolicy.DEFAULTS);
    try (Connection c = other.getConnection()) {
      c.setAutoCommit(false);
      assertThatThrownBy(() -> router.route(lead(2), c))
          .isInstanceOf(JournalException.class)
          .hasMessageContaining("the connection is on database " + otherDb);
      c.rollback();
    }
  }

  @Test
  void autoCommitConnection_isRefusedWithTheDocumentedMessage_nothingWritten() throws Exception {
    LeadRouter router = routers.start(schema + "-a", new InMemoryLeadSink(), DeliveryPolicy.DEFAULTS);
    try (Connection c = PostgresServer.dataSource("app").getConnection()) {
      assertThatThrownBy(() -> router.route(lead(3), c))
          .isInstanceOf(LeadRouterException.class)
          .hasMessage("the connection is in auto-commit mode, so there is no transaction to enqueue lead lead-3 in:"
              + " call connection.setAutoCommit(false) before route(lead, connection) and commit when your own work"
              + " is done");
    }
    assertThat(router.journal().lead(lead(3).id())).isEmpty();
  }

  /** Committed on another router's database connection: the idle router is woken and delivers it, once. */
  @Test
  void commit_isDeliveredOnce_rollback_never() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = routers.start(schema + "-a", crm, DeliveryPolicy.DEFAULTS);
    try (Connection c = PostgresServer.dataSource("app").getConnection()) {
      c.setAutoCommit(false);
      router.route(lead(4), c);
      c.rollback();
      router.route(lead(5), c);
      c.commit();
    }
    awaitUntil(() -> crm.contains(lead(5).id()), Duration.ofSeconds(30));
    assertThat(crm.deliveryCount(lead(5).id())).isEqualTo(1);
    assertThat(router.journal().lead(lead(4).id())).isEmpty();
    assertThat(crm.contains(lead(4).id())).isFalse();
  }

  /**
   * A lead id in a caller's transaction left open (an outbox write waiting on something, a webhook's retry routed
   * meanwhile): routing the same id on another router waited for that transaction in the journal's writer, so every
   * other {@code route()}, claim and settlement of that router waited with it, for as long as the transaction stayed
   * open. Now that lead is refused after a short wait, saying why; the router's other leads go on; once the
   * transaction committed, the lead routed again is a duplicate, delivered once.
   */
  @Test
  void sameLeadInAnOpenCallerTransaction_doesNotStallAnotherRoutersWriter() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter a = routers.start(schema + "-a", crm, DeliveryPolicy.DEFAULTS);
    LeadRouter b = routers.start(schema + "-b", crm, DeliveryPolicy.DEFAULTS);
    try (Connection c = PostgresServer.dataSource("app").getConnection()) {
      c.setAutoCommit(false);
      a.route(lead(6), c);
      try (OutputCapture log = OutputCapture.start()) {
        CompletableFuture<RoutingReceipt> same = CompletableFuture.supplyAsync(() -> b.route(lead(6)));
        assertThatThrownBy(() -> same.get(30, TimeUnit.SECONDS))
            .cause()
            .isInstanceOf(JournalException.class)
            .hasMessageStartingWith("lead lead-6 was not accepted: another transaction holds a lead of the same id"
                + " and has not ended yet")
            .hasMessageContaining("route it again once that transaction has ended (if it committed, the lead is"
                + " reported as a duplicate)");
        // that lead's refusal, not the journal's: router b still takes leads in (its health check says so)
        assertThat(b.journal().intakeRefused()).as("router b's intake").isEmpty();
        assertThat(log.text()).doesNotContain("refuses new leads");
      }
      assertThat(CompletableFuture.supplyAsync(() -> b.route(lead(7))).get(30, TimeUnit.SECONDS).duplicate())
          .as("another lead, while the transaction is open").isFalse();
      c.commit();
    }
    assertThat(b.route(lead(6)).duplicate()).as("routed again after the commit").isTrue();
    awaitUntil(() -> crm.contains(lead(6).id()) && crm.contains(lead(7).id()), Duration.ofSeconds(30));
    assertThat(crm.deliveryCount(lead(6).id())).isEqualTo(1);
  }

  /**
   * The same lead id routed in two callers' transactions at once, on two routers (a webhook delivered twice): the
   * second waits for the first, as any insert of a key another open transaction holds. The first commits: the second is
   * told it is a duplicate, with the first one's deliveries. The first rolls back: the second keeps the lead. Each
   * lead is delivered once.
   */
  @ParameterizedTest(name = "first transaction commits: {0}")
  @ValueSource(booleans = {true, false})
  void sameLeadInTwoCallersTransactions_onTwoRouters_isKeptOnce(boolean firstCommits) throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter a = routers.start(schema + "-a", crm, DeliveryPolicy.DEFAULTS);
    LeadRouter b = routers.start(schema + "-b", crm, DeliveryPolicy.DEFAULTS);
    Lead lead = lead(firstCommits ? 9 : 10);
    try (Connection first = PostgresServer.dataSource("app-1").getConnection();
        Connection second = PostgresServer.dataSource("app-2").getConnection()) {
      first.setAutoCommit(false);
      second.setAutoCommit(false);
      assertThat(a.route(lead, first).duplicate()).isFalse();
      CompletableFuture<RoutingReceipt> waiting = CompletableFuture.supplyAsync(() -> b.route(lead, second));
      awaitUntil(() -> PostgresServer.waitingForLock("app-2"), Duration.ofSeconds(30));
      if (firstCommits) {
        first.commit();
      } else {
        first.rollback();
      }
      RoutingReceipt receipt = waiting.get(30, TimeUnit.SECONDS);
      second.commit();
      assertThat(receipt.duplicate()).as("the second transaction's lead is a duplicate").isEqualTo(firstCommits);
    }
    awaitUntil(() -> crm.contains(lead.id()), Duration.ofSeconds(30));
    assertThat(a.journal().deliveries(lead.id())).as("one delivery kept").hasSize(1);
    assertThat(crm.deliveryCount(lead.id())).isEqualTo(1);
  }

  /**
   * The application's connection logs in as a user of its own, granted its tables but not the journal's: the
   * insert's bare "permission denied for schema" (or table, or sequence) said nothing of what to grant. Now the error
   * names the connection's user and the grants it needs, and with exactly those the lead is enqueued and delivered.
   */
  @Test
  void callersUserWithoutTheJournalsGrants_isToldWhatToGrant() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = routers.start(schema + "-a", crm, DeliveryPolicy.DEFAULTS);
    String user = schema + "_outbox";
    PostgresServer.execute("CREATE ROLE " + user + " LOGIN");
    PGSimpleDataSource app = PostgresServer.dataSource("app");
    app.setUser(user);
    String grants = "GRANT USAGE ON SCHEMA " + schema + " TO " + user + "; GRANT SELECT, INSERT ON " + schema
        + ".lr_leads, " + schema + ".lr_deliveries TO " + user + "; GRANT USAGE ON SEQUENCE " + schema
        + ".lr_leads_seq_seq, " + schema + ".lr_deliveries_id_seq TO " + user;
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      assertThatThrownBy(() -> router.route(lead(8), c))
          .isInstanceOf(JournalException.class)
          .hasMessageStartingWith("cannot enqueue lead lead-8 in the caller's transaction")
          .hasMessageContaining("permission denied for schema " + schema)
          .hasMessageEndingWith(": the connection's user " + user + " may not write the journal's tables: "
              + grants + " (as the schema's owner), then route the lead in a new transaction");
      c.rollback();
    }
    for (String grant : grants.split("; ")) {
      PostgresServer.execute(grant);
    }
    try (Connection c = app.getConnection()) {
      c.setAutoCommit(false);
      assertThat(router.route(lead(8), c).duplicate()).isFalse();
      c.commit();
    }
    awaitUntil(() -> crm.contains(lead(8).id()), Duration.ofSeconds(30));
  }

  /** A new, empty database on the same server, and a data source on it as user {@code app}. */
  private static PGSimpleDataSource newDatabase(String name) {
    PostgresServer.execute("CREATE DATABASE " + name);
    PGSimpleDataSource source = PostgresServer.dataSource("app");
    source.setDatabaseName(name);
    return source;
  }
}
