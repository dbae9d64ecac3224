package io.leadrouter.spi;

import java.util.Objects;

/** Retrying cannot help (bad credentials, a rejected record): the lead is dead-lettered with its diagnosis. */
public final class PermanentDeliveryException extends DeliveryException {
  private static final long serialVersionUID = 1L;

  /** A permanent failure with what to fix. */
  public PermanentDeliveryException(Diagnosis diagnosis) {
    this(diagnosis, null);
  }

  /** A permanent failure with what to fix and its cause. */
  public PermanentDeliveryException(Diagnosis diagnosis, Throwable cause) {
    super(Objects.requireNonNull(diagnosis, "diagnosis").toString(), diagnosis, cause);
  }

  /** What is wrong and how to fix it. */
  public Diagnosis diagnosisValue() {
    return diagnosis().orElseThrow();
  }
}
