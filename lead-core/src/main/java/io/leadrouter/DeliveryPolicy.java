package io.leadrouter;

import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the router delivers to one destination: concurrency, batching and rate limit (defaults from the sink's
 * {@link SinkCapabilities}), retry backoff, give-up age and circuit breaker. Each destination has its own.
 *
 * @param maxConcurrency deliveries in flight at once; the sink's declared value when empty
 * @param maxBatchSize leads per batch call; the sink's declared value when empty
 * @param rateLimit calls per period; the sink's declared limit when empty
 * @param initialBackoff first retry delay (before jitter); doubles per attempt
 * @param maxBackoff the cap of the retry delay
 * @param maxRetryAfter the longest {@code Retry-After} honoured; longer answers are clamped to it
 * @param giveUpAfter how long after acceptance a failing lead is retried before it is dead-lettered
 * @param breakerFailureRatePercent failure rate (of the last calls) that opens the circuit breaker
 * @param breakerOpenFor how long an open breaker waits before probing again
 */
public record DeliveryPolicy(
    Optional<Integer> maxConcurrency,
    Optional<Integer> maxBatchSize,
    Optional<RateLimit> rateLimit,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration maxRetryAfter,
    Duration giveUpAfter,
    int breakerFailureRatePercent,
    Duration breakerOpenFor) {

  /** The defaults: from capabilities; backoff 1 s doubling to 15 min; Retry-After up to 1 h; give up after 72 h. */
  public static final DeliveryPolicy DEFAULTS = new DeliveryPolicy(Optional.empty(), Optional.empty(),
      Optional.empty(), Duration.ofSeconds(1), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(72), 50,
      Duration.ofSeconds(30));

  /** Validates. */
  public DeliveryPolicy {
    Objects.requireNonNull(maxConcurrency, "maxConcurrency");
    Objects.requireNonNull(maxBatchSize, "maxBatchSize");
    Objects.requireNonNull(rateLimit, "rateLimit");
    positive(initialBackoff, "initialBackoff");
    positive(maxBackoff, "maxBackoff");
    positive(maxRetryAfter, "maxRetryAfter");
    positive(giveUpAfter, "giveUpAfter");
    positive(breakerOpenFor, "breakerOpenFor");
    maxConcurrency.ifPresent(n -> atLeastOne(n, "maxConcurrency"));
    maxBatchSize.ifPresent(n -> atLeastOne(n, "maxBatchSize"));
    if (breakerFailureRatePercent < 1 || breakerFailureRatePercent > 100) {
      throw new IllegalArgumentException("breakerFailureRatePercent must be 1..100: " + breakerFailureRatePercent);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
    }
  }

  /** The effective concurrency for a sink with these capabilities. */
  public int concurrencyFor(SinkCapabilities c) {
    return maxConcurrency.orElse(c.maxConcurrency());
  }

  /** The effective batch size for a sink with these capabilities (never above what the sink declares). */
  public int batchSizeFor(SinkCapabilities c) {
    return Math.min(maxBatchSize.orElse(c.maxBatchSize()), c.maxBatchSize());
  }

  /** The effective rate limit for a sink with these capabilities. */
  public Optional<RateLimit> rateLimitFor(SinkCapabilities c) {
    return rateLimit.or(c::rateLimit);
  }

  /** A copy with a concurrency override. */
  public DeliveryPolicy withMaxConcurrency(int n) {
    return new DeliveryPolicy(Optional.of(n), maxBatchSize, rateLimit, initialBackoff, maxBackoff, maxRetryAfter,
        giveUpAfter, breakerFailureRatePercent, breakerOpenFor);
  }

  /** A copy with a batch-size override. */
  public DeliveryPolicy withMaxBatchSize(int n) {
    return new DeliveryPolicy(maxConcurrency, Optional.of(n), rateLimit, initialBackoff, maxBackoff, maxRetryAfter,
        giveUpAfter, breakerFailureRatePercent, breakerOpenFor);
  }

  /** A copy with a rate-limit override. */
  public DeliveryPolicy withRateLimit(int permits, Duration period) {
    return new DeliveryPolicy(maxConcurrency, maxBatchSize, Optional.of(new RateLimit(permits, period)),
        initialBackoff, maxBackoff, maxRetryAfter, giveUpAfter, breakerFailureRatePercent, breakerOpenFor);
  }

  /** A copy with other retry timings. */
  public DeliveryPolicy withBackoff(Duration initial, Duration max) {
    return new DeliveryPolicy(maxConcurrency, maxBatchSize, rateLimit, initial, max, maxRetryAfter, giveUpAfter,
        breakerFailureRatePercent, breakerOpenFor);
  }

  /** A copy with another {@code Retry-After} clamp. */
  public DeliveryPolicy withMaxRetryAfter(Duration max) {
    return new DeliveryPolicy(maxConcurrency, maxBatchSize, rateLimit, initialBackoff, maxBackoff, max, giveUpAfter,
        breakerFailureRatePercent, breakerOpenFor);
  }

  /** A copy with another give-up age. */
  public DeliveryPolicy withGiveUpAfter(Duration d) {
    return new DeliveryPolicy(maxConcurrency, maxBatchSize, rateLimit, initialBackoff, maxBackoff, maxRetryAfter, d,
        breakerFailureRatePercent, breakerOpenFor);
  }

  /** A copy with other circuit-breaker settings. */
  public DeliveryPolicy withBreaker(int failureRatePercent, Duration openFor) {
    return new DeliveryPolicy(maxConcurrency, maxBatchSize, rateLimit, initialBackoff, maxBackoff, maxRetryAfter,
        giveUpAfter, failureRatePercent, openFor);
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }

  private static void atLeastOne(int n, String name) {
    if (n < 1) {
      throw new IllegalArgumentException(name + " must be >= 1: " + n);
    }
  }
}
