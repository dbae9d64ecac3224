package io.leadrouter.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/** A delivery failed for a reason that may pass (timeout, 5xx, 429): the router retries it later. */
public final class TransientDeliveryException extends DeliveryException {
  private static final long serialVersionUID = 1L;
  private final transient Duration retryAfter;
  private final transient Diagnosis diagnosis;

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
    super(Objects.requireNonNull(message, "message"), cause);
    if (retryAfter != null && retryAfter.isNegative()) {
      throw new IllegalArgumentException("retryAfter must not be negative: " + retryAfter);
    }
    this.retryAfter = retryAfter;
    this.diagnosis = diagnosis;
  }

  /** How long the destination asked us to wait, if it said. */
  public Optional<Duration> retryAfter() {
    return Optional.ofNullable(retryAfter);
  }

  @Override
  public Optional<Diagnosis> diagnosis() {
    return Optional.ofNullable(diagnosis);
  }
}
