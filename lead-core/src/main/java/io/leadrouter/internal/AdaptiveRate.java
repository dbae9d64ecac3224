package io.leadrouter.internal;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * Paces one destination's calls by what its server allows: throttling (429, Retry-After, a vendor's rate-limit
 * answer) is the destination saying "slower", not "down". Unpaced until the first throttle; then all calls wait out
 * the {@code Retry-After}, the pace is set just under the rate the destination had been accepting calls at (when
 * enough calls since the last throttle measure it), and each success creeps the pace back up (about {@link #CREEP_PER_SECOND} per second while calls flow), never above the
 * configured or declared limit. Thread-safe; time comes from a nanosecond source so tests drive it.
 */
public final class AdaptiveRate {
  /** The slowest pace throttling can push a destination to. */
  public static final double MIN_PER_SECOND = 0.2;
  /** How far under the accepted rate a throttle sets the pace. */
  static final double BACK_OFF = 0.95;
  /** Relative increase per second while calls succeed at the current pace. */
  static final double CREEP_PER_SECOND = 0.02;
  /**
   * At most one cut per this period: a window between two throttles a few calls apart measures only the pace
   * already set, so cutting on each of them ratchets a server that throttles now and then (3 % of calls, say)
   * down to the floor; one cut a second, as TCP cuts once per round trip, keeps the pace where the server is.
   */
  static final long CUT_COOLDOWN_NANOS = 1_000_000_000L;
  /** Fewer successes than this in the window say too little about the accepted rate. */
  private static final int MIN_SAMPLE = 5;
  /**
   * How far back the accepted rate is measured. Not reset by each throttle: a server refusing most calls (Marketo's
   * 606 while over 100 calls per 20 s) leaves fewer than {@link #MIN_SAMPLE} successes between two throttles, so a
   * sample restarted at every throttle never measured anything and the pace was never set (47 % drained).
   */
  static final long WINDOW_NANOS = 3_000_000_000L;
  /**
   * Once paced, cut again only when more than this share of the window's calls were throttled: a server throttling
   * now and then (3 % of calls) is at its pace already; one refusing a tenth or more is being pushed past it.
   */
  static final double CUT_ABOVE_THROTTLED_SHARE = 0.10;
  private static final long NANOS = 1_000_000_000L;
  /** The longest hold kept here (Duration.toNanos overflows past 292 years; nanoTime arithmetic long before). */
  static final Duration LONGEST_HOLD = Duration.ofDays(365);

  private final double ceiling;
  private final LongSupplier nanoTime;
  private double rate = Double.POSITIVE_INFINITY;
  private long nextFree;
  private long holdUntil;
  private long sampleStart;
  private int sampleSuccesses;
  private final java.util.ArrayDeque<Long> successes = new java.util.ArrayDeque<>();
  private final java.util.ArrayDeque<Long> throttled = new java.util.ArrayDeque<>();
  private long throttles;
  private long lastCut;

  /**
   * A pacer.
   *
   * @param ceiling the configured or declared limit in calls per second, if any: the rate never creeps above it
   * @param nanoTime the time source ({@code System::nanoTime} in production)
   */
  public AdaptiveRate(Optional<Double> ceiling, LongSupplier nanoTime) {
    this.ceiling = ceiling.orElse(Double.POSITIVE_INFINITY);
    this.nanoTime = nanoTime;
    this.sampleStart = nanoTime.getAsLong();
    this.lastCut = sampleStart - CUT_COOLDOWN_NANOS;
  }

  /** Reserves the next call's slot; returns how long the caller must wait before making it (zero: go now). */
  public synchronized Duration reserve() {
    long now = nanoTime.getAsLong();
    long at = Math.max(now, holdUntil);
    if (Double.isFinite(rate)) {
      at = Math.max(at, nextFree);
      nextFree = at + (long) (NANOS / rate);
    }
    return Duration.ofNanos(at - now);
  }

  /**
   * Reserves the next call's slot if it comes within {@code maxWait}, and returns the wait (zero: go now); otherwise
   * reserves nothing and returns the longer wait (a held or slow destination: the caller does not sleep it out).
   */
  public synchronized Duration reserveWithin(Duration maxWait) {
    long now = nanoTime.getAsLong();
    long at = Math.max(now, holdUntil);
    if (Double.isFinite(rate)) {
      at = Math.max(at, nextFree);
    }
    Duration wait = Duration.ofNanos(at - now);
    if (wait.compareTo(maxWait) <= 0 && Double.isFinite(rate)) {
      nextFree = at + (long) (NANOS / rate);
    }
    return wait;
  }

  /** Waits for the next call's slot. */
  public void acquire() throws InterruptedException {
    Duration wait = reserve();
    if (!wait.isZero()) {
      Thread.sleep(wait.toMillis(), wait.toNanosPart() % 1_000_000);
    }
  }

  /** A call succeeded (or was refused for its content: the destination is up and answering): creep back up. */
  public synchronized void onSuccess() {
    long now = nanoTime.getAsLong();
    successes.add(now);
    evict(now);
    sampleSuccesses++;
    if (Double.isFinite(rate)) {
      // +CREEP_PER_SECOND of the rate per second at full pace: one success is 1/rate of a second
      rate = Math.min(ceiling, rate * (1 + CREEP_PER_SECOND / Math.max(1, rate)));
    }
  }

  /**
   * The destination throttled a call: pace just under the rate it was accepting, and hold every call until
   * {@code retryAfter} has passed.
   */
  public synchronized void onThrottle(Optional<Duration> retryAfter) {
    long now = nanoTime.getAsLong();
    throttles++;
    throttled.add(now);
    evict(now);
    long hold = retryAfter.map(AdaptiveRate::nanos).orElse(0L);
    double accepted;
    boolean pushedPast;
    if (hold > 0) {
      // calls stop for the hold: measured since the last throttle (the hold before it excluded)
      double seconds = (now - sampleStart) / (double) NANOS;
      accepted = sampleSuccesses >= MIN_SAMPLE && seconds > 0 ? sampleSuccesses / seconds : Double.NaN;
      pushedPast = true;
    } else {
      // no wait named: measured over the window, across throttles
      long from = Math.max(sampleStart, Math.min(successes.isEmpty() ? now : successes.peekFirst(),
          throttled.peekFirst()));
      double seconds = (now - from) / (double) NANOS;
      accepted = successes.size() >= MIN_SAMPLE && seconds > 0 ? successes.size() / seconds : Double.NaN;
      double throttledShare = throttled.size() / (double) (throttled.size() + successes.size());
      if (Double.isNaN(accepted) && !successes.isEmpty() && throttled.size() >= 2 * MIN_SAMPLE && throttledShare > 0.5
          && seconds > 0) {
        // refused far more than accepted, too few successes for a sample: what got through is the best measure (a
        // server letting 3 calls a second through bursts of 30 never gave 5 successes in the window, and an
        // unpaced worker kept bursting: 7 % drained)
        accepted = successes.size() / seconds;
      }
      pushedPast = !Double.isFinite(rate) || throttledShare > CUT_ABOVE_THROTTLED_SHARE;
    }
    if (!Double.isNaN(accepted) && pushedPast && now - lastCut >= CUT_COOLDOWN_NANOS) {
      lastCut = now;
      // too few successes to measure say nothing about the allowed rate: then only the hold below applies, so a
      // destination throttling from the first call is not crawled at a guessed pace
      rate = Math.min(ceiling, Math.max(MIN_PER_SECOND, Math.min(rate, accepted) * BACK_OFF));
    }
    holdUntil = Math.max(holdUntil, now + hold);
    if (hold > 0) {
      // the next sample starts when calls may flow again, so the hold does not count as a slow period
      sampleStart = Math.max(now, holdUntil);
      sampleSuccesses = 0;
      successes.clear();
      throttled.clear();
    }
  }

  /** A hold in nanoseconds, at most {@link #LONGEST_HOLD} (a policy's clamp may be set far beyond what a long holds). */
  private static long nanos(Duration hold) {
    return hold.compareTo(LONGEST_HOLD) > 0 ? LONGEST_HOLD.toNanos() : Math.max(0, hold.toNanos());
  }

  /** Forgets outcomes older than the window. */
  private void evict(long now) {
    while (!successes.isEmpty() && now - successes.peekFirst() > WINDOW_NANOS) {
      successes.pollFirst();
    }
    while (!throttled.isEmpty() && now - throttled.peekFirst() > WINDOW_NANOS) {
      throttled.pollFirst();
    }
  }

  /** The current pace in calls per second; infinite while unpaced. */
  /**
   * The destination throttled and said for how long ({@code Retry-After}): every call waits until then, the pace
   * is left as it is. A server that names its wait has told us what it needs; cutting the pace on top of that turned
   * sporadic 429s (a few percent of calls) into a crawl.
   */
  public synchronized void onHold(Duration retryAfter) {
    long now = nanoTime.getAsLong();
    throttles++;
    holdUntil = Math.max(holdUntil, now + nanos(retryAfter));
  }

  public synchronized double perSecond() {
    return rate;
  }

  /** How many throttles this destination answered, for operators and tests. */
  public synchronized long throttles() {
    return throttles;
  }
}
