package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call hung past its leases, whose lead a second claim took over: when the hung call finally answers, the journal
 * refuses its settlement (the second claim's result stands), and so must the receipt and the listeners. Before, its
 * outcome was told anyway: a failure the hung call returned dead-lettered the receipt of a lead the second call
 * delivered.
 */
@Timeout(300)
class StaleOutcomeTest {
  @TempDir Path dir;
  private final List<LeadEvent> events = new CopyOnWriteArrayList<>();
  private final AtomicInteger calls = new AtomicInteger();
  private final CountDownLatch releaseFirst = new CountDownLatch(1);
  private final CountDownLatch secondInCall = new CountDownLatch(1);
  private final CountDownLatch releaseSecond = new CountDownLatch(1);

  @Test
  void aHungCallAnsweringAfterItsLeadWasClaimedAgain_isNotTold_theSecondCallsResultStands() throws Exception {
    try (OutputCapture out = OutputCapture.start();
        LeadRouter router = hungThenClaimedAgain(lead -> {
          throw new PermanentDeliveryException(new Diagnosis("CRM_REJECTED", "the hung call's late answer",
              "nothing: a second call delivered the lead"));
        }, lead -> DeliveryResult.created(lead.id().value()))) {
      RoutingReceipt receipt;
      try {
        receipt = router.route(SampleLeads.azureMarketplaceInstall());
        assertThat(secondInCall.await(60, TimeUnit.SECONDS)).as("claimed again after four leases").isTrue();
        releaseFirst.countDown();
        awaitText(out, "refused a stale settlement (DEAD)");
      } finally {
        releaseFirst.countDown();
        releaseSecond.countDown();
      }
      assertThat(receipt.allDelivered().get(30, TimeUnit.SECONDS).get("crm").recordId())
          .contains(receipt.leadId().value());
      assertThat(router.journal().deliveries(receipt.leadId())).singleElement()
          .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
      awaitEvent(events, LeadEvent.Type.DELIVERED);
      assertThat(events).as("the refused outcome is not told").noneMatch(
          e -> e.type() == LeadEvent.Type.DEAD_LETTERED);
    }
    assertThat(calls).hasValue(2);
  }

  /**
   * The other way round: the hung call did reach the destination, and the second call's resend is refused by it (a
   * create-only mode, a duplicate rule). Before, the late success was refused as stale and the lead stayed
   * dead-lettered though it had arrived; now the journal records it and the second call's failure is not told.
   */
  @Test
  void aHungCallThatSucceeded_answeringWhileTheSecondCallRuns_theLeadIsDelivered_andTheSecondFailureNotTold()
      throws Exception {
    try (OutputCapture out = OutputCapture.start(); LeadRouter router = hungThenRefused()) {
      RoutingReceipt receipt;
      try {
        receipt = router.route(SampleLeads.azureMarketplaceInstall());
        assertThat(secondInCall.await(60, TimeUnit.SECONDS)).as("claimed again after four leases").isTrue();
        releaseFirst.countDown();
        awaitDelivered(router, receipt); // the late success recorded (before: refused as stale, left in flight)
        releaseSecond.countDown();
        awaitText(out, "refused a stale settlement (DEAD)");
      } finally {
        releaseFirst.countDown();
        releaseSecond.countDown();
      }
      assertThat(receipt.allDelivered().get(30, TimeUnit.SECONDS).get("crm").recordId()).contains("rec-first");
      assertThat(router.journal().deliveries(receipt.leadId())).singleElement()
          .satisfies(r -> assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED));
      awaitEvent(events, LeadEvent.Type.DELIVERED);
      assertThat(events).as("delivered told once, the superseded failure not at all")
          .filteredOn(e -> e.type() == LeadEvent.Type.DELIVERED).hasSize(1);
      assertThat(events).noneMatch(e -> e.type() == LeadEvent.Type.DEAD_LETTERED);
    }
  }

  @Test
  void aHungCallThatSucceeded_answeringAfterTheSecondCallDeadLettered_theLeadBecomesDelivered_toldOnce()
      throws Exception {
    releaseSecond.countDown(); // the second call answers at once
    try (OutputCapture out = OutputCapture.start(); LeadRouter router = hungThenRefused()) {
      RoutingReceipt receipt;
      try {
        receipt = router.route(SampleLeads.azureMarketplaceInstall());
        awaitEvent(events, LeadEvent.Type.DEAD_LETTERED); // the second call's refusal, told while it stood
        releaseFirst.countDown();
        awaitDelivered(router, receipt); // the late success recorded (before: refused as stale, left dead)
      } finally {
        releaseFirst.countDown();
      }
      assertThat(router.journal().deliveries(receipt.leadId())).singleElement().satisfies(r -> {
        assertThat(r.state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(r.result().flatMap(DeliveryResult::recordId)).contains("rec-first");
      });
      assertThat(router.journal().list(io.leadrouter.journal.DeliveryQuery.deadLetters()))
          .as("no dead letter left for an operator to replay").isEmpty();
      awaitEvent(events, LeadEvent.Type.DELIVERED);
      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.DELIVERED).hasSize(1);
    }
  }

  /**
   * A router whose destination's first call hangs until {@link #releaseFirst} (a sink without a call timeout, stuck
   * past four leases), then does {@code first}; the second call (the lead claimed again) says so in
   * {@link #secondInCall}, waits for {@link #releaseSecond}, then does {@code second}.
   */
  private LeadRouter hungThenClaimedAgain(TestSinks.Deliver first, TestSinks.Deliver second) {
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("journal.db")))
        .lease(Duration.ofSeconds(1))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(2).build(), lead -> {
          if (calls.incrementAndGet() == 1) {
            TestSinks.hang(releaseFirst, Duration.ofSeconds(60));
            return first.deliver(lead);
          }
          secondInCall.countDown();
          TestSinks.hang(releaseSecond, Duration.ofSeconds(60));
          return second.deliver(lead);
        }), DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").listener(events::add).build();
  }

  /** The hung call did reach the destination; the second call's resend is refused by it as a duplicate. */
  private LeadRouter hungThenRefused() {
    return hungThenClaimedAgain(lead -> DeliveryResult.created("rec-first"), lead -> {
      throw new PermanentDeliveryException(new Diagnosis("CRM_DUPLICATE", "a record with this key exists",
          "nothing: the first call created it"));
    });
  }

  private static void awaitText(OutputCapture out, String text) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!out.text().contains(text)) {
      assertThat(System.nanoTime() - deadline).as("waiting for the log to say: %s", text).isNegative();
      TimeUnit.MILLISECONDS.sleep(20); // polling, not timing
    }
  }

  private static void awaitDelivered(LeadRouter router, RoutingReceipt receipt) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (router.journal().deliveries(receipt.leadId()).stream()
        .noneMatch(r -> r.state() == DeliveryState.DELIVERED)) {
      assertThat(System.nanoTime() - deadline).as("the late success recorded: %s",
          router.journal().deliveries(receipt.leadId())).isNegative();
      TimeUnit.MILLISECONDS.sleep(20); // polling, not timing
    }
  }

  private static void awaitEvent(List<LeadEvent> events, LeadEvent.Type type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (events.stream().noneMatch(e -> e.type() == type)) {
      assertThat(System.nanoTime() - deadline).as("waiting for %s; events: %s", type, events).isNegative();
      TimeUnit.MILLISECONDS.sleep(20); // polling, not timing
    }
  }
}
