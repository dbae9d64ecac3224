package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.Person;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code erase(person)} on one router while another router holds a delivery of the person's lead. */
@Timeout(90)
class ErasureAcrossRoutersTest {
  private static final Duration WINDOW = Duration.ofMillis(500);

  @RegisterExtension
  final SchemaRouters routers = new SchemaRouters(null, Duration.ofSeconds(2));
  private final String schema = routers.schema();

  /**
   * Router B has claimed a delivery of the person's lead and holds it, waiting for the shared rate limit's permit
   * (likewise for a free slot), when the person is erased elsewhere (another router, {@code leadrouter erase}): B's
   * workers drop only the erasures of their own router, so B sent the erased person's lead to the destination after
   * the erasure's receipt said it was gone. Now a router on a shared journal sends only what is still its claim.
   */
  @Test
  void personErasedElsewhere_whileAnotherRouterHoldsTheirDelivery_isNotSent() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    LeadRouter b = routers.start(schema + "-b", crm, DeliveryPolicy.DEFAULTS.withRateLimit(1, WINDOW));
    // the destination's permits spent until 2100: router b claims lead-2 and waits for one
    long farWindow = 4_102_444_800_000L;
    sql("INSERT INTO " + schema + ".lr_rate_limits VALUES ('crm', " + farWindow + ", 1) ON CONFLICT (destination)"
        + " DO UPDATE SET window_start = EXCLUDED.window_start, used = 1");
    b.route(lead(2));
    awaitUntil(() -> "IN_FLIGHT".equals(state(lead(2).id())), Duration.ofSeconds(30));
    try (LeadJournal elsewhere = PostgresJournal.builder(PostgresServer.dataSource(schema + "-eraser"))
        .schema(schema).build()) {
      assertThat(elsewhere.erase(Person.byLeadId(lead(2).id()), Instant.now()).erasedLeads())
          .containsExactly(lead(2).id());
    }
    sql("UPDATE " + schema + ".lr_rate_limits SET window_start = 0, used = 0");
    // router b takes the next window's permit for lead-2's call, then lead-3 is claimed and takes a later one
    awaitUntil(() -> permitWindow() > 0, Duration.ofSeconds(30));
    b.route(lead(3));
    awaitUntil(() -> crm.contains(lead(3).id()), Duration.ofSeconds(30));
    assertThat(crm.leads()).as("what the destination received").extracting(Lead::id).containsExactly(lead(3).id());
  }

  private long permitWindow() {
    try (Connection c = PostgresServer.dataSource("test").getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT window_start FROM " + schema + ".lr_rate_limits")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sql(String statement) {
    PostgresServer.execute(statement);
  }

  private String state(LeadId id) {
    try (Connection c = PostgresServer.dataSource("test").getConnection(); PreparedStatement ps = c.prepareStatement(
        "SELECT state FROM " + schema + ".lr_deliveries WHERE lead_id = ?")) {
      ps.setString(1, id.value());
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
