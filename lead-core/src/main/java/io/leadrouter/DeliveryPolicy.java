package io.leadrouter;

import io.leadrouter.spi.Require;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How the router delivers to one destination: deliveries in flight, batching and rate limit (defaults from the
 * sink's {@link SinkCapabilities}), retry backoff, give-up age and circuit breaker. Each destination has its own.
 * Build one with {@link #builder()} or change a copy with {@link #toBuilder()}:
 *
 * <pre>{@code
 * DeliveryPolicy crm = DeliveryPolicy.builder().inFlight(8).backoff(Duration.ofSeconds(2), Duration.ofMinutes(30)).build();
 * }</pre>
 *
 * <p>Three settings are easily confused. {@link SinkCapabilities#maxConcurrency()} is what the destination takes
 * (the sink declares it). {@code inFlight} here is how many deliveries this router runs to it at once (the sink's
 * declared value unless set); an HTTP sink sizes its connection pool to it. {@code maxBatchSize} is how many leads
 * one call carries.
 *
 * @param maxConcurrency deliveries in flight at once (see {@link Builder#inFlight}); the sink's declared value when
 *     empty
 * @param maxBatchSize leads per batch call; the sink's declared value when empty
 * @param rateLimit calls per period; the sink's declared limit when empty
 * @param initialBackoff first retry delay (before jitter); doubles per attempt
 * @param maxBackoff the cap of the retry delay
 * @param maxRetryAfter the longest {@code Retry-After} honoured; longer answers are clamped to it (a zero one counts as
 *     none: the backoff applies)
 * @param giveUpAfter how long a failing lead is retried before it is dead-lettered, counted from its first failed
 *     attempt (after acceptance, or after a replay): time a lead waited untried in the backlog (its destination
 *     throttled or parked, the router down for days) does not count, so a lead first attempted past this age is
 *     still retried for the whole age, and a lead is never dead-lettered before one attempt. A throttled lead (429, a
 *     vendor's rate-limit answer) is never given up, it waits as pending. Time the destination spent parked (its
 *     quota spent) does not count either: the age runs from the end of the destination's latest park when that is
 *     later (time with the circuit breaker open counts: that is an outage), nor does time the destination spent
 *     throttling after the lead's first failure (from a throttled answer to its next answer of another kind; kept
 *     in memory, so not across a restart). Counted in the time the router ran:
 *     jumps of its clock and, with a journal it owns alone, the time it was stopped are left out
 * @param breakerFailureRatePercent failure rate (of the last calls) that opens the circuit breaker
 * @param breakerOpenFor how long an open breaker waits before probing again (at most a day: longer counts as a day)
 * @param fallback the destination that also gets a lead this one has not delivered {@code fallbackAfter} after
 *     its acceptance (once, marked {@value #FALLBACK_ATTRIBUTE}); none when empty
 * @param fallbackAfter how old an undelivered lead is when it spills to the fallback (default 4 h), counted from its
 *     acceptance in the time the router ran (as {@code giveUpAfter})
 * @param payloadRetention how long after delivery the lead's content is kept for this destination; kept until the
 *     journal's retention prunes the record when empty
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
    Duration breakerOpenFor,
    Optional<String> fallback,
    Duration fallbackAfter,
    Optional<Duration> payloadRetention) {

  /**
   * The attribute a fallback delivery's lead carries, naming the destination it stands in for (the file sink writes
   * it into the line, the https sink into the body): {@code "fallbackFor": "crm"}.
   */
  public static final String FALLBACK_ATTRIBUTE = "fallbackFor";

  /** The fallback age when a fallback is set without one: 4 hours. */
  public static final Duration DEFAULT_FALLBACK_AFTER = Duration.ofHours(4);

  /** The defaults: from capabilities; backoff 1 s doubling to 15 min; Retry-After up to 1 h; give up after 72 h. */
  public static final DeliveryPolicy DEFAULTS = new DeliveryPolicy(Optional.empty(), Optional.empty(),
      Optional.empty(), Duration.ofSeconds(1), Duration.ofMinutes(15), Duration.ofHours(1), Duration.ofHours(72), 50,
      Duration.ofSeconds(30));

  /** A policy without fallback or payload retention (the components before them). */
  public DeliveryPolicy(Optional<Integer> maxConcurrency, Optional<Integer> maxBatchSize,
      Optional<RateLimit> rateLimit, Duration initialBackoff, Duration maxBackoff, Duration maxRetryAfter,
      Duration giveUpAfter, int breakerFailureRatePercent, Duration breakerOpenFor) {
    this(maxConcurrency, maxBatchSize, rateLimit, initialBackoff, maxBackoff, maxRetryAfter, giveUpAfter,
        breakerFailureRatePercent, breakerOpenFor, Optional.empty(), DEFAULT_FALLBACK_AFTER, Optional.empty());
  }

  /** Validates. */
  public DeliveryPolicy {
    Objects.requireNonNull(fallback, "fallback");
    Objects.requireNonNull(payloadRetention, "payloadRetention");
    Require.positive(fallbackAfter, "fallbackAfter");
    payloadRetention.ifPresent(d -> Require.positive(d, "payloadRetention"));
    fallback.ifPresent(f -> {
      if (f.isBlank()) {
        throw new IllegalArgumentException("fallback must name a destination");
      }
    });
    Objects.requireNonNull(maxConcurrency, "maxConcurrency");
    Objects.requireNonNull(maxBatchSize, "maxBatchSize");
    Objects.requireNonNull(rateLimit, "rateLimit");
    Require.positive(initialBackoff, "initialBackoff");
    Require.positive(maxBackoff, "maxBackoff");
    Require.positive(maxRetryAfter, "maxRetryAfter");
    Require.positive(giveUpAfter, "giveUpAfter");
    Require.positive(breakerOpenFor, "breakerOpenFor");
    maxConcurrency.ifPresent(n -> Require.atLeast(n, 1, "inFlight (maxConcurrency)"));
    maxBatchSize.ifPresent(n -> Require.atLeast(n, 1, "maxBatchSize"));
    if (breakerFailureRatePercent < 1 || breakerFailureRatePercent > 100) {
      throw new IllegalArgumentException("breakerFailureRatePercent must be 1..100: " + breakerFailureRatePercent);
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("maxBackoff " + maxBackoff + " is below initialBackoff " + initialBackoff);
    }
  }

  /** A builder starting from {@link #DEFAULTS}. */
  public static Builder builder() {
    return DEFAULTS.toBuilder();
  }

  /** A builder starting from this policy, to change some of it. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The deliveries in flight at once for a sink with these capabilities. */
  public int inFlightFor(SinkCapabilities c) {
    return maxConcurrency.orElse(c.maxConcurrency());
  }

  /** Same as {@link #inFlightFor}. */
  public int concurrencyFor(SinkCapabilities c) {
    return inFlightFor(c);
  }

  /** The effective batch size for a sink with these capabilities (never above what the sink declares). */
  public int batchSizeFor(SinkCapabilities c) {
    return Math.min(maxBatchSize.orElse(c.maxBatchSize()), c.maxBatchSize());
  }

  /** The effective rate limit for a sink with these capabilities. */
  public Optional<RateLimit> rateLimitFor(SinkCapabilities c) {
    return rateLimit.or(c::rateLimit);
  }

  /** A copy with another number of deliveries in flight: {@code toBuilder().inFlight(n).build()}. */
  public DeliveryPolicy withMaxConcurrency(int n) {
    return toBuilder().inFlight(n).build();
  }

  /** A copy with a batch-size override: {@code toBuilder().maxBatchSize(n).build()}. */
  public DeliveryPolicy withMaxBatchSize(int n) {
    return toBuilder().maxBatchSize(n).build();
  }

  /** A copy with a rate-limit override: {@code toBuilder().rateLimit(permits, period).build()}. */
  public DeliveryPolicy withRateLimit(int permits, Duration period) {
    return toBuilder().rateLimit(permits, period).build();
  }

  /** A copy with other retry timings: {@code toBuilder().backoff(initial, max).build()}. */
  public DeliveryPolicy withBackoff(Duration initial, Duration max) {
    return toBuilder().backoff(initial, max).build();
  }

  /** A copy with another {@code Retry-After} clamp: {@code toBuilder().maxRetryAfter(max).build()}. */
  public DeliveryPolicy withMaxRetryAfter(Duration max) {
    return toBuilder().maxRetryAfter(max).build();
  }

  /** A copy with another give-up age: {@code toBuilder().giveUpAfter(d).build()}. */
  public DeliveryPolicy withGiveUpAfter(Duration d) {
    return toBuilder().giveUpAfter(d).build();
  }

  /** A copy with other circuit-breaker settings: {@code toBuilder().breaker(percent, openFor).build()}. */
  public DeliveryPolicy withBreaker(int failureRatePercent, Duration openFor) {
    return toBuilder().breaker(failureRatePercent, openFor).build();
  }

  /** Builds a {@link DeliveryPolicy}; {@link #build()} checks the whole policy. */
  public static final class Builder {
    private Optional<Integer> inFlight;
    private Optional<Integer> maxBatchSize;
    private Optional<RateLimit> rateLimit;
    private Duration initialBackoff;
    private Duration maxBackoff;
    private Duration maxRetryAfter;
    private Duration giveUpAfter;
    private int breakerFailureRatePercent;
    private Duration breakerOpenFor;
    private Optional<String> fallback;
    private Duration fallbackAfter;
    private Optional<Duration> payloadRetention;

    private Builder(DeliveryPolicy p) {
      fallback = p.fallback;
      fallbackAfter = p.fallbackAfter;
      payloadRetention = p.payloadRetention;
      inFlight = p.maxConcurrency;
      maxBatchSize = p.maxBatchSize;
      rateLimit = p.rateLimit;
      initialBackoff = p.initialBackoff;
      maxBackoff = p.maxBackoff;
      maxRetryAfter = p.maxRetryAfter;
      giveUpAfter = p.giveUpAfter;
      breakerFailureRatePercent = p.breakerFailureRatePercent;
      breakerOpenFor = p.breakerOpenFor;
    }

    /** How many deliveries the router runs to this destination at once (default: the sink's maxConcurrency). */
    public Builder inFlight(int n) {
      inFlight = Optional.of(n);
      return this;
    }

    /** Back to the sink's declared concurrency. */
    public Builder inFlightFromSink() {
      inFlight = Optional.empty();
      return this;
    }

    /** Leads per batch call, at most what the sink declares (default: the sink's value). */
    public Builder maxBatchSize(int n) {
      maxBatchSize = Optional.of(n);
      return this;
    }

    /** Calls per period (default: the sink's declared limit, if any). */
    public Builder rateLimit(int permits, Duration period) {
      rateLimit = Optional.of(new RateLimit(permits, period));
      return this;
    }

    /** First retry delay and its cap; the delay doubles per failed attempt, with full jitter. */
    public Builder backoff(Duration initial, Duration max) {
      initialBackoff = initial;
      maxBackoff = max;
      return this;
    }

    /** The longest {@code Retry-After} honoured; longer answers are clamped to it. */
    public Builder maxRetryAfter(Duration max) {
      maxRetryAfter = max;
      return this;
    }

    /**
     * How long a failing lead is retried before it is dead-lettered, counted from its first failed attempt (or the
     * end of the destination's latest quota park, if later): time waiting untried in the backlog never counts, so a
     * lead first attempted after days in the journal still gets its retries.
     */
    public Builder giveUpAfter(Duration d) {
      giveUpAfter = d;
      return this;
    }

    /** The failure rate that opens the circuit breaker, and how long it stays open before probing. */
    public Builder breaker(int failureRatePercent, Duration openFor) {
      breakerFailureRatePercent = failureRatePercent;
      breakerOpenFor = openFor;
      return this;
    }

    /**
     * A lead this destination has not delivered (retrying, parked or dead) {@code after} its acceptance is also
     * delivered to {@code destination}, once, its lead carrying {@link #FALLBACK_ATTRIBUTE}; this destination keeps
     * trying. {@code destination} must be another destination of the router.
     */
    public Builder fallback(String destination, Duration after) {
      fallback = Optional.of(Objects.requireNonNull(destination, "destination"));
      fallbackAfter = after;
      return this;
    }

    /** No fallback (the default). */
    public Builder noFallback() {
      fallback = Optional.empty();
      fallbackAfter = DEFAULT_FALLBACK_AFTER;
      return this;
    }

    /**
     * Drops the lead's content from the journal this long after it was delivered here (the delivery record stays),
     * once every destination of the lead has delivered it and has a payload retention that passed.
     */
    public Builder payloadRetention(Duration retention) {
      payloadRetention = Optional.of(Objects.requireNonNull(retention, "retention"));
      return this;
    }

    /**
     * The policy.
     *
     * @throws IllegalArgumentException naming the setting out of range
     */
    public DeliveryPolicy build() {
      return new DeliveryPolicy(inFlight, maxBatchSize, rateLimit, initialBackoff, maxBackoff, maxRetryAfter,
          giveUpAfter, breakerFailureRatePercent, breakerOpenFor, fallback, fallbackAfter, payloadRetention);
    }
  }
}
