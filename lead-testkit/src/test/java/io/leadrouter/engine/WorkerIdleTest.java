package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A worker with nothing it may do (destination parked, or every delivery slot busy) waits instead of polling the
 * journal in a loop: such polling would steal the journal's single writer from every other destination and from
 * route(). The observation window is the point of these tests: busy polling shows as thousands of calls in it.
 */
@Timeout(30)
class WorkerIdleTest {
  private static final long WINDOW_MS = 300;

  private final AtomicInteger parkedChecks = new AtomicInteger();

  /** {@code journal}, counting the router's parked-destination checks. */
  private LeadJournal counting(LeadJournal journal) {
    return new ForwardingLeadJournal(journal) {
      @Override
      public Optional<Instant> parkedUntil(String destination, Instant now) {
        parkedChecks.incrementAndGet();
        return super.parkedUntil(destination, now);
      }
    };
  }

  @Test
  void parkedDestination_woken_byNewLeads_doesNotPollTheJournal() throws Exception {
    InMemoryLeadSink mkto = new InMemoryLeadSink().quotaSpentUntil(Instant.now().plusSeconds(20));
    try (LeadRouter router = LeadRouter.builder().journal(counting(InMemoryJournal.create()))
        .addSink("mkto", mkto, DeliveryPolicy.DEFAULTS).defaultRoute("mkto").build()) {
      router.route(SampleLeads.azureMarketplaceInstall());
      waitUntil(() -> router.journal().parkedUntil("mkto", Instant.now()).isPresent());
      for (int i = 0; i < 20; i++) {
        router.route(SampleLeads.appSourceCreate());
      }
      int before = parkedChecks.get();
      new CountDownLatch(1).await(WINDOW_MS, TimeUnit.MILLISECONDS);
      assertThat(parkedChecks.get() - before).isLessThan(5);
    }
  }

  @Test
  void everySlotBusy_woken_byNewLeads_doesNotPollTheJournal() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    LeadSink hanging = TestSinks.of(SinkCapabilities.builder().maxConcurrency(1).build(), lead -> {
      entered.countDown();
      TestSinks.hang(release, java.time.Duration.ofSeconds(30));
      return DeliveryResult.created(null);
    });
    try (LeadRouter router = LeadRouter.builder().journal(counting(InMemoryJournal.create()))
        .addSink("hanging", hanging, DeliveryPolicy.DEFAULTS).defaultRoute("hanging").build()) {
      try {
        router.route(SampleLeads.azureMarketplaceInstall());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 20; i++) {
          router.route(SampleLeads.appSourceCreate());
        }
        int before = parkedChecks.get();
        new CountDownLatch(1).await(WINDOW_MS, TimeUnit.MILLISECONDS);
        assertThat(parkedChecks.get() - before).isLessThan(5);
      } finally {
        release.countDown();
      }
    }
  }

  private static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 10 s").isLessThan(deadline);
      Thread.sleep(5);
    }
  }
}
