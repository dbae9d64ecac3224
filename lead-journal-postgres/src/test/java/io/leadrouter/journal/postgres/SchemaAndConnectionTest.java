package io.leadrouter.journal.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Opening the journal on a database it cannot use as it is: a user with only the schema's grants, a user lacking
 * privileges, a schema changed by hand, a wrong password, a host that does not resolve or does not answer, a URL with
 * a password. Each is refused with what to fix, and never shows the password.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung socket read ignores interrupts
class SchemaAndConnectionTest {
  private static final String SECRET = "s3cret-Pw-4711";
  private final String schema = PostgresServer.newSchema();

  private static Lead lead(String id) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(id).build();
  }

  private LeadJournal openAsOwner() {
    return PostgresJournal.builder(PostgresServer.dataSource("schema-test")).schema(schema).build();
  }

  /** A login role of its own (no privileges beyond PUBLIC's) and a data source logging in as it. */
  private PGSimpleDataSource role(String name) {
    PostgresServer.execute("CREATE ROLE " + name + " LOGIN");
    PGSimpleDataSource ds = PostgresServer.dataSource("schema-test");
    ds.setUser(name);
    return ds;
  }

  @Test
  void userWithTheSchemasGrantsOnly_opensAnExistingJournal_andRoutes() {
    openAsOwner().close();
    String user = schema + "_app";
    PGSimpleDataSource app = role(user); // no CREATE on the database: CREATE SCHEMA IF NOT EXISTS would be refused
    PostgresServer.grantRuntime(schema, user);
    try (LeadJournal j = PostgresJournal.builder(app).schema(schema).build()) {
      j.accept(lead("least-privilege"), List.of("crm"), Instant.now());
      assertThat(j.lead(lead("least-privilege").id())).isPresent();
    }
  }

  @Test
  void userWithoutCreateOnTheDatabase_newSchema_isToldWhatToGrant() {
    String user = schema + "_nocreate";
    PGSimpleDataSource app = role(user);
    assertThatThrownBy(() -> PostgresJournal.builder(app).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageStartingWith("cannot create the journal's schema " + schema + " in database postgres: ")
        .hasMessageContaining("permission denied for database postgres")
        .hasMessageEndingWith("(user " + user + " lacks CREATE on the database): create it once as a privileged user"
            + " (CREATE SCHEMA " + schema + " AUTHORIZATION " + user + "), or GRANT CREATE ON DATABASE postgres TO "
            + user);
  }

  @Test
  void userWithoutUsageOnTheSchema_isToldWhatToGrant() {
    openAsOwner().close();
    String user = schema + "_nousage";
    PGSimpleDataSource app = role(user);
    assertThatThrownBy(() -> PostgresJournal.builder(app).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageEndingWith(": user " + user + " may not use schema " + schema + " (no USAGE privilege): GRANT USAGE"
            + " ON SCHEMA " + schema + " TO " + user);
  }

  @Test
  void userWithoutTablePrivileges_isToldWhatToGrant() {
    openAsOwner().close();
    String user = schema + "_notables";
    PGSimpleDataSource app = role(user);
    PostgresServer.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + user);
    PostgresServer.execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + user);
    assertThatThrownBy(() -> PostgresJournal.builder(app).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("user " + user + " may not read and write the journal's tables: no privilege on ")
        .hasMessageContaining("lr_deliveries (INSERT)")
        .hasMessageEndingWith(": GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO "
            + user + "; GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + user);
  }

  @Test
  void userWithoutUsageOnASequence_isToldWhatToGrant_atOpen() {
    openAsOwner().close();
    String user = schema + "_noseq";
    PGSimpleDataSource app = role(user);
    PostgresServer.grantRuntime(schema, user);
    // as on a schema a DBA granted before an upgrade added a sequence (schema version 8: lr_leads.seq), if the
    // upgrade could not grant it (it grants the new sequence to whoever had the others)
    PostgresServer.execute("REVOKE USAGE ON SEQUENCE " + schema + ".lr_leads_seq_seq FROM " + user);
    assertThatThrownBy(() -> PostgresJournal.builder(app).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("user " + user + " may not read and write the journal's tables: no privilege on"
            + " lr_leads_seq_seq (USAGE): GRANT")
        .hasMessageEndingWith("; GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + user);
  }

  @Test
  void userWithoutCreateOnAnEmptySchema_isToldWhatToGrant() {
    PostgresServer.execute("CREATE SCHEMA " + schema);
    String user = schema + "_usageonly";
    PGSimpleDataSource app = role(user);
    PostgresServer.execute("GRANT USAGE ON SCHEMA " + schema + " TO " + user);
    assertThatThrownBy(() -> PostgresJournal.builder(app).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageEndingWith(": schema " + schema + " holds no journal yet and user " + user + " may not create its"
            + " tables (no CREATE privilege on the schema): GRANT CREATE ON SCHEMA " + schema + " TO " + user
            + ", or open it once as the schema's owner");
  }

  /**
   * A schema changed by hand (its version table emptied or dropped, a table missing behind a current version, or an
   * older version recorded over newer tables): refused at open, not at first use, saying what was found and what to do.
   */
  @ParameterizedTest(name = "{0}")
  @MethodSource("handChangedSchemas")
  void handChangedSchema_isRefusedAtOpen_withWhatToDo(String change, String damage, String finding) {
    openAsOwner().close();
    PostgresServer.execute(damage.formatted(schema));
    assertThatThrownBy(this::openAsOwner)
        .isInstanceOf(JournalException.class)
        .hasMessageContaining(finding)
        .hasMessageEndingWith("restore schema " + schema + " from a backup, or, if it holds nothing to keep, drop it"
            + " (DROP SCHEMA " + schema + " CASCADE) to start an empty journal, or choose another schema")
        .hasMessageNotContaining("move it away"); // the SQLite journal's advice
  }

  static Stream<Arguments> handChangedSchemas() {
    return Stream.of(
        Arguments.of("version table emptied", "DELETE FROM %s.lr_schema",
            "is not a LeadRouter journal in a state this version can open: its lr_schema table records no version"),
        Arguments.of("version table dropped", "DROP TABLE %s.lr_schema",
            "but no lr_schema, the table recording their version"),
        Arguments.of("a table missing behind a current version", "DROP TABLE %s.lr_counters",
            "its lr_schema records a version whose tables are not all there (missing: lr_counters)"),
        // version 6 recorded, but version 7's table is there: the migration to 7 cannot create it again
        Arguments.of("half migrated: an older version recorded over newer tables",
            "UPDATE %s.lr_schema SET version = 6", "migrating it failed (ERROR: relation \"lr_counters\" already"
            + " exists): its tables do not match the version its lr_schema records"));
  }

  @Test
  void wrongPassword_namesDatabaseHostAndUser_neverThePassword() throws Exception {
    String user = schema + "_pw";
    PostgresServer.execute("CREATE ROLE " + user + " LOGIN PASSWORD 'the-right-one'");
    requirePasswordFor(user);
    PGSimpleDataSource ds = PostgresServer.dataSource("schema-test");
    ds.setUser(user);
    ds.setPassword(SECRET);
    assertThatThrownBy(() -> PostgresJournal.builder(ds).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessage("cannot connect to the PostgreSQL journal's database postgres on localhost:"
            + PostgresServer.port() + " as " + user + ": FATAL: password authentication failed for user \"" + user
            + "\" (check the user and the password given to the DataSource (the password is not shown))")
        .satisfies(e -> assertThat(chain(e)).doesNotContain(SECRET));
  }

  @Test
  void unknownHost_failsFast_namingTheHost() {
    PGSimpleDataSource ds = PostgresJournalProvider.dataSource("postgresql://no-such-host.invalid:5432/sales",
        Optional.of("leadrouter"));
    long start = System.nanoTime();
    assertThatThrownBy(() -> PostgresJournal.using(ds))
        .isInstanceOf(JournalException.class)
        .hasMessage("cannot connect to the PostgreSQL journal's database sales on no-such-host.invalid:5432 as"
            + " leadrouter: the host name does not resolve (check the host name in the URL)");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(30));
  }

  @Test
  void refusedPort_namesHostAndPort() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    PGSimpleDataSource ds = PostgresJournalProvider.dataSource("postgresql://127.0.0.1:" + closed + "/sales",
        Optional.empty());
    assertThatThrownBy(() -> PostgresJournal.using(ds))
        .isInstanceOf(JournalException.class)
        .hasMessageStartingWith("cannot connect to the PostgreSQL journal's database sales on 127.0.0.1:" + closed
            + ": Connection to 127.0.0.1:" + closed + " refused.")
        .hasMessageEndingWith("(check the host and port in the URL, that the server is up and accepts TCP"
            + " connections from here, and that no firewall drops them)");
  }

  /**
   * A server that accepts the connection and never answers (a hung server, a proxy with no backend): the driver's
   * defaults wait for its answer for ever; the provider's data source gets a login timeout, so opening fails within
   * it.
   */
  @Test
  void serverThatNeverAnswers_failsWithinTheLoginTimeout() throws Exception {
    List<Socket> held = new CopyOnWriteArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        while (!silent.isClosed()) {
          try {
            held.add(silent.accept()); // read nothing, answer nothing
          } catch (IOException e) {
            return;
          }
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      PGSimpleDataSource ds = PostgresJournalProvider.dataSource("postgresql://127.0.0.1:" + silent.getLocalPort()
          + "/sales", Optional.of("leadrouter"));
      long start = System.nanoTime();
      assertThatThrownBy(() -> PostgresJournal.using(ds))
          .isInstanceOf(JournalException.class)
          .hasMessageStartingWith("cannot connect to the PostgreSQL journal's database sales on 127.0.0.1:"
              + silent.getLocalPort() + " as leadrouter: ")
          .hasMessageContaining("timed out");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(60));
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }

  @Test
  void jdbcUrlWithUserAndPassword_isRefused_withoutShowingThePassword() {
    String url = "jdbc:postgresql://leadrouter:" + SECRET + "@localhost:" + PostgresServer.port() + "/postgres";
    assertThatThrownBy(() -> PostgresJournalProvider.dataSource(url, Optional.empty()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("journal.url: holds user information (user@ or user:password@)")
        .satisfies(e -> assertThat(chain(e)).doesNotContain(SECRET));
  }

  @Test
  void dataSourceWithUserInfoInItsUrl_failureShowsNoPassword() {
    PGSimpleDataSource ds = new PGSimpleDataSource(); // the application's own, not through the provider
    ds.setURL("jdbc:postgresql://leadrouter:" + SECRET + "@localhost:" + PostgresServer.port() + "/postgres");
    assertThatThrownBy(() -> PostgresJournal.using(ds))
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("remove user:password@ from the URL")
        .satisfies(e -> assertThat(chain(e)).doesNotContain(SECRET));
  }

  @Test
  void passwordInTheDataSourcesUrlQuery_isInNoMessageOfTheJournal() throws Exception {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL("jdbc:postgresql://localhost:" + PostgresServer.port() + "/postgres?user=postgres&password=" + SECRET);
    try (LeadJournal j = PostgresJournal.builder(ds).schema(schema).build()) {
      assertThat(j.toString()).contains("schema " + schema).doesNotContain(SECRET);
      // a failure inside a caller's transaction names the journal: still without the password
      try (Connection c = PostgresServer.dataSource("app").getConnection()) {
        c.setAutoCommit(false);
        try (Statement s = c.createStatement()) {
          s.execute("SELECT 1/0");
        } catch (java.sql.SQLException expected) {
          // the transaction is aborted now
        }
        assertThatThrownBy(() -> j.acceptInTransaction(c, lead("x"), List.of("crm"), Instant.now()))
            .isInstanceOf(JournalException.class)
            .satisfies(e -> assertThat(chain(e)).doesNotContain(SECRET));
        c.rollback();
      }
    }
  }

  /** Every message of the exception and its causes, with stack traces, as a log would show them. */
  private static String chain(Throwable e) {
    java.io.StringWriter w = new java.io.StringWriter();
    e.printStackTrace(new java.io.PrintWriter(w));
    return w.toString();
  }

  /** Makes the server ask {@code user} for a password (the test server trusts everyone else). */
  private static void requirePasswordFor(String user) throws Exception {
    Path hba;
    try (Connection c = PostgresServer.dataSource("admin").getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SHOW hba_file")) {
      rs.next();
      hba = Path.of(rs.getString(1));
    }
    List<String> lines = new ArrayList<>(List.of("host all " + user + " 127.0.0.1/32 scram-sha-256",
        "host all " + user + " ::1/128 scram-sha-256"));
    lines.addAll(Files.readAllLines(hba, StandardCharsets.UTF_8));
    Files.write(hba, lines, StandardCharsets.UTF_8);
    PostgresServer.execute("SELECT pg_reload_conf()");
    PGSimpleDataSource probe = PostgresServer.dataSource("schema-test");
    probe.setUser(user);
    Waits.awaitUntil(() -> { // the postmaster reloads its configuration on a signal, a moment later
      try (Connection c = probe.getConnection()) {
        return false;
      } catch (java.sql.SQLException e) {
        return true;
      }
    }, Duration.ofSeconds(20));
  }
}
