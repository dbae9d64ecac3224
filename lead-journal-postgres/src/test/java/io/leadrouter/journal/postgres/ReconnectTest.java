package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A router's sessions ended by the server ({@code pg_terminate_backend}, as a restart or fail-over does): the writer,
 * the {@code LISTEN} connection and the shared rate limiter's connection each come back, and no lead waits for a
 * lease to end because of it. The router's lease is the default (5 minutes), so a lead left in flight by a broken
 * connection would not arrive within these tests' waits.
 */
@Timeout(120)
class ReconnectTest {
  @RegisterExtension
  final SchemaRouters routers = new SchemaRouters(null, Duration.ofSeconds(2));
  private final String schema = routers.schema();

  @Test
  void listenConnectionEnded_listensAgain_andACommitElsewhereIsStillAnnounced() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    String name = schema + "-listener";
    LeadRouter router = routers.start(name, crm, DeliveryPolicy.DEFAULTS);
    awaitUntil(() -> !listeners(name).isEmpty(), Duration.ofSeconds(30));
    Set<Integer> before = listeners(name);

    PostgresServer.killSessions(name);

    awaitUntil(() -> {
      Set<Integer> now = listeners(name);
      return !now.isEmpty() && now.stream().noneMatch(before::contains);
    }, Duration.ofSeconds(30));
    Lead lead = lead(1);
    try (Connection c = PostgresServer.dataSource("app").getConnection()) {
      c.setAutoCommit(false);
      router.route(lead, c);
      c.commit();
    }
    awaitUntil(() -> crm.contains(lead.id()), Duration.ofSeconds(30));
    assertThat(crm.deliveryCount(lead.id())).isEqualTo(1);
  }

  @Test
  void rateLimitersConnectionEnded_theNextLeadIsDeliveredAtOnce_notAfterTheLease() throws Exception {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    String name = schema + "-limited";
    LeadRouter router = routers.start(name, crm, DeliveryPolicy.DEFAULTS.withRateLimit(1000, Duration.ofSeconds(1)));
    router.route(lead(1));
    awaitUntil(() -> crm.contains(lead(1).id()), Duration.ofSeconds(30)); // the limiter's connection is open now

    PostgresServer.killSessions(name); // writer, listener and limiter

    router.route(lead(2));
    router.route(lead(3));
    awaitUntil(() -> crm.contains(lead(2).id()) && crm.contains(lead(3).id()), Duration.ofSeconds(45));
    assertThat(crm.deliveryCount(lead(2).id())).isEqualTo(1);
    assertThat(crm.deliveryCount(lead(3).id())).isEqualTo(1);
  }

  /** The server processes of {@code name}'s sessions whose last statement was a LISTEN. */
  static Set<Integer> listeners(String name) {
    Set<Integer> pids = new HashSet<>();
    try (Connection c = PostgresServer.dataSource("admin").getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ?"
            + " AND query LIKE 'LISTEN%'")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          pids.add(rs.getInt(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return pids;
  }
}
