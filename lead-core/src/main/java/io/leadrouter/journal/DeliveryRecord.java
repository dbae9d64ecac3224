package io.leadrouter.journal;

import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One delivery as the journal holds it, for inspection (pending, dead letters) and duplicate receipts.
 *
 * @param deliveryId the journal's id
 * @param leadId the lead
 * @param destination the sink's name
 * @param state where it stands
 * @param attempts failed attempts
 * @param acceptedAt when the lead was accepted
 * @param dueAt when it is (or was) due
 * @param updatedAt when its state last changed
 * @param lastError the last error's text
 * @param diagnosis what to fix, for failures
 * @param result the destination's answer, once delivered
 */
public record DeliveryRecord(long deliveryId, LeadId leadId, String destination, DeliveryState state, int attempts,
    Instant acceptedAt, Instant dueAt, Instant updatedAt, Optional<String> lastError, Optional<Diagnosis> diagnosis,
    Optional<DeliveryResult> result) {
  /** Checks parts are present. */
  public DeliveryRecord {
    Objects.requireNonNull(leadId, "leadId");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(lastError, "lastError");
    Objects.requireNonNull(diagnosis, "diagnosis");
    Objects.requireNonNull(result, "result");
  }
}
