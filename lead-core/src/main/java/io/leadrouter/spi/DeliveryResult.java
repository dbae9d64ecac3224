package io.leadrouter.spi;

import java.util.Objects;
import java.util.Optional;

/**
 * The result of one successful delivery.
 *
 * @param outcome created, updated, unchanged or handed off
 * @param recordId the destination's id for the record, when it gives one (never a credential or an e-mail: a
 *     destination may answer anything, and the id is journaled, shown and logged)
 */
public record DeliveryResult(DeliveryOutcome outcome, Optional<String> recordId) {
  /**
   * Checks both parts are present; scrubs the record id of credentials ({@link Scrubber#scrubCredentials}) and of
   * e-mails. Digits stay: a record id may be a long number that only looks like a phone.
   */
  public DeliveryResult {
    Objects.requireNonNull(outcome, "outcome");
    recordId = Objects.requireNonNull(recordId, "recordId").map(Scrubber.standard()::scrubCredentials)
        .map(id -> id.indexOf('@') >= 0 || id.contains("%40") ? Scrubber.standard().maskPersonalData(id) : id);
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
