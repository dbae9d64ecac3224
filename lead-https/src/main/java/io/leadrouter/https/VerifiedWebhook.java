package io.leadrouter.https;

import java.time.Instant;
import java.util.Objects;

/**
 * A webhook whose Standard Webhooks signature checked out.
 *
 * @param id the {@code webhook-id}: the sender's idempotency key
 * @param timestamp the {@code webhook-timestamp}: when the sender made this attempt
 */
public record VerifiedWebhook(String id, Instant timestamp) {
  /** Checks the parts are present. */
  public VerifiedWebhook {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(timestamp, "timestamp");
  }
}
