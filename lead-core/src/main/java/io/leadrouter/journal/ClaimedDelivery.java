package io.leadrouter.journal;

import io.leadrouter.Lead;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A delivery a worker has claimed (now {@link DeliveryState#IN_FLIGHT}) and must settle.
 *
 * @param deliveryId the journal's id of this delivery
 * @param lead the lead
 * @param destination the sink's name
 * @param attempts failed attempts so far
 * @param retrySince when the current round of attempts started: its first failed attempt once one failed (the
 *     journal sets it when it records that failure), before that the acceptance or the last replay; the give-up age
 *     counts from its first failed attempt, so time a lead waited untried in the backlog never counts
 * @param traceContext the W3C {@code traceparent} of the route() call that accepted the lead, if it was traced
 * @param leaseEpoch which claim of the delivery this is (the journal counts them from 1): settlements made from it
 *     ({@link Settlement#delivered(ClaimedDelivery, io.leadrouter.spi.DeliveryResult, Instant)} and the other
 *     factories taking the claim) carry it, and the journal applies them only while this claim holds the delivery;
 *     0 when the journal does not fence
 */
public record ClaimedDelivery(long deliveryId, Lead lead, String destination, int attempts, Instant retrySince,
    Optional<String> traceContext, long leaseEpoch) {
  /** Checks parts are present. */
  public ClaimedDelivery {
    Objects.requireNonNull(lead, "lead");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(retrySince, "retrySince");
    Objects.requireNonNull(traceContext, "traceContext");
  }

  /** A claim without an epoch (journals that do not fence settlements). */
  public ClaimedDelivery(long deliveryId, Lead lead, String destination, int attempts, Instant retrySince,
      Optional<String> traceContext) {
    this(deliveryId, lead, destination, attempts, retrySince, traceContext, 0);
  }

  /** A claimed delivery of a lead routed without tracing. */
  public ClaimedDelivery(long deliveryId, Lead lead, String destination, int attempts, Instant retrySince) {
    this(deliveryId, lead, destination, attempts, retrySince, Optional.empty());
  }
}
