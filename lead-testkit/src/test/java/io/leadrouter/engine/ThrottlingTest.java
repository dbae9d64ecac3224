package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Throttling is not failure: a destination answering "slower" (429 + Retry-After) never opens the circuit breaker,
 * while one that is down still does. The breaker here stays open for an hour once opened, so a lead held by it
 * could not arrive within the test's time: "every lead delivered" is the proof the breaker stayed closed.
 */
@Timeout(120)
class ThrottlingTest {
  private static final DeliveryPolicy POLICY = DeliveryPolicy.builder()
      .backoff(Duration.ofMillis(5), Duration.ofMillis(40))
      .breaker(50, Duration.ofHours(1))
      .build();

  @Test
  void throttlingDestination_everyLeadDelivered_breakerNeverOpens() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger throttled = new AtomicInteger();
    // throttles 40 of the first 50 calls (far above the breaker's 50 % over 20 calls), each with Retry-After 20 ms
    LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(4).build(), lead -> {
          int n = calls.incrementAndGet();
          if (n <= 50 && n % 5 != 0) {
            throttled.incrementAndGet();
            throw TransientDeliveryException.throttled("429 Too Many Requests", Duration.ofMillis(20), null);
          }
          return DeliveryResult.created(lead.id().value());
        }), POLICY)
        .defaultRoute("crm").build();
    try {
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Lead lead = SampleLeads.azureMarketplaceInstall();
        RoutingReceipt receipt = router.route(lead);
        all.add(receipt.deliveries().get("crm"));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(throttled).hasValue(40);
      assertThat(all).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    } finally {
      router.close();
    }
  }

  @Test
  void downDestination_stillOpensTheBreaker() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(2).build(), lead -> {
          calls.incrementAndGet();
          throw new TransientDeliveryException("503 Service Unavailable");
        }), POLICY)
        .defaultRoute("crm").build();
    try {
      for (int i = 0; i < 30; i++) {
        router.route(SampleLeads.azureMarketplaceInstall());
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (calls.get() < 10 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      Thread.sleep(1000); // had the breaker stayed closed, the 5 ms backoff would bring hundreds of calls a second
      int settled = calls.get();
      Thread.sleep(1000);
      assertThat(calls.get()).as("calls while the breaker is open (one probe batch per pause at most)")
          .isLessThanOrEqualTo(settled + 2);
      assertThat(settled).isBetween(10, 40);
    } finally {
      router.close();
    }
  }
}
