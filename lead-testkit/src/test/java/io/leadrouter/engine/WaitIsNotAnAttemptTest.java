package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.DestinationStatus;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A throttle (the destination asking for less) and a deferral (one lead waiting for its own earlier write to settle)
 * are waits, not failed attempts: the attempts a lead shows (events, inspect) count only the calls that failed, and a
 * deferral neither opens the breaker (the destination's health) nor holds up other leads of its batch.
 */
@Timeout(120)
class WaitIsNotAnAttemptTest {
  private static final DeliveryPolicy POLICY = DeliveryPolicy.builder()
      .backoff(Duration.ofMillis(5), Duration.ofMillis(40))
      .breaker(50, Duration.ofHours(1))
      .build();

  @Test
  void throttledManyTimes_thenDelivered_showsNoFailedAttempt() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    Queue<LeadEvent> events = new ConcurrentLinkedQueue<>();
    LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).listener(events::add)
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(1).build(), lead -> {
          if (calls.incrementAndGet() <= 12) {
            throw TransientDeliveryException.throttled("429 Too Many Requests", Duration.ofMillis(10), null);
          }
          return DeliveryResult.created("r-1");
        }), POLICY)
        .defaultRoute("crm").build();
    try {
      router.route(SampleLeads.azureMarketplaceInstall()).deliveries().get("crm").get(60, TimeUnit.SECONDS);

      awaitEvent(events, LeadEvent.Type.DELIVERED);

      assertThat(calls).hasValue(13);
      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.RETRYING).hasSize(12)
          .allSatisfy(e -> assertThat(e.attempts()).as("a throttle is no failed attempt").isZero());
      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.DELIVERED).singleElement()
          .satisfies(e -> assertThat(e.attempts()).isZero());
    } finally {
      router.close();
    }
  }

  @Test
  void deferredLeadWaitsAlone_breakerStaysClosed_othersOfItsBatchDelivered() throws Exception {
    AtomicInteger deferrals = new AtomicInteger();
    Queue<LeadEvent> events = new ConcurrentLinkedQueue<>();
    Lead waiting = SampleLeads.azureMarketplaceInstall().toBuilder().email("waits@contoso.example").build();
    LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).listener(events::add)
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxBatchSize(10).maxConcurrency(1).build(), lead -> {
          if (lead.customer().email().equals("waits@contoso.example")) {
            deferrals.incrementAndGet();
            throw TransientDeliveryException.deferred("an earlier create of this customer may still run",
                Duration.ofMillis(10), new Diagnosis("TEST_SETTLING", "settling", "none needed"));
          }
          return DeliveryResult.created(lead.id().value());
        }), POLICY)
        .defaultRoute("crm").build();
    try {
      router.route(waiting);
      List<CompletableFuture<?>> others = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        others.add(router.route(SampleLeads.azureMarketplaceInstall()).deliveries().get("crm"));
      }
      CompletableFuture.allOf(others.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (deferrals.get() < 60 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }

      assertThat(deferrals.get()).as("the waiting lead asked again and again").isGreaterThanOrEqualTo(60);
      assertThat(router.status("crm").breaker()).as("a deferral is no outage")
          .isEqualTo(DestinationStatus.Breaker.CLOSED);
      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.RETRYING)
          .allSatisfy(e -> {
            assertThat(e.leadId()).isEqualTo(waiting.id());
            assertThat(e.attempts()).isZero();
            assertThat(e.diagnosis().map(Diagnosis::code)).contains("TEST_SETTLING");
          });
    } finally {
      router.close();
    }
  }

  private static void awaitEvent(Queue<LeadEvent> events, LeadEvent.Type type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (events.stream().noneMatch(e -> e.type() == type) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
  }
}
