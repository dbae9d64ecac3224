package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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
