package io.leadrouter.internal;

import io.leadrouter.DeliveryPolicy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Retry delays: exponential backoff with full jitter, capped; a destination's {@code Retry-After} honoured, clamped
 * to the policy's {@code maxRetryAfter}; a zero {@code Retry-After} counts as none (see {@link #delay}).
 */
public final class Backoff {
  private Backoff() {}

  /**
   * The delay before the next attempt.
   *
   * @param policy the destination's policy
   * @param failedAttempts attempts failed so far, including this one (1 for the first failure)
   * @param retryAfter what the destination asked for, if anything
   */
  public static Duration delay(DeliveryPolicy policy, int failedAttempts, Optional<Duration> retryAfter) {
    return delay(policy, failedAttempts, retryAfter, ThreadLocalRandom.current().nextDouble());
  }

  /**
   * The delay before the next attempt, with the jitter given: {@code jitter} in [0, 1) picks the point between 0 and
   * the ceiling (full jitter).
   */
  public static Duration delay(DeliveryPolicy policy, int failedAttempts, Optional<Duration> retryAfter,
      double jitter) {
    // a Retry-After of zero (or an HTTP-date already past) names no wait: honoured as such, every retry of a
    // destination answering it would be due at once, a busy loop against it; the backoff applies instead
    if (retryAfter.isPresent() && retryAfter.get().compareTo(Duration.ZERO) > 0) {
      Duration asked = retryAfter.get();
      return asked.compareTo(policy.maxRetryAfter()) > 0 ? policy.maxRetryAfter() : asked;
    }
    long ceiling = millis(ceiling(policy, failedAttempts));
    return Duration.ofMillis(Math.min(ceiling, (long) (jitter * ((double) ceiling + 1))));
  }

  /** The cap of the jittered delay for the given attempt: initial x 2^(attempts-1), at most the policy's maximum. */
  public static Duration ceiling(DeliveryPolicy policy, int failedAttempts) {
    int shift = Math.max(0, Math.min(failedAttempts - 1, 40));
    long ms = millis(policy.initialBackoff());
    long max = millis(policy.maxBackoff());
    long c = ms > (max >> shift) ? max : ms << shift;
    return Duration.ofMillis(Math.min(c, max));
  }

  /** Milliseconds, at most Long.MAX_VALUE (a policy may set a cap of "practically never"; toMillis overflowed). */
  private static long millis(Duration d) {
    return d.getSeconds() >= Long.MAX_VALUE / 1000 - 1 ? Long.MAX_VALUE : d.toMillis();
  }
}
