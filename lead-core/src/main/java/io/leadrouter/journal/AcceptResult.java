package io.leadrouter.journal;

import java.util.List;
import java.util.Objects;

/**
 * What {@link LeadJournal#accept} did.
 *
 * @param duplicate whether the lead id was already accepted (nothing new was recorded)
 * @param deliveries the lead's deliveries as recorded (for a duplicate, as they stand now)
 * @param claimed the deliveries claimed for the caller in the same transaction (see
 *     {@link LeadJournal#accept(io.leadrouter.Lead, List, java.time.Instant, java.util.Optional, java.util.Set,
 *     java.time.Duration)}),
 *     in flight and ready to deliver; empty otherwise
 */
public record AcceptResult(boolean duplicate, List<DeliveryRecord> deliveries, List<ClaimedDelivery> claimed) {
  /** Copies. */
  public AcceptResult {
    deliveries = List.copyOf(Objects.requireNonNull(deliveries, "deliveries"));
    claimed = List.copyOf(Objects.requireNonNull(claimed, "claimed"));
  }

  /** A result with nothing claimed. */
  public AcceptResult(boolean duplicate, List<DeliveryRecord> deliveries) {
    this(duplicate, deliveries, List.of());
  }
}
