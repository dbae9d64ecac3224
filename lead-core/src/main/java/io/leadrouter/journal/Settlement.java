package io.leadrouter.journal;

import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Scrubber;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What became of a claimed delivery; written to the journal by {@link LeadJournal#settle}.
 *
 * @param deliveryId the delivery
 * @param state the new state
 * @param dueAt when it is due again (retries, parking); ignored for settled states
 * @param countsAsAttempt whether this adds one to the delivery's failed attempts
 * @param result the destination's answer, for delivered and handed-off leads
 * @param error the last error's text, for failures
 * @param diagnosis what to fix, when known
 * @param leaseEpoch the claim this settles ({@link ClaimedDelivery#leaseEpoch()}): the journal applies it only while
 *     that claim, by this journal, still holds the delivery, and refuses (and logs) it once the lease ended and
 *     another claim took over; 0 = not fenced (settlements made without their claim, e.g. by tools)
 */
public record Settlement(long deliveryId, DeliveryState state, Instant dueAt, boolean countsAsAttempt,
    Optional<DeliveryResult> result, Optional<String> error, Optional<Diagnosis> diagnosis, long leaseEpoch) {

  /** Checks parts are present; scrubs the error text (it reaches the journal) as a last line of defence. */
  public Settlement {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(dueAt, "dueAt");
    Objects.requireNonNull(result, "result");
    error = Objects.requireNonNull(error, "error").map(Scrubber.standard()::scrub);
    Objects.requireNonNull(diagnosis, "diagnosis");
  }

  /** A settlement not fenced by a claim's lease (epoch 0). */
  public Settlement(long deliveryId, DeliveryState state, Instant dueAt, boolean countsAsAttempt,
      Optional<DeliveryResult> result, Optional<String> error, Optional<Diagnosis> diagnosis) {
    this(deliveryId, state, dueAt, countsAsAttempt, result, error, diagnosis, 0);
  }

  /** This settlement fenced by {@code claim}'s lease: applied only while that claim holds the delivery. */
  public Settlement fencedBy(ClaimedDelivery claim) {
    if (claim.deliveryId() != deliveryId) {
      throw new IllegalArgumentException("claim of delivery " + claim.deliveryId() + " cannot fence a settlement of "
          + deliveryId);
    }
    return new Settlement(deliveryId, state, dueAt, countsAsAttempt, result, error, diagnosis, claim.leaseEpoch());
  }

  /** Delivered (or handed off), fenced by the claim's lease. */
  public static Settlement delivered(ClaimedDelivery claim, DeliveryResult result, Instant now) {
    return delivered(claim.deliveryId(), result, now).fencedBy(claim);
  }

  /** Failed transiently, due again at {@code dueAt}; fenced by the claim's lease. */
  public static Settlement retry(ClaimedDelivery claim, Instant dueAt, String error, Optional<Diagnosis> diagnosis) {
    return retry(claim.deliveryId(), dueAt, error, diagnosis).fencedBy(claim);
  }

  /**
   * Throttled or deferred (the destination asked for less, or the lead waits for its own earlier write): pending again
   * at {@code dueAt}, not a failed attempt; fenced by the claim's lease.
   */
  public static Settlement waiting(ClaimedDelivery claim, Instant dueAt, String error, Optional<Diagnosis> diagnosis) {
    return new Settlement(claim.deliveryId(), DeliveryState.PENDING, dueAt, false, Optional.empty(),
        Optional.of(error), diagnosis).fencedBy(claim);
  }

  /** Quota spent, parked until {@code until}; fenced by the claim's lease. */
  public static Settlement parked(ClaimedDelivery claim, Instant until, Diagnosis diagnosis) {
    return parked(claim.deliveryId(), until, diagnosis).fencedBy(claim);
  }

  /** Not attempted after all, pending again at {@code dueAt}; fenced by the claim's lease. */
  public static Settlement released(ClaimedDelivery claim, Instant dueAt) {
    return released(claim.deliveryId(), dueAt).fencedBy(claim);
  }

  /** Dead-lettered with what to fix; fenced by the claim's lease. */
  public static Settlement dead(ClaimedDelivery claim, Diagnosis diagnosis, String error, Instant now) {
    return dead(claim.deliveryId(), diagnosis, error, now).fencedBy(claim);
  }

  /** Delivered (or handed off, per the result's outcome). */
  public static Settlement delivered(long id, DeliveryResult result, Instant now) {
    DeliveryState s = result.outcome() == io.leadrouter.spi.DeliveryOutcome.HANDED_OFF
        ? DeliveryState.HANDED_OFF : DeliveryState.DELIVERED;
    return new Settlement(id, s, now, false, Optional.of(result), Optional.empty(), Optional.empty());
  }

  /** Failed transiently: due again at {@code dueAt}. */
  public static Settlement retry(long id, Instant dueAt, String error, Optional<Diagnosis> diagnosis) {
    return new Settlement(id, DeliveryState.PENDING, dueAt, true, Optional.empty(), Optional.of(error), diagnosis);
  }

  /** Quota spent: parked until {@code until}; not a failed attempt. */
  public static Settlement parked(long id, Instant until, Diagnosis diagnosis) {
    return new Settlement(id, DeliveryState.PARKED, until, false, Optional.empty(),
        Optional.of(diagnosis.message()), Optional.of(diagnosis));
  }

  /** Not attempted after all (breaker open, shutting down): pending again at {@code dueAt}. */
  public static Settlement released(long id, Instant dueAt) {
    return new Settlement(id, DeliveryState.PENDING, dueAt, false, Optional.empty(), Optional.empty(),
        Optional.empty());
  }

  /** Dead-lettered with what to fix. */
  public static Settlement dead(long id, Diagnosis diagnosis, String error, Instant now) {
    return new Settlement(id, DeliveryState.DEAD, now, true, Optional.empty(), Optional.of(error),
        Optional.of(diagnosis));
  }
}
