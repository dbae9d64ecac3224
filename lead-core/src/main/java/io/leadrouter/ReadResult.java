package io.leadrouter;

import io.leadrouter.spi.Diagnosis;
import java.util.Objects;

/**
 * What reading a marketplace payload gave: a {@link Readable} lead (possibly {@link Lead#flags() flagged}), or an
 * {@link Unreadable} payload, with a {@link Diagnosis} naming the field as the sender wrote it and the real reason.
 * An unreadable payload is quarantined, never guessed at; one that is {@link Unreadable#notALead() not a lead at
 * all} (empty, not JSON, over the size limit) may be refused.
 */
public sealed interface ReadResult permits ReadResult.Readable, ReadResult.Unreadable {

  /** The diagnosis codes of payloads that are not a lead at all (a service may answer them with a 4xx). */
  java.util.Set<String> NOT_A_LEAD = java.util.Set.of("PAYLOAD_EMPTY", "PAYLOAD_NOT_JSON", "PAYLOAD_TOO_LARGE");

  /**
   * The payload was read unambiguously.
   *
   * @param lead the lead, normalised, with what was noted in its flags
   */
  record Readable(Lead lead) implements ReadResult {
    /** Checks the lead is there. */
    public Readable {
      Objects.requireNonNull(lead, "lead");
    }
  }

  /**
   * The payload cannot be read unambiguously.
   *
   * @param diagnosis a {@code PAYLOAD_...} code, the field as the sender wrote it with the position and the real
   *     reason (personal data masked), and what the sender should do
   */
  record Unreadable(Diagnosis diagnosis) implements ReadResult {
    /** Checks the diagnosis is there. */
    public Unreadable {
      Objects.requireNonNull(diagnosis, "diagnosis");
    }

    /** Whether the payload is no lead at all (empty, not JSON, too large) rather than a lead read ambiguously. */
    public boolean notALead() {
      return NOT_A_LEAD.contains(diagnosis.code());
    }
  }
}
