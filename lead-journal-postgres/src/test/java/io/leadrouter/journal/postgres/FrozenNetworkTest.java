package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The network to the database freezes under a router (its connections neither answer nor close: a vanished host
 * behind a fail-over, a firewall dropping packets). Without a network timeout the journal's writer would wait on its
 * socket for ever and every {@code route()} with it; with the journal's network timeout the frozen connection is
 * given up, a new one made, and the waiting {@code route()} completes; the {@code LISTEN} connection, whose wait for
 * notifications alone would never notice, is checked and replaced as well.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung socket read ignores interrupts
class FrozenNetworkTest {
  @Test
  void connectionsFrozen_routeCompletesAfterTheNetworkTimeout_andTheLeadIsDelivered() throws Exception {
    try (FreezingProxy proxy = new FreezingProxy(PostgresServer.port())) {
      PGSimpleDataSource ds = PostgresServer.dataSource("frozen");
      ds.setPortNumbers(new int[] {proxy.port()});
      InMemoryLeadSink crm = new InMemoryLeadSink();
      LeadRouter router = LeadRouter.builder()
          .journal(PostgresJournal.builder(ds).schema(PostgresServer.newSchema()).networkTimeout(Duration.ofSeconds(5))
              .build())
          .addSink("crm", crm, DeliveryPolicy.DEFAULTS.withRateLimit(1000, Duration.ofSeconds(1)))
          .defaultRoute("crm").build();
      try {
        router.route(lead(1));
        awaitUntil(() -> crm.contains(lead(1).id()), Duration.ofSeconds(30));

        awaitUntil(() -> !ReconnectTest.listeners("frozen").isEmpty(), Duration.ofSeconds(30));
        java.util.Set<Integer> listening = ReconnectTest.listeners("frozen");
        proxy.freeze();
        CompletableFuture<Void> routed = CompletableFuture.runAsync(() -> router.route(lead(2)));
        routed.get(60, TimeUnit.SECONDS); // accepted on a new connection after the frozen one timed out
        awaitUntil(() -> crm.contains(lead(2).id()), Duration.ofSeconds(60));
        assertThat(crm.deliveryCount(lead(2).id())).isEqualTo(1);
        // the LISTEN connection's periodic check timed out too: it listens again on a new connection
        awaitUntil(() -> ReconnectTest.listeners("frozen").stream().anyMatch(pid -> !listening.contains(pid)),
            Duration.ofSeconds(60));
      } finally {
        router.close(Duration.ofSeconds(5));
      }
    }
  }
}
