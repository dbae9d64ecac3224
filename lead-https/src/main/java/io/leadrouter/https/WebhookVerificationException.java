package io.leadrouter.https;

import io.leadrouter.LeadRouterException;
import java.util.Objects;

/** An inbound webhook failed its Standard Webhooks check; {@link #reason()} says which check, the message why. */
public final class WebhookVerificationException extends LeadRouterException {
  private static final long serialVersionUID = 1L;
  private final Reason reason;

  /** A failed check of the given kind, with a message saying what to fix. */
  public WebhookVerificationException(Reason reason, String message) {
    super(Objects.requireNonNull(message, "message"));
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Which check failed. */
  public Reason reason() {
    return reason;
  }

  /** The checks a webhook can fail, in the order they run. */
  public enum Reason {
    /** {@code webhook-id}, {@code webhook-timestamp} or {@code webhook-signature} is absent or blank. */
    MISSING_HEADER,
    /**
     * {@code webhook-id} or {@code webhook-timestamp} is sent more than once with different values: which one was
     * signed cannot be told.
     */
    AMBIGUOUS_HEADER,
    /** {@code webhook-timestamp} is not a whole number of Unix seconds. */
    BAD_TIMESTAMP,
    /** The timestamp is further in the past than the tolerance: a replay, or a long-delayed message. */
    TOO_OLD,
    /** The timestamp is further in the future than the tolerance: the sender's clock is wrong. */
    TOO_NEW,
    /** No {@code v1} signature in the header matches any configured secret. */
    NO_MATCHING_SIGNATURE
  }
}
