package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The server stopped under an idle router and started again: while it is down {@code route()} says the lead was not
 * accepted (and nothing of it is delivered later), no thread of the router spins on the dead server, and once it is
 * back every accepted lead is delivered once, a lead committed in a caller's transaction on another connection
 * included (the {@code LISTEN} connection came back).
 */
@Timeout(180)
class ServerRestartTest {
  @Test
  void serverDown_routeRefusesClearly_noThreadSpins_afterwardsEveryAcceptedLeadDeliveredOnce() throws Exception {
    try (PostgresServer.Own server = PostgresServer.startOwn()) {
      CountingDataSource ds = new CountingDataSource(server.dataSource("restart"));
      InMemoryLeadSink crm = new InMemoryLeadSink();
      LeadRouter router = LeadRouter.builder().journal(PostgresJournal.builder(ds).schema("restart").build())
          .addSink("crm", crm, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build();
      try {
        router.route(lead(1));
        awaitUntil(() -> crm.contains(lead(1).id()), Duration.ofSeconds(30));

        server.stop();
        assertThatThrownBy(() -> router.route(lead(2)))
            .isInstanceOf(LeadRouterException.class)
            .hasMessageStartingWith("lead lead-2 was not accepted: the journal jdbc:postgresql://localhost:"
                + server.port() + "/postgres (schema restart) cannot reach its database (")
            .hasMessageEndingWith("); route it again once the database is back (the journal connects again by"
                + " itself)");
        assertThat(router.journal().intakeRefused()).as("what health checks ask while the server is down")
            .hasValueSatisfying(why -> assertThat(why).contains("restart"));
        int before = ds.connects.get();
        TimeUnit.SECONDS.sleep(4); // the router idles against a dead server: workers, listener, maintenance
        int attempts = ds.connects.get() - before;
        // each of them tries about once a second; a thread retrying without pause would try thousands of times
        assertThat(attempts).as("connection attempts in 4 s while the server is down").isLessThan(60);

        server.start();
        // seen by the journal's own probe, before any lead is routed (a balancer sends none to an unhealthy instance)
        awaitUntil(() -> router.journal().intakeRefused().isEmpty(), Duration.ofSeconds(60));
        SchemaRouters.routeOnceBack(router, lead(3), Duration.ofSeconds(60));
        try (Connection c = server.dataSource("app").getConnection()) {
          c.setAutoCommit(false);
          router.route(lead(4), c);
          c.commit();
        }
        awaitUntil(() -> crm.contains(lead(3).id()) && crm.contains(lead(4).id()), Duration.ofSeconds(60));
        assertThat(crm.deliveryCount(lead(1).id())).isEqualTo(1);
        assertThat(crm.deliveryCount(lead(3).id())).isEqualTo(1);
        assertThat(crm.deliveryCount(lead(4).id())).isEqualTo(1);
        assertThat(router.journal().lead(lead(2).id())).as("refused while the server was down").isEmpty();
        assertThat(crm.contains(lead(2).id())).isFalse();
      } finally {
        router.close(Duration.ofSeconds(5));
      }
    }
  }

  /**
   * The server stopped while a sink's call is under way: the call succeeds, but its result cannot be written while
   * the server is down. The router knows the lead was delivered: once the server is back, the result is recorded and
   * the lead is not delivered again. (Before, the failed settlement was dropped: the delivery stayed in flight until
   * its lease ended and was then delivered a second time.)
   */
  @Test
  void serverStoppedDuringACall_theResultIsRecordedOnceItIsBack_notDeliveredAgain() throws Exception {
    try (PostgresServer.Own server = PostgresServer.startOwn()) {
      InMemoryLeadSink crm = new InMemoryLeadSink();
      GatedSink sink = new GatedSink(crm);
      LeadRouter router = LeadRouter.builder()
          .journal(PostgresJournal.builder(server.dataSource("restart-call")).schema("restart_call").build())
          .addSink("crm", sink, DeliveryPolicy.DEFAULTS).defaultRoute("crm").lease(Duration.ofSeconds(20)).build();
      try {
        router.route(lead(10));
        assertThat(sink.started.await(30, TimeUnit.SECONDS)).as("the call started").isTrue();
        server.stop();
        sink.gate.countDown(); // the call returns a success while the server is down
        awaitUntil(() -> crm.contains(lead(10).id()), Duration.ofSeconds(30));
        TimeUnit.SECONDS.sleep(2); // the first attempts to record it fail meanwhile (not an assertion)
        server.start();
        awaitUntil(() -> delivered(router) == 1L, Duration.ofSeconds(90));
        assertThat(crm.deliveryCount(lead(10).id())).as("calls delivering lead-10").isEqualTo(1);
      } finally {
        router.close(Duration.ofSeconds(5));
      }
    }
  }

  /** The journal's count of delivered leads to crm, or -1 while it cannot be read. */
  private static long delivered(LeadRouter router) {
    try {
      return router.counts().getOrDefault("crm", java.util.Map.of())
          .getOrDefault(io.leadrouter.journal.DeliveryState.DELIVERED, 0L);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  /** A destination whose calls wait for {@link #gate}, then deliver to {@code crm}. */
  private static final class GatedSink extends TestDestination {
    final java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(1);
    final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);
    private final InMemoryLeadSink crm;

    GatedSink(InMemoryLeadSink crm) {
      this.crm = crm;
    }

    @Override
    public io.leadrouter.spi.DeliveryResult deliver(io.leadrouter.Lead lead)
        throws io.leadrouter.spi.DeliveryException {
      started.countDown();
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return crm.deliver(lead);
    }
  }

  /** The server's data source, counting the connections asked of it. */
  private static final class CountingDataSource implements DataSource {
    final AtomicInteger connects = new AtomicInteger();
    private final DataSource target;

    CountingDataSource(DataSource target) {
      this.target = target;
    }

    @Override
    public Connection getConnection() throws SQLException {
      connects.incrementAndGet();
      return target.getConnection();
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      connects.incrementAndGet();
      return target.getConnection(user, password);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      return target.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
      return target.isWrapperFor(iface);
    }
  }
}
