package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination slower than the lease. Its calls' leases are renewed while they run, so the lead is not claimed
 * again mid-call and sent twice (a 2.5 s call under a 1 s lease was sent 7 times); a call hung for four leases is
 * no longer covered, so a sink that never returns cannot hold its lead forever.
 */
@Timeout(60)
class SlowCallLeaseTest {
  @TempDir Path dir;

  @Test
  void aCallLongerThanTheLease_isSentOnce_andTheLogSaysTheCallOutlastedTheLease() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    String log;
    try (OutputCapture out = OutputCapture.start()) {
      try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("journal.db")))
          .lease(Duration.ofSeconds(1))
          .addSink("crm", TestSinks.of(SinkCapabilities.builder().build(), lead -> {
            calls.incrementAndGet();
            TestSinks.take(Duration.ofMillis(2_500));
            return DeliveryResult.created(lead.id().value());
          }), DeliveryPolicy.DEFAULTS)
          .defaultRoute("crm").build()) {
        io.leadrouter.RoutingReceipt receipt = router.route(SampleLeads.azureMarketplaceInstall());
        receipt.allDelivered().get(30, TimeUnit.SECONDS);
        TestSinks.take(Duration.ofMillis(2_000)); // a second claim would come within one more lease
        assertThat(router.journal().deliveries(receipt.leadId())).singleElement()
            .satisfies(r -> assertThat(r.state()).isEqualTo(io.leadrouter.journal.DeliveryState.DELIVERED));
      }
      log = out.text();
    }
    assertThat(calls).as("one call for one lead").hasValue(1);
    assertThat(log).contains("destination 'crm': a call has run for longer than the 1 s lease")
        .doesNotContain("refused a stale settlement");
  }

  @Test
  void aCallHungForFourLeases_itsLeadIsClaimedAgainAndDelivered() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    String log;
    try (OutputCapture out = OutputCapture.start()) {
      try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("journal.db")))
          .lease(Duration.ofSeconds(1))
          .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(2).build(), lead -> {
            if (calls.incrementAndGet() == 1) {
              try {
                release.await(40, TimeUnit.SECONDS); // a sink without a call timeout, stuck
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            }
            return DeliveryResult.created(lead.id().value());
          }), DeliveryPolicy.DEFAULTS)
          .defaultRoute("crm").build()) {
        try {
          router.route(SampleLeads.azureMarketplaceInstall()).allDelivered().get(30, TimeUnit.SECONDS);
          assertThat(calls).as("claimed again after four leases and delivered by a second call").hasValue(2);
        } finally {
          release.countDown();
        }
      }
      log = out.text();
    }
    assertThat(log).contains("are no longer kept claimed and will be delivered again when the lease ends")
        .contains("Give the sink a call timeout shorter than the lease");
  }
}
