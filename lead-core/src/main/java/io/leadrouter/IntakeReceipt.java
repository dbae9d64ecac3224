package io.leadrouter;

import io.leadrouter.spi.Diagnosis;
import java.util.Objects;

/**
 * What became of a payload taken in by {@link LeadRouter#intake}: routed as a lead (durable, possibly flagged) or
 * quarantined (durable, with why). Either way it is on disk when this is returned: nothing the sender sent is lost.
 */
public sealed interface IntakeReceipt permits IntakeReceipt.Routed, IntakeReceipt.Quarantined {

  /**
   * The payload was read as a lead and routed.
   *
   * @param lead the lead as accepted (normalised, with its flags)
   * @param receipt its routing receipt
   */
  record Routed(Lead lead, RoutingReceipt receipt) implements IntakeReceipt {
    /** Checks the parts. */
    public Routed {
      Objects.requireNonNull(lead, "lead");
      Objects.requireNonNull(receipt, "receipt");
    }
  }

  /**
   * The payload could not be read unambiguously, or no route takes it, and is kept in the journal's quarantine.
   *
   * @param quarantineId its id in the quarantine ({@code leadrouter inspect quarantine ID})
   * @param diagnosis why, naming the field as the sender wrote it
   */
  record Quarantined(long quarantineId, Diagnosis diagnosis) implements IntakeReceipt {
    /** Checks the parts. */
    public Quarantined {
      Objects.requireNonNull(diagnosis, "diagnosis");
    }
  }
}
