package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.JournalException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A journal whose database is down under the worker's loop: the failure is logged once with its stack trace, the
 * retries back off (1 s, then 2 s) instead of one a second, the recovery is said once, and the lead routed after it
 * is delivered. The worker used to log the full stack trace at every one-second retry.
 */
@Timeout(60)
class JournalOutageLogTest {
  @Test
  void theLoopsJournalFailing_loggedOnceInFull_backsOff_saysWhenItWorksAgain() throws Exception {
    AtomicInteger claims = new AtomicInteger();
    List<Long> claimedAt = new java.util.concurrent.CopyOnWriteArrayList<>();
    ForwardingLeadJournal down = new ForwardingLeadJournal(InMemoryJournal.create()) {
      @Override
      public List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease) {
        claimedAt.add(System.nanoTime());
        if (claims.incrementAndGet() <= 2) {
          throw new JournalException("the journal's database is down: connection refused");
        }
        return super.claimDue(destination, now, max, lease);
      }
    };
    String log;
    try (OutputCapture out = OutputCapture.start()) {
      try (LeadRouter router = LeadRouter.builder().journal(down)
          .addSink("crm", TestSinks.of(SinkCapabilities.builder().build(),
              lead -> DeliveryResult.created(lead.id().value())), DeliveryPolicy.DEFAULTS)
          .defaultRoute("crm").build()) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (claims.get() < 3 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertThat(claims).as("the worker looked at the journal again after the outage").hasValueGreaterThan(2);
        router.route(SampleLeads.azureMarketplaceInstall()).allDelivered().get(30, TimeUnit.SECONDS);
      }
      log = out.text();
    }
    assertThat(log.split("reading due deliveries from the journal failed", -1))
        .as("the first failure logged, the second not").hasSize(2);
    assertThat(log).contains("retrying in 1 s").contains("Check that the journal's database is reachable")
        .contains("the journal's database is down: connection refused")
        .contains("reading due deliveries from the journal works again after 2 failures");
    assertThat(log.split("\tat io.leadrouter.internal.DestinationWorker.claimFromJournal", -1))
        .as("one stack trace, not one per retry").hasSize(2);
    assertThat(Duration.ofNanos(claimedAt.get(2) - claimedAt.get(1)))
        .as("the second retry waited longer than the first (backing off)")
        .isGreaterThanOrEqualTo(Duration.ofMillis(1_900));
  }
}
