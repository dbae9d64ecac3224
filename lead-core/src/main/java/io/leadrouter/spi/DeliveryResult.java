package io.leadrouter.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one successful delivery.
 *
 * @param outcome created, updated, unchanged or handed off
 * @param recordId the destination's id for the record, when it gives one
 */
public record DeliveryResult(DeliveryOutcome outcome, Optional<String> recordId) {
  /** Checks both parts are present. */
  public DeliveryResult {
    Objects.requireNonNull(outcome, "outcome");
    Objects.requireNonNull(recordId, "recordId");
  }

  /** A new record, with the destination's id for it (null when none). */
  public static DeliveryResult created(String recordId) {
    return new DeliveryResult(DeliveryOutcome.CREATED, Optional.ofNullable(recordId));
  }

  /** An existing record updated, with the destination's id for it (null when none). */
  public static DeliveryResult updated(String recordId) {
    return new DeliveryResult(DeliveryOutcome.UPDATED, Optional.ofNullable(recordId));
  }

  /**
   * An existing record matched and was left untouched (sync mode {@code create}), with the destination's id for it
   * (null when none): delivered, but nothing was written.
   */
  public static DeliveryResult unchanged(String recordId) {
    return new DeliveryResult(DeliveryOutcome.UNCHANGED, Optional.ofNullable(recordId));
  }

  /** Handed off without confirmation. */
  public static DeliveryResult handedOff() {
    return new DeliveryResult(DeliveryOutcome.HANDED_OFF, Optional.empty());
  }
}
