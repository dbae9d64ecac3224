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
 */
public record Settlement(long deliveryId, DeliveryState state, Instant dueAt, boolean countsAsAttempt,
    Optional<DeliveryResult> result, Optional<String> error, Optional<Diagnosis> diagnosis) {

  /** Checks parts are present; scrubs the error text (it reaches the journal) as a last line of defence. */
  public Settlement {
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(dueAt, "dueAt");
    Objects.requireNonNull(result, "result");
    error = Objects.requireNonNull(error, "error").map(Scrubber.standard()::scrub);
    Objects.requireNonNull(diagnosis, "diagnosis");
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
