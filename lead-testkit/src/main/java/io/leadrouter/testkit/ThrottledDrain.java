package io.leadrouter.testkit;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Drains a backlog through a real router into a sink whose fake throttles ({@link RateLimitedFake}): the fault
 * test every CRM sink runs. The circuit breaker, once open, would stay open for an hour, so a backlog that drains
 * within the test's time proves throttling never opened it. Reports the drain rate for lead-bench's README (a rate
 * is a figure to record, never a unit test's pass mark).
 */
public final class ThrottledDrain {
  /** The policy: quick retries, a breaker that would hold every lead for an hour once opened. */
  public static final DeliveryPolicy POLICY = DeliveryPolicy.builder()
      .backoff(Duration.ofMillis(20), Duration.ofMillis(500))
      .maxRetryAfter(Duration.ofSeconds(2))
      .breaker(50, Duration.ofHours(1))
      .build();

  private ThrottledDrain() {}

  /**
   * What a drain achieved.
   *
   * @param leads leads routed
   * @param delivered leads whose delivery completed successfully
   * @param seconds from the first route to the last delivery
   * @param throttled requests the fake throttled
   * @param allowedPerSecond the fake's limit
   * @param mostAttempts the most failed attempts any lead showed (its events): a throttle is no failed attempt, so a
   *     drain that was only throttled shows 0
   */
  public record Result(int leads, int delivered, double seconds, long throttled, double allowedPerSecond,
      int mostAttempts) {
    /** Leads delivered per second. */
    public double perSecond() {
      return delivered / seconds;
    }

    /** The drain rate as a share of what the fake allows (1 call per lead). */
    public double ofAllowed() {
      return perSecond() / allowedPerSecond;
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "%d/%d leads in %.1f s = %.1f leads/s, %.0f %% of the %.0f/s the"
          + " fake allows; %d requests throttled; at most %d failed attempts a lead", delivered, leads, seconds,
          perSecond(), 100 * ofAllowed(), allowedPerSecond, throttled, mostAttempts);
    }
  }

  /**
   * Routes {@code leads} leads to {@code sink} and waits at most {@code max} for them all.
   *
   * @param sink the sink under test, pointed at its throttling fake
   * @param fake the fake's limiter
   * @param leads how many leads (each a distinct customer)
   * @param max the longest wait
   */
  public static Result run(LeadSink sink, RateLimitedFake fake, int leads, Duration max) {
    return run(sink, fake, leads, max, POLICY);
  }

  /** {@link #run(LeadSink, RateLimitedFake, int, Duration)} with another policy (e.g. one lead per call). */
  public static Result run(LeadSink sink, RateLimitedFake fake, int leads, Duration max, DeliveryPolicy policy) {
    Objects.requireNonNull(sink, "sink");
    java.util.concurrent.atomic.AtomicInteger mostAttempts = new java.util.concurrent.atomic.AtomicInteger();
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).addSink("crm", sink, policy)
        .listener(e -> mostAttempts.accumulateAndGet(e.attempts(), Math::max))
        .defaultRoute("crm").build()) {
      List<CompletableFuture<DeliveryResult>> all = new ArrayList<>(leads);
      long start = System.nanoTime();
      for (int i = 0; i < leads; i++) {
        Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder()
            .email("drain" + i + "@contoso.example").build();
        all.add(router.route(lead).deliveries().get("crm"));
      }
      try {
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(max.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // counted below: what did not arrive shows as missing
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      int delivered = (int) all.stream().filter(f -> f.isDone() && !f.isCompletedExceptionally()).count();
      return new Result(leads, delivered, seconds, fake.throttled(), fake.perSecond(), mostAttempts.get());
    }
  }
}
