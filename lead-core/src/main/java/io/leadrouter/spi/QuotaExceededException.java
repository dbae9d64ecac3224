package io.leadrouter.spi;

import java.time.Instant;
import java.util.Objects;

/**
 * The destination's quota is spent (Marketo 607, Salesforce {@code REQUEST_LIMIT_EXCEEDED}, Web-to-Lead's daily
 * limit): the router parks the destination until {@link #resumeAt()}; its leads wait as pending.
 */
public final class QuotaExceededException extends DeliveryException {
  private static final long serialVersionUID = 1L;
  private final transient Instant resumeAt;

  /**
   * A spent quota.
   *
   * @param diagnosis the quota's code, message and remediation
   * @param resumeAt when the quota resets
   */
  public QuotaExceededException(Diagnosis diagnosis, Instant resumeAt) {
    this(diagnosis, resumeAt, null);
  }

  /** A spent quota, with the exception that revealed it. */
  public QuotaExceededException(Diagnosis diagnosis, Instant resumeAt, Throwable cause) {
    super(Objects.requireNonNull(diagnosis, "diagnosis") + " (resumes at " + resumeAt + ")", diagnosis, cause);
    this.resumeAt = Objects.requireNonNull(resumeAt, "resumeAt");
  }

  /** When the destination may be tried again. */
  public Instant resumeAt() {
    return resumeAt;
  }
}
