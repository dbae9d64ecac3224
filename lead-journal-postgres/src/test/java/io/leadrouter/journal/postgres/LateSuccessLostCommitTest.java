package io.leadrouter.journal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.Settlement;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A late success (a call that hung past its lease did reach the destination) written over the delivery another router
 * took over, and the answer to that write's commit lost: the journal runs the settlement again on a new connection,
 * finds the row already delivered by this very settlement, and must take it as its own write, not refuse it as stale.
 */
@Timeout(120)
class LateSuccessLostCommitTest {
  private static final Instant T0 = Instant.parse("2026-12-04T03:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(1);

  /**
   * Before, the run again found the row DELIVERED (written by its first run) and refused it as a stale settlement:
   * the worker told no DELIVERED and the receipt waited for the receipt check.
   */
  @Test
  void aLateSuccessesCommitAnswerLost_itsRunAgainTakesTheRowAsItsOwnWrite() throws Exception {
    String schema = PostgresServer.newSchema();
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id("late-lost-1").build();
    try (CommitCuttingProxy proxy = new CommitCuttingProxy(PostgresServer.port())) {
      PGSimpleDataSource viaProxy = PostgresServer.dataSource("late-a");
      viaProxy.setPortNumbers(new int[] {proxy.port()});
      viaProxy.setPrepareThreshold(0); // COMMIT's text on the wire: the proxy sees which it cuts
      try (LeadJournal a = PostgresJournal.builder(viaProxy).schema(schema).build();
          LeadJournal b = PostgresJournal.builder(PostgresServer.dataSource("late-b")).schema(schema).build()) {
        a.accept(lead, List.of("crm"), T0);
        ClaimedDelivery first = a.claimDue("crm", T0, 10, LEASE).get(0);
        // router a's call hangs past its lease; router b takes the delivery over and its call fails
        Instant later = T0.plus(LEASE).plusSeconds(30);
        b.reclaimExpiredLeases(later);
        ClaimedDelivery second = b.claimDue("crm", later, 10, LEASE).get(0);
        assertThat(second.leaseEpoch()).isGreaterThan(first.leaseEpoch());
        b.settle(List.of(Settlement.retry(second, later.plusSeconds(60), "503", Optional.empty())), later);
        // now a's call answers: the lead is at the destination
        Instant answered = later.plusSeconds(5);
        proxy.arm();
        List<Settlement> refused = a.settleFencedAsync(List.of(Settlement.delivered(first,
            DeliveryResult.created("rec-1"), answered)), answered).get(30, TimeUnit.SECONDS);
        assertThat(proxy.cuts()).as("the late success's commit answer was lost").isEqualTo(1);
        assertThat(refused).as("refused its own write as stale").isEmpty();
        assertThat(a.deliveries(lead.id())).singleElement()
            .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
      }
    }
  }
}
