package io.leadrouter.testkit;

import io.leadrouter.Lead;
import io.leadrouter.LeadDeliveryException;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs leads through a real {@link LeadRouter} (SQLite journal, fast retries) to a sink whose answers a
 * {@link FaultProxy} loses, and reports how each delivery settled: what "none delivered twice" tests count records
 * against.
 */
public final class LostAnswers {
  /** The destination's name in the router. */
  public static final String DESTINATION = "dest";

  private LostAnswers() {}

  /** How a delivery settled: its result when delivered, else the diagnosis it was dead-lettered with. */
  public record Settled(Optional<DeliveryResult> result, Optional<Diagnosis> deadLetter, Throwable failure) {
    /** Whether the router counted the lead delivered (or handed off). */
    public boolean delivered() {
      return result.isPresent();
    }

    @Override
    public String toString() {
      return result.map(r -> "delivered " + r.outcome()).orElseGet(() -> "dead-lettered " + deadLetter
          .map(Diagnosis::code).orElse("?") + " (" + failure + ")");
    }
  }

  /**
   * Routes {@code lead} to {@code sink} (closed afterwards) through a router whose retries come after 20-100 ms, and
   * waits at most {@code max} for the delivery to settle: delivered, or dead-lettered.
   *
   * @throws AssertionError if it did not settle in time
   */
  public static Settled route(LeadSink sink, Lead lead, Path dir, Duration max) {
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(lead, "lead");
    io.leadrouter.DeliveryPolicy policy = io.leadrouter.DeliveryPolicy.builder().inFlight(1).maxBatchSize(1)
        .backoff(Duration.ofMillis(20), Duration.ofMillis(100)).breaker(100, Duration.ofMillis(100)).build();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leads.db")))
        .addSink(DESTINATION, sink, policy).defaultRoute(DESTINATION).build()) {
      CompletableFuture<DeliveryResult> f = router.route(lead).deliveries().get(DESTINATION);
      try {
        return new Settled(Optional.of(f.get(max.toMillis(), TimeUnit.MILLISECONDS)), Optional.empty(), null);
      } catch (ExecutionException | CompletionException e) {
        Throwable cause = e.getCause();
        Optional<Diagnosis> d = cause instanceof LeadDeliveryException le ? Optional.of(le.diagnosis())
            : cause instanceof DeliveryException de ? de.diagnosis() : Optional.empty();
        return new Settled(Optional.empty(), d, cause);
      } catch (TimeoutException e) {
        throw new AssertionError("the delivery of " + lead.id() + " did not settle within " + max
            + " (still retrying: " + router.journal().deliveries(lead.id()) + ")");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }
  }
}
