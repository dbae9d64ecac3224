package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.postgres.internal.PostgresDialect;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A journal an older LeadRouter wrote (its schema at version 1, the first, 6, or 7, the last whose deliveries were
 * keyed by the lead id's text), holding a pending lead: three routers of this version start on it at once. One migrates it (the others wait for the schema
 * lock), the version is recorded once, and the pending lead is delivered once.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class OldJournalTest {
  /** The schema version of this LeadRouter ({@code JournalSchema.VERSION}). */
  private static final int VERSION;

  static {
    try {
      VERSION = internal("JournalSchema").getField("VERSION").getInt(null);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * One of core's internal journal classes ({@code JournalSchema}, {@code LeadPayload}), reached by reflection: the
   * tests compile against the modules, and core exports them to none; they run on the class path.
   */
  private static Class<?> internal(String name) throws ClassNotFoundException {
    return Class.forName("io.leadrouter.internal.journal." + name);
  }

  /** Calls a static method of {@link #internal} class {@code type}. */
  private static Object core(String type, String method, Class<?>[] parameters, Object... arguments) {
    try {
      return internal(type).getMethod(method, parameters).invoke(null, arguments);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<String> migration(int version, String schema) {
    return (List<String>) core("JournalSchema", "migration", new Class<?>[] {int.class,
        io.leadrouter.journal.spi.SqlDialect.class}, version, new PostgresDialect(schema));
  }

  @ParameterizedTest(name = "schema version {0}")
  @ValueSource(ints = {1, 6, 7})
  void olderJournal_threeRoutersStartAtOnce_migratedOnce_itsPendingLeadDeliveredOnce(int version) throws Exception {
    assertThat(version).as("an older version than this one's").isLessThan(VERSION);
    String schema = PostgresServer.newSchema();
    Lead pending = lead(7);
    writeOldJournal(schema, version, pending);
    InMemoryLeadSink crm = new InMemoryLeadSink();
    List<CompletableFuture<LeadRouter>> starting = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      starting.add(CompletableFuture.supplyAsync(() -> LeadRouter.builder()
          .journal(PostgresJournal.builder(PostgresServer.dataSource(schema + "-router")).schema(schema).build())
          .addSink("crm", crm, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()));
    }
    List<LeadRouter> routers = new ArrayList<>();
    try {
      for (CompletableFuture<LeadRouter> f : starting) {
        routers.add(f.get(60, TimeUnit.SECONDS));
      }
      awaitUntil(() -> crm.contains(pending.id()), Duration.ofSeconds(30));
      routers.get(1).route(lead(8)); // and the migrated journal takes new leads
      awaitUntil(() -> crm.contains(lead(8).id()), Duration.ofSeconds(30));
      assertThat(crm.deliveryCount(pending.id())).isEqualTo(1);
      assertThat(routers.get(2).route(pending).duplicate()).as("the old lead routed again").isTrue();
      assertThat(versions(schema)).as("lr_schema").containsExactly(VERSION);
    } finally {
      routers.forEach(r -> r.close(Duration.ofSeconds(5)));
    }
  }

  /**
   * A rolling upgrade: a router of the previous version (schema 7) still runs, as a least-privilege user granted the
   * tables and sequences before, while a router of this version upgrades the schema. The older router's accepts (its
   * statements, word for word: the writer's, and the caller's transaction's, which qualifies the tables) insert
   * deliveries without their lead's sequence number, and their leads take one from the new sequence: both were
   * refused ("null value in column lead_seq", "permission denied for sequence lr_leads_seq_seq"), so every
   * {@code route()} of every older router failed from the upgrade until that router was replaced. The upgrade now fills
   * the number in for them and grants the new sequence to whoever could use the old one: their leads are delivered,
   * once, and the same user opens this version's journal without a new grant.
   */
  @Test
  void routerOfVersion7StillRunning_keepsAcceptingAfterTheUpgrade() throws Exception {
    String schema = PostgresServer.newSchema();
    String user = schema + "_v7";
    PGSimpleDataSource olderRouter = version7WithRuntimeUser(schema, user);
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter router = LeadRouter.builder()
        .journal(PostgresJournal.builder(PostgresServer.dataSource(schema + "-router")).schema(schema).build())
        .addSink("crm", crm, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build();
    try {
      try (Connection c = olderRouter.getConnection()) {
        c.setAutoCommit(false);
        acceptAsVersion7(c, schema + ".", lead(8), "INSERT INTO " + schema + ".lr_deliveries (lead_id, destination,"
            + " state, attempts, due_at, accepted_at, retry_since, updated_at, order_key)"
            + " VALUES (?, 'crm', 'PENDING', 0, ?, ?, ?, ?, NULL)"); // the caller's transaction's insert
        c.commit();
        c.setSchema(schema);
        acceptAsVersion7(c, "", lead(9), "INSERT INTO lr_deliveries (lead_id, destination, state, attempts, due_at,"
            + " lease_until, accepted_at, retry_since, updated_at, lease_owner, lease_epoch, order_key)"
            + " VALUES (?, 'crm', 'PENDING', 0, ?, NULL, ?, ?, ?, NULL, 0, NULL) RETURNING id, lead_id, destination");
        c.commit();
      }
      awaitUntil(() -> crm.contains(lead(7).id()) && crm.contains(lead(8).id()) && crm.contains(lead(9).id()),
          Duration.ofSeconds(30));
      assertThat(router.route(lead(9)).duplicate()).as("the older router's lead routed again").isTrue();
      for (int i = 7; i <= 9; i++) {
        assertThat(crm.deliveryCount(lead(i).id())).as("deliveries of lead-" + i).isEqualTo(1);
      }
      PostgresJournal.builder(olderRouter).schema(schema).build().close();
    } finally {
      router.close(Duration.ofSeconds(5));
    }
  }

  /**
   * A version-7 journal whose tables a DBA's role owns, opened by this version as the runtime user, granted CREATE on
   * the schema besides its tables and sequences: the upgrade alters the tables, which only their owner may. The
   * message said to open it as the schema's owner "or GRANT CREATE ON SCHEMA" to the user, which it had already; now
   * it names the tables' owner to open it as once.
   */
  @Test
  void upgradeOpenedByAUserWhoDoesNotOwnTheTables_namesTheOwnerToOpenItAs() throws Exception {
    String schema = PostgresServer.newSchema();
    String user = schema + "_rt";
    PGSimpleDataSource runtime = version7WithRuntimeUser(schema, user);
    PostgresServer.execute("GRANT CREATE ON SCHEMA " + schema + " TO " + user);
    assertThatThrownBy(() -> PostgresJournal.builder(runtime).schema(schema).build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("the journal's tables need creating or migrating to this version, which user " + user
            + " may not do (ERROR: must be owner of table lr_leads)")
        .hasMessageEndingWith(": open it once with this version as the owner of the journal's tables, postgres (or a"
            + " superuser); user " + user + " can then use it with the privileges it has");
    assertThat(versions(schema)).as("left at version 7").containsExactly(7);
    PostgresJournal.builder(PostgresServer.dataSource("owner")).schema(schema).build().close(); // as the message says
    PostgresJournal.builder(runtime).schema(schema).build().close();
  }

  /**
   * A version-7 journal in {@code schema} (lead-7 pending) owned by the superuser, and a data source logging in as
   * {@code user}, a new role granted what a runtime user needs on it.
   */
  private static PGSimpleDataSource version7WithRuntimeUser(String schema, String user) throws SQLException {
    writeOldJournal(schema, 7, lead(7));
    PostgresServer.execute("CREATE ROLE " + user + " LOGIN");
    PostgresServer.grantRuntime(schema, user);
    PGSimpleDataSource source = PostgresServer.dataSource(user);
    source.setUser(user);
    return source;
  }

  /** Accepts {@code lead} with a version-7 router's statements: its lead insert, then {@code deliveryInsert}. */
  private static void acceptAsVersion7(Connection c, String prefix, Lead lead, String deliveryInsert)
      throws SQLException {
    long t = System.currentTimeMillis();
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + prefix + "lr_leads (lead_id, payload,"
        + " accepted_at, trace_context) VALUES (?, ?, ?, ?) ON CONFLICT (lead_id) DO NOTHING")) {
      ps.setString(1, lead.id().value());
      ps.setBytes(2, (byte[]) core("LeadPayload", "encode", new Class<?>[] {Lead.class}, lead));
      ps.setLong(3, t);
      ps.setString(4, null);
      assertThat(ps.executeUpdate()).isEqualTo(1);
    }
    try (PreparedStatement ps = c.prepareStatement(deliveryInsert)) {
      ps.setString(1, lead.id().value());
      for (int i = 2; i <= 5; i++) {
        ps.setLong(i, t);
      }
      ps.execute();
    }
  }

  /** Writes a journal of schema {@code version} in {@code schema}, as an older LeadRouter left it, with one lead pending. */
  private static void writeOldJournal(String schema, int version, Lead pending) throws SQLException {
    try (Connection c = PostgresServer.dataSource("old-version").getConnection(); Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
      c.setSchema(schema);
      for (int v = 1; v <= version; v++) { // what the older LeadRouter's migrations left
        for (String ddl : migration(v, schema)) {
          s.execute(ddl);
        }
      }
      s.execute("INSERT INTO lr_schema (version) VALUES (" + version + ")");
      long t = System.currentTimeMillis();
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO lr_leads (lead_id, payload, accepted_at)"
          + " VALUES (?, ?, ?)")) {
        ps.setString(1, pending.id().value());
        ps.setBytes(2, (byte[]) core("LeadPayload", "encode", new Class<?>[] {Lead.class}, pending));
        ps.setLong(3, t);
        ps.execute();
      }
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO lr_deliveries (lead_id, destination, state,"
          + " attempts, due_at, accepted_at, retry_since, updated_at) VALUES (?, 'crm', 'PENDING', 0, ?, ?, ?, ?)")) {
        ps.setString(1, pending.id().value());
        for (int i = 2; i <= 5; i++) {
          ps.setLong(i, t);
        }
        ps.execute();
      }
    }
  }

  private static List<Integer> versions(String schema) throws SQLException {
    List<Integer> versions = new ArrayList<>();
    try (Connection c = PostgresServer.dataSource("old-version").getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version FROM " + schema + ".lr_schema")) {
      while (rs.next()) {
        versions.add(rs.getInt(1));
      }
    }
    return versions;
  }
}
