package io.leadrouter.salesforce.internal;

import java.time.Duration;
import java.util.Optional;

/**
 * A REST API answer, read and closed.
 *
 * @param status the HTTP status
 * @param body the body text (bounded)
 * @param retryAfter the {@code Retry-After}, if given
 */
public record ApiResponse(int status, String body, Optional<Duration> retryAfter) {
  /** Whether the status is 2xx. */
  public boolean ok() {
    return status >= 200 && status < 300;
  }
}
