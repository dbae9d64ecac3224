package io.leadrouter.spi;

import java.util.Optional;

/**
 * A delivery did not succeed. Sealed: the router treats each kind differently, so a sink must say which it is.
 * <ul>
 *   <li>{@link TransientDeliveryException}: try again later (optionally after {@code Retry-After});</li>
 *   <li>{@link QuotaExceededException}: the destination's quota is spent; park it until the quota resets;</li>
 *   <li>{@link PermanentDeliveryException}: retrying cannot help; dead-letter with a {@link Diagnosis}.</li>
 * </ul>
 */
public abstract sealed class DeliveryException extends Exception
    permits TransientDeliveryException, QuotaExceededException, PermanentDeliveryException {
  private static final long serialVersionUID = 1L;
  private final transient Diagnosis diagnosis;

  /**
   * The message and the cause's chain are scrubbed ({@link Scrubber#standard()}): both often quote what the
   * destination answered, and whoever logs this exception prints every cause's message. The message is made one
   * line, like a {@link Diagnosis}'s: a destination's line break would otherwise forge a log line.
   *
   * @param diagnosis what is wrong and what to do, or null when the sink could not tell
   */
  DeliveryException(String message, Diagnosis diagnosis, Throwable cause) {
    super(Diagnosis.oneLine(Scrubber.standard().scrub(message)), Scrubber.standard().scrub(cause));
    this.diagnosis = diagnosis;
  }

  /** The diagnosis, when the sink could tell what is wrong (always for permanent failures and spent quotas). */
  public Optional<Diagnosis> diagnosis() {
    return Optional.ofNullable(diagnosis);
  }
}
