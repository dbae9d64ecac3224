package io.leadrouter;

import io.leadrouter.spi.Diagnosis;
import java.util.Objects;

/**
 * Completes a {@link RoutingReceipt}'s future when a lead was dead-lettered at a destination: it will not be delivered
 * there unless replayed. Carries the {@link Diagnosis} saying what to fix.
 */
public final class LeadDeliveryException extends LeadRouterException {
  private static final long serialVersionUID = 1L;
  private final LeadId leadId;
  private final String destination;
  private final transient Diagnosis diagnosis;

  /** Creates the exception. */
  public LeadDeliveryException(LeadId leadId, String destination, Diagnosis diagnosis) {
    super("lead " + leadId + " was dead-lettered at '" + destination + "': " + diagnosis);
    this.leadId = Objects.requireNonNull(leadId, "leadId");
    this.destination = Objects.requireNonNull(destination, "destination");
    this.diagnosis = Objects.requireNonNull(diagnosis, "diagnosis");
  }

  /** The lead. */
  public LeadId leadId() {
    return leadId;
  }

  /** The destination that failed. */
  public String destination() {
    return destination;
  }

  /** What is wrong and what to do. */
  public Diagnosis diagnosis() {
    return diagnosis;
  }
}
