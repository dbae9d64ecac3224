package io.leadrouter.journal;

import java.util.List;
import java.util.Objects;

/**
 * What {@link LeadJournal#accept} did.
 *
 * @param duplicate whether the lead id was already accepted (nothing new was recorded)
 * @param deliveries the lead's deliveries as recorded (for a duplicate, as they stand now)
 */
public record AcceptResult(boolean duplicate, List<DeliveryRecord> deliveries) {
  /** Copies. */
  public AcceptResult {
    deliveries = List.copyOf(Objects.requireNonNull(deliveries, "deliveries"));
  }
}
