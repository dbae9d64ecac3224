package io.leadrouter.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * A delivery failed for a reason that may pass (timeout, 5xx, 429): the router retries it later. A sink says which
 * kind: an <em>outage</em> (no connection, 5xx, timeout), which counts toward the destination's circuit breaker, or
 * {@link #throttled throttling} (429, a vendor's rate or concurrency limit answer), which slows the destination's
 * pace instead and never opens the breaker: the destination is up, it asks for less. A third kind, {@link #deferred
 * deferred}, is one lead's own wait (a write of the same customer still settling at the destination): neither an
 * outage nor a throttle, it leaves the breaker and the pace alone. Neither a throttle nor a deferral counts as a failed
 * attempt of the lead.
 */
public final class TransientDeliveryException extends DeliveryException {
  private static final long serialVersionUID = 1L;
  private final transient Duration retryAfter;
  private final boolean throttled;
  private final boolean deferred;

  /** A transient failure with no hint of when to retry. */
  public TransientDeliveryException(String message) {
    this(message, null, null, null);
  }

  /** A transient failure with its cause. */
  public TransientDeliveryException(String message, Throwable cause) {
    this(message, null, null, cause);
  }

  /**
   * A transient failure.
   *
   * @param message what happened
   * @param retryAfter the destination's {@code Retry-After}, or null
   * @param diagnosis what is likely wrong if this keeps happening, or null
   * @param cause the underlying exception, or null
   */
  public TransientDeliveryException(String message, Duration retryAfter, Diagnosis diagnosis, Throwable cause) {
    this(message, retryAfter, diagnosis, cause, false, false);
  }

  private TransientDeliveryException(String message, Duration retryAfter, Diagnosis diagnosis, Throwable cause,
      boolean throttled, boolean deferred) {
    super(Objects.requireNonNull(message, "message"), diagnosis, cause);
    this.throttled = throttled;
    this.deferred = deferred;
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    this.retryAfter = retryAfter;
  }

  /**
   * The destination throttled the call (HTTP 429, Marketo 606/615, Dataverse service protection limits): it is up
   * and asks for fewer calls. The router slows this destination's pace and retries; the breaker is not touched.
   *
   * @param message what happened
   * @param retryAfter the destination's {@code Retry-After} (see {@link RetryAfter}), or null
   * @param diagnosis what to do if it keeps happening (e.g. other integrations share the limit), or null
   */
  public static TransientDeliveryException throttled(String message, Duration retryAfter, Diagnosis diagnosis) {
    return new TransientDeliveryException(message, retryAfter, diagnosis, null, true, false);
  }

  /**
   * This lead must wait, not the destination: something of its own at the destination has not settled yet (say, a
   * create of the same customer whose answer was lost and which may still be running), so the sink sent nothing and
   * asks for it again after {@code retryAfter}. The destination is neither down nor throttling: the router leaves its
   * circuit breaker and pace as they were, counts no failed attempt, never gives the lead up for it, and retries it
   * when the wait ends (clamped to the policy's {@code maxRetryAfter}).
   *
   * @param message what the lead waits for
   * @param retryAfter how long it waits; positive
   * @param diagnosis what the wait is and whether anything must be done, or null
   */
  public static TransientDeliveryException deferred(String message, Duration retryAfter, Diagnosis diagnosis) {
    Objects.requireNonNull(retryAfter, "retryAfter");
    if (retryAfter.isZero() || retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter of a deferred lead must be positive: " + retryAfter);
    }
    return new TransientDeliveryException(message, retryAfter, diagnosis, null, false, true);
  }

  /** Whether only this lead waits (see {@link #deferred}): the destination is neither down nor throttling. */
  public boolean isDeferred() {
    return deferred;
  }

  /** Whether the destination throttled the call (as opposed to an outage: no connection, 5xx, timeout). */
  public boolean isThrottled() {
    return throttled;
  }

  /** How long the destination asked us to wait, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }
}
