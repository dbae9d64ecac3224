package io.leadrouter.journal.postgres;

import static io.leadrouter.journal.postgres.SchemaRouters.lead;
import static io.leadrouter.journal.postgres.Waits.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.OutputCapture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The connection lost between the server's commit and its answer (a loopback proxy lets the COMMIT through, drops
 * the answer and closes the connection). The journal runs the transaction again on a new connection; what it then
 * finds is its own write, and must be treated so.
 */
@Timeout(120)
class LostCommitAnswerTest {

  private static LeadRouter router(CommitCuttingProxy proxy, InMemoryLeadSink crm, List<LeadEvent> events,
      Runnable inCall) {
    PGSimpleDataSource ds = PostgresServer.dataSource("lost-commit");
    ds.setPortNumbers(new int[] {proxy.port()});
    ds.setPrepareThreshold(0); // every statement's text on the wire, COMMIT's too: the proxy sees which it cuts
    return LeadRouter.builder()
        .journal(PostgresJournal.builder(ds).schema(PostgresServer.newSchema()).build())
        .addSink("crm", new io.leadrouter.testkit.ForwardingLeadSink(crm) {
          @Override
          public DeliveryResult deliver(io.leadrouter.Lead lead) throws io.leadrouter.spi.DeliveryException {
            inCall.run();
            return super.deliver(lead);
          }
        }, DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").listener(events::add).build();
  }

  /**
   * Before, the settlement run again was refused as stale (the row was no longer in flight: it had been written by
   * this very settlement), so the DELIVERED event was never told and the receipt waited for the receipt check.
   */
  @Test
  void theSettlementsCommitAnswerLost_theDeliveryIsToldOnce_notRefusedAsStale() throws Exception {
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    InMemoryLeadSink crm = new InMemoryLeadSink();
    try (OutputCapture out = OutputCapture.start(); CommitCuttingProxy proxy = new CommitCuttingProxy(
        PostgresServer.port())) {
      LeadRouter router = router(proxy, crm, events, proxy::arm); // the settlement is the next commit
      try {
        RoutingReceipt receipt = router.route(lead(1));
        assertThat(receipt.allDelivered().get(20, TimeUnit.SECONDS)).containsKey("crm");
        awaitUntil(() -> events.stream().anyMatch(e -> e.type() == LeadEvent.Type.DELIVERED), Duration.ofSeconds(20));
        assertThat(proxy.cuts()).as("the settlement's commit answer was lost").isEqualTo(1);
        assertThat(router.journal().deliveries(lead(1).id())).singleElement()
            .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
        assertThat(crm.deliveryCount(lead(1).id())).isEqualTo(1);
        assertThat(out.text()).doesNotContain("refused a stale settlement");
      } finally {
        router.close(Duration.ofSeconds(5));
      }
    }
  }

  /**
   * route()'s own commit answer lost: the accept runs again on a new connection and finds the lead it just wrote.
   */
  @Test
  void theAcceptsCommitAnswerLost_routeSaysAccepted_andTheLeadIsDeliveredOnceWithoutWaitingALease() throws Exception {
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    InMemoryLeadSink crm = new InMemoryLeadSink();
    try (CommitCuttingProxy proxy = new CommitCuttingProxy(PostgresServer.port())) {
      LeadRouter router = router(proxy, crm, events, () -> { });
      try {
        router.route(lead(0)).allDelivered().get(20, TimeUnit.SECONDS); // connected, listening, settled
        proxy.arm();
        RoutingReceipt receipt = router.route(lead(1));
        assertThat(proxy.cuts()).as("the accept's commit answer was lost").isEqualTo(1);
        assertThat(receipt.duplicate()).as("this call stored the lead: not a duplicate of an earlier one").isFalse();
        assertThat(receipt.allDelivered().get(30, TimeUnit.SECONDS)).containsKey("crm");
        assertThat(crm.deliveryCount(lead(1).id())).isEqualTo(1);
        assertThat(events).filteredOn(e -> e.leadId().equals(lead(1).id()))
            .extracting(LeadEvent::type).startsWith(LeadEvent.Type.ACCEPTED);
      } finally {
        router.close(Duration.ofSeconds(5));
      }
    }
  }
}
