package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.journal.JournalException;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A server (or the proxy in front of it) that accepts TCP connections and never answers, with the application's own
 * DataSource, which sets no login timeout (the driver's default: none). The journal bounds every connect by its
 * network timeout: opening fails, and {@code route()} says the lead was not accepted, instead of waiting for ever.
 */
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung socket read ignores interrupts
@Tag("slow") // about 17 s: run by -Pslow, which CI runs after the main build
class StalledServerTest {
  private static final Duration NETWORK_TIMEOUT = Duration.ofSeconds(3);

  private static PGSimpleDataSource through(FreezingProxy proxy, String name) {
    PGSimpleDataSource ds = PostgresServer.dataSource(name); // no loginTimeout: the driver waits for ever by default
    ds.setPortNumbers(new int[] {proxy.port()});
    return ds;
  }

  @Test
  void open_onAStalledServer_failsWithinTheNetworkTimeout_namingWhatToCheck() throws Exception {
    try (FreezingProxy proxy = new FreezingProxy(PostgresServer.port())) {
      proxy.stall();
      CompletableFuture<Void> opening = CompletableFuture.runAsync(() ->
          PostgresJournal.builder(through(proxy, "stalled-open")).schema(PostgresServer.newSchema())
              .networkTimeout(NETWORK_TIMEOUT).build().close());
      assertThat(opening).failsWithin(60, TimeUnit.SECONDS).withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause()
          .isInstanceOf(JournalException.class)
          .withMessageStartingWith("cannot connect to the PostgreSQL journal's database postgres on localhost:"
              + proxy.port() + " as postgres: the server accepted the connection but did not complete the login within"
              + " the journal's networkTimeout (3000 ms) (check that the server is up and not hung");
    }
  }

  @Test
  void serverStallsUnderARouter_routeSaysNotAccepted_thenRecovers_eachLeadOnce() throws Exception {
    try (FreezingProxy proxy = new FreezingProxy(PostgresServer.port())) {
      InMemoryLeadSink crm = new InMemoryLeadSink();
      LeadRouter router = LeadRouter.builder()
          .journal(PostgresJournal.builder(through(proxy, "stalled-run")).schema(PostgresServer.newSchema())
              .networkTimeout(NETWORK_TIMEOUT).build())
          .addSink("crm", crm, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build();
      try {
        router.route(lead(1));
        awaitUntil(() -> crm.contains(lead(1).id()), Duration.ofSeconds(30));

        proxy.stall(); // the writer's connection freezes, and every new connection hangs at its login
        CompletableFuture<Void> routed = CompletableFuture.runAsync(() -> router.route(lead(2)));
        assertThat(routed).failsWithin(60, TimeUnit.SECONDS)
            .withThrowableOfType(java.util.concurrent.ExecutionException.class).havingCause()
            .isInstanceOf(LeadRouterException.class)
            .withMessageStartingWith("lead lead-2 was not accepted: the journal ")
            .withMessageContaining("cannot reach its database");

        proxy.resume();
        SchemaRouters.routeOnceBack(router, lead(2), Duration.ofSeconds(60));
        awaitUntil(() -> crm.contains(lead(2).id()), Duration.ofSeconds(60));
        assertThat(crm.deliveryCount(lead(1).id())).isEqualTo(1);
        assertThat(crm.deliveryCount(lead(2).id())).isEqualTo(1);
      } finally {
        router.close(Duration.ofSeconds(5));
      }
    }
  }
}
