package io.leadrouter;

import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * Something that happened to a lead on its way to a destination, for {@link LeadListener}s (metrics, audit, alerts).
 *
 * @param type what happened
 * @param leadId the lead
 * @param destination the sink's name ({@code ""} for {@link Type#ACCEPTED}, which concerns all destinations)
 * @param at when
 * @param attempts failed attempts so far
 * @param result the destination's answer, for delivered and handed-off leads
 * @param diagnosis what to fix, for failures
 * @param nextAttempt when it will be tried again, for retries and parking
 * @param fallback for {@link Type#FALLBACK_SPILLED}: the destination the lead was also sent to
 */
public record LeadEvent(Type type, LeadId leadId, String destination, Instant at, int attempts,
    Optional<DeliveryResult> result, Optional<Diagnosis> diagnosis, Optional<Instant> nextAttempt,
    Optional<String> fallback) {

  /** An event without a fallback (every type but {@link Type#FALLBACK_SPILLED}). */
  public LeadEvent(Type type, LeadId leadId, String destination, Instant at, int attempts,
      Optional<DeliveryResult> result, Optional<Diagnosis> diagnosis, Optional<Instant> nextAttempt) {
    this(type, leadId, destination, at, attempts, result, diagnosis, nextAttempt, Optional.empty());
  }

  /** Checks parts are present. */
  public LeadEvent {
    Objects.requireNonNull(fallback, "fallback");
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(leadId, "leadId");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(at, "at");
    Objects.requireNonNull(result, "result");
    Objects.requireNonNull(diagnosis, "diagnosis");
    Objects.requireNonNull(nextAttempt, "nextAttempt");
  }

  /** The kinds of event. */
  public enum Type {
    /** The lead is durable in the journal. */
    ACCEPTED,
    /** The destination confirmed the record. */
    DELIVERED,
    /** The destination took the lead but cannot confirm it (e.g. Web-to-Lead). */
    HANDED_OFF,
    /** A transient failure; it will be retried at {@code nextAttempt}. */
    RETRYING,
    /** The destination's quota is spent; its leads wait until {@code nextAttempt}. */
    PARKED,
    /** Failed permanently or gave up; waits in the dead letters for replay. */
    DEAD_LETTERED,
    /**
     * Not delivered to {@code destination} within its {@code fallbackAfter}: also sent to {@code fallback} (once,
     * marked as a fallback), while {@code destination} keeps trying; {@code diagnosis} says why.
     */
    FALLBACK_SPILLED
  }
}
