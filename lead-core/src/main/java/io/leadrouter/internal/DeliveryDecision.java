package io.leadrouter.internal;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadEvent;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.Settlement;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.TransientDeliveryException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The delivery rules in one pure function: what a claimed delivery becomes after an attempt (or a refusal to
 * attempt), as the settlement to write and the event to publish. No threads, clocks or randomness: the retry
 * jitter is derived from the delivery id and attempt, so retries of different leads spread out while the decision
 * stays repeatable. Not API.
 */
public final class DeliveryDecision {
  private DeliveryDecision() {}

  /** What happened to one delivery attempt. */
  public sealed interface Outcome {
    /** The destination took the lead. */
    record Delivered(DeliveryResult result) implements Outcome {
      /** Checks the result is present. */
      public Delivered {
        Objects.requireNonNull(result, "result");
      }
    }

    /** The destination (or the sink) failed; the exception says whether transiently, permanently or by quota. */
    record Failed(DeliveryException failure) implements Outcome {
      /** Checks the failure is present. */
      public Failed {
        Objects.requireNonNull(failure, "failure");
      }
    }

    /** Not attempted: the destination's circuit breaker is open. */
    record BreakerOpen() implements Outcome {}
  }

  /**
   * What to record and tell.
   *
   * @param settlement what the journal records
   * @param event what listeners and receipts are told; empty when nothing happened to the lead (not attempted)
   */
  public record Decision(Settlement settlement, Optional<LeadEvent> event) {
    /** Checks parts are present. */
    public Decision {
      Objects.requireNonNull(settlement, "settlement");
      Objects.requireNonNull(event, "event");
    }
  }

  /** The diagnosis code of a throttle whose sink named none. */
  public static final String THROTTLED = "DELIVERY_THROTTLED";

  /** How long a delivery refused by an open breaker waits before it is offered again. */
  static final Duration BREAKER_RETRY = Duration.ofSeconds(1);

  /**
   * Decides what a claimed delivery becomes.
   *
   * @param claimed the delivery as claimed (its attempts so far and when its round of attempts started)
   * @param outcome what the attempt gave
   * @param policy the destination's policy (backoff, give-up age)
   * @param now the time of the outcome
   */
  public static Decision decide(ClaimedDelivery claimed, Outcome outcome, DeliveryPolicy policy, Instant now) {
    return decide(claimed, outcome, policy, now, Instant.MIN);
  }

  /**
   * Decides what a claimed delivery becomes, not counting time the destination was parked toward the give-up age.
   *
   * @param claimed the delivery as claimed (its attempts so far and when its round of attempts started)
   * @param outcome what the attempt gave
   * @param policy the destination's policy (backoff, give-up age)
   * @param now the time of the outcome
   * @param parkEnd when the destination's latest quota park ended (or ends), {@link Instant#MIN} if it never was: the
   *     give-up age counts from it when it is later than the delivery's {@link ClaimedDelivery#retrySince()}, so a
   *     lead that waited days for a daily quota is not dead-lettered at its first transient failure afterwards
   */
  public static Decision decide(ClaimedDelivery claimed, Outcome outcome, DeliveryPolicy policy, Instant now,
      Instant parkEnd) {
    return decide(claimed, outcome, policy, now, parkEnd, ClockJumps.NONE);
  }

  /**
   * Decides what a claimed delivery becomes, counting the give-up age in the time that passed: a forward jump of the
   * router's clock recorded in {@code jumps} after the age started does not count toward it (read as a value: the
   * decision stays a function of its arguments).
   *
   * @param jumps the forward jumps of the router's clock ({@link ClockJumps#NONE}: none counted out)
   */
  public static Decision decide(ClaimedDelivery claimed, Outcome outcome, DeliveryPolicy policy, Instant now,
      Instant parkEnd, ClockJumps jumps) {
    return decide(claimed, outcome, policy, now, parkEnd, jumps, Duration.ZERO);
  }

  /**
   * Decides what a claimed delivery becomes, a throttle's backoff stepping with the destination's throttling.
   *
   * @param throttledFor how long the destination has been throttling, this answer included ({@link Duration#ZERO}:
   *     not known): a throttle counts no attempt, so without it the backoff of a lead throttled again and again stayed
   *     at its first step, a retry every {@code initialBackoff} for as long as the destination asked for fewer calls.
   *     The step is the one a lead failing for that long would have reached ({@link #throttleStep}): a time, not a
   *     count of answers, so 64 calls throttled at once are one moment, not 64 steps
   */
  public static Decision decide(ClaimedDelivery claimed, Outcome outcome, DeliveryPolicy policy, Instant now,
      Instant parkEnd, ClockJumps jumps, Duration throttledFor) {
    return decide(claimed, outcome, policy, now, parkEnd, jumps, throttledFor, ThrottleSpans.NONE);
  }

  /**
   * Decides what a claimed delivery becomes, the give-up age leaving out the time its destination spent throttling.
   *
   * @param throttles the destination's throttled periods ({@link ThrottleSpans#NONE}: none left out): a lead that
   *     failed once and then waited hours while the destination throttled was dead-lettered at its next failure,
   *     those hours counted as failing (read as a value: the decision stays a function of its arguments)
   */
  public static Decision decide(ClaimedDelivery claimed, Outcome outcome, DeliveryPolicy policy, Instant now,
      Instant parkEnd, ClockJumps jumps, Duration throttledFor, ThrottleSpans throttles) {
    Instant start = giveUpAgeSince(claimed, now, parkEnd);
    Instant since = later(jumps.shift(start), throttles.within(start, now));
    Instant giveUp = later(since, policy.giveUpAfter());
    if (outcome instanceof Outcome.Delivered d) {
      DeliveryResult result = d.result();
      LeadEvent.Type type = result.outcome() == DeliveryOutcome.HANDED_OFF
          ? LeadEvent.Type.HANDED_OFF : LeadEvent.Type.DELIVERED;
      return new Decision(Settlement.delivered(claimed, result, now),
          Optional.of(event(type, claimed, now, claimed.attempts(), Optional.of(result), Optional.empty(),
              Optional.empty())));
    }
    if (outcome instanceof Outcome.BreakerOpen) {
      if (now.isAfter(giveUp)) {
        return dead(claimed, new Diagnosis("DELIVERY_GAVE_UP", "gave up after " + claimed.attempts()
            + " attempts over " + policy.giveUpAfter() + "; the destination's circuit breaker is open (it keeps"
            + " failing)", "fix the destination, then replay its dead letters"), "circuit breaker open", now);
      }
      return new Decision(Settlement.released(claimed, now.plus(BREAKER_RETRY)), Optional.empty());
    }
    DeliveryException failure = ((Outcome.Failed) outcome).failure();
    if (failure instanceof PermanentDeliveryException p) {
      return dead(claimed, p.diagnosisValue(), p.getMessage(), now);
    }
    if (failure instanceof QuotaExceededException q) {
      Diagnosis d = q.diagnosis().orElseThrow();
      Instant until = parkedUntil(q, policy, now);
      return new Decision(Settlement.parked(claimed, until, d),
          Optional.of(event(LeadEvent.Type.PARKED, claimed, now, claimed.attempts(), Optional.empty(),
              Optional.of(d), Optional.of(until))));
    }
    TransientDeliveryException t = (TransientDeliveryException) failure;
    // a throttle (the destination up, asking for less) and a deferral (this lead waiting for its own earlier write)
    // are not failed attempts: counted, a destination throttling for hours showed leads with hundreds of "attempts"
    // in events and inspect. The backoff step still follows the attempts that failed, plus this one (or how long the destination has throttled)
    boolean waited = t.isThrottled() || t.isDeferred();
    // a throttle steps with how long the destination has throttled too: it counts no attempt, so the step would
    // otherwise never grow while the destination keeps asking for fewer calls
    int step = t.isThrottled() ? Math.max(claimed.attempts() + 1, throttleStep(policy, throttledFor))
        : claimed.attempts() + 1;
    int attempts = waited ? claimed.attempts() : step;
    Instant due = later(now, Backoff.delay(policy, step, t.retryAfter(), jitter(claimed.deliveryId(), step)));
    // a throttle is the destination up and asking for less: it never gives a lead up, however long it lasts (the
    // lead waits as pending, its diagnosis says throttled); only failures of other kinds reach the give-up age. A
    // lead is given up when it fails at or past that age, not when its next retry would fall past it: that rule
    // dead-lettered a lead at its first failure when the destination asked for a wait longer than the age (a 503
    // with Retry-After: 900 under a 10 min age: "gave up after 1 attempts over PT10M", never retried), and
    // every lead up to maxBackoff (or maxRetryAfter) before its age
    if (!now.isBefore(giveUp) && !waited) {
      Diagnosis cause = t.diagnosis().orElse(new Diagnosis("DELIVERY_GAVE_UP", t.getMessage(), ""));
      Diagnosis d = new Diagnosis(cause.code(), "gave up after " + attempts + " attempts over "
          + policy.giveUpAfter() + "; last error: " + t.getMessage(), cause.remediation().isEmpty()
          ? "fix the destination, then replay its dead letters" : cause.remediation());
      return dead(claimed, d, t.getMessage(), now);
    }
    // a throttle says so even when the sink named no diagnosis (Salesforce's or Web-to-Lead's bare 429): throttled,
    // not down, in the journal and to listeners
    Optional<Diagnosis> diagnosis = t.diagnosis().isPresent() || !t.isThrottled() ? t.diagnosis()
        : Optional.of(new Diagnosis(THROTTLED, t.getMessage(), "nothing, if it passes: the destination is up and asks"
            + " for fewer calls; the router slows down and retries, and never gives the lead up for it. If it lasts,"
            + " lower this destination's rateLimit or ask for a higher limit (other integrations may share it)"));
    return new Decision(waited ? Settlement.waiting(claimed, due, t.getMessage(), diagnosis)
        : Settlement.retry(claimed, due, t.getMessage(), diagnosis),
        Optional.of(event(LeadEvent.Type.RETRYING, claimed, now, attempts, Optional.empty(), diagnosis,
            Optional.of(due))));
  }

  /**
   * The backoff step a destination throttling for {@code throttledFor} has reached: the step of a lead whose retries,
   * waiting {@code initialBackoff} doubling, have spent that long, {@code 1 + floor(log2(1 + throttledFor /
   * initialBackoff))}: 1 at once, 2 after one initial backoff, 3 after three, 4 after seven.
   */
  static int throttleStep(DeliveryPolicy policy, Duration throttledFor) {
    long initial = Math.max(1, policy.initialBackoff().toMillis());
    long ratio = throttledFor.toMillis() / initial;
    return 1 + (63 - Long.numberOfLeadingZeros(ratio + 1)); // floor(log2(1 + ratio)), at most 63
  }

  /**
   * Where a delivery's give-up age starts: its first failed attempt (the journal keeps that time as
   * {@link ClaimedDelivery#retrySince()} once an attempt failed; before, it is the acceptance or replay), or the end
   * of the destination's latest park if later. A delivery not attempted yet ({@code attempts == 0}) has no age: time
   * waiting in the backlog (the destination throttled or parked, the router down for days) is not time failing, so
   * a lead first attempted past the give-up age is retried for the whole age, never dead-lettered at its first
   * transient failure (nor for an open circuit breaker without a single attempt).
   */
  static Instant giveUpAgeSince(ClaimedDelivery claimed, Instant now, Instant parkEnd) {
    if (claimed.attempts() == 0) {
      return now;
    }
    return parkEnd.isAfter(claimed.retrySince()) ? parkEnd : claimed.retrySince();
  }

  private static Decision dead(ClaimedDelivery c, Diagnosis d, String error, Instant now) {
    return new Decision(Settlement.dead(c, d, error, now),
        Optional.of(event(LeadEvent.Type.DEAD_LETTERED, c, now, c.attempts() + 1, Optional.empty(), Optional.of(d),
            Optional.empty())));
  }

  private static LeadEvent event(LeadEvent.Type type, ClaimedDelivery c, Instant now, int attempts,
      Optional<DeliveryResult> result, Optional<Diagnosis> diagnosis, Optional<Instant> next) {
    return new LeadEvent(type, c.lead().id(), c.destination(), now, attempts, result, diagnosis, next);
  }

  /**
   * {@code at + d}, at most {@link #NEVER}: a policy may say "practically never" ({@code giveUpAfter} or
   * {@code maxRetryAfter} of Long.MAX_VALUE seconds), which Instant.plus cannot hold: it threw on every outcome, and
   * no delivery, not even a success, was ever recorded.
   */
  public static Instant later(Instant at, Duration d) {
    return between(at, NEVER).compareTo(d) <= 0 ? NEVER : at.plus(d);
  }

  /**
   * {@code at - d}, at the earliest the epoch (no journal time is earlier): an age of "practically never"
   * ({@code retention}, {@code payloadRetention} or {@code fallbackAfter} of Long.MAX_VALUE seconds) made
   * Instant.minus throw, so the chore using it failed every time, and with it every other part of that chore.
   */
  public static Instant earlier(Instant at, Duration d) {
    return between(Instant.EPOCH, at).compareTo(d) <= 0 ? Instant.EPOCH : at.minus(d);
  }

  /**
   * {@link Duration#between} for two instants, without its detour: it first counts in nanoseconds, which overflow
   * beyond 292 years (every {@link #later} to {@link #NEVER}: once per settlement), and only then falls back to
   * seconds through a thrown and caught {@link ArithmeticException}. The same value, from the seconds and nanos.
   */
  static Duration between(Instant from, Instant to) {
    return Duration.ofSeconds(to.getEpochSecond() - from.getEpochSecond(), to.getNano() - from.getNano());
  }

  /**
   * Until when a quota answer parks the destination: the time the sink named, but at least the policy's first backoff
   * (at least a second) from now. A resume time already past (a sink's clock behind, a reset misread, a plugin
   * answering "now") parked nothing: the lead was claimed and sent again at once, 298 calls in 2 s for one lead.
   */
  public static Instant parkedUntil(QuotaExceededException q, DeliveryPolicy policy, Instant now) {
    Duration least = policy.initialBackoff().compareTo(MIN_PARK) > 0 ? policy.initialBackoff() : MIN_PARK;
    Instant earliest = later(now, least);
    return q.resumeAt().isBefore(earliest) ? earliest : q.resumeAt();
  }

  /** The shortest park: a second. */
  static final Duration MIN_PARK = Duration.ofSeconds(1);

  /** The latest time a decision names (year 9999, far beyond any lead's life; SQL and ISO text keep it). */
  static final Instant NEVER = Instant.parse("9999-12-31T23:59:59Z");

  /** A wait that {@link #later} always caps at {@link #NEVER} (longer than from the epoch to it). */
  static final Duration NEVER_WAIT = Duration.between(Instant.EPOCH, NEVER);

  /** A fraction in [0, 1) spread evenly over deliveries and attempts (SplitMix64 of both). */
  static double jitter(long deliveryId, int attempts) {
    long z = deliveryId * 0x9E3779B97F4A7C15L + attempts;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53;
  }
}
