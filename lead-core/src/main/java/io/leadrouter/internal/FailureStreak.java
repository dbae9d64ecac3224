package io.leadrouter.internal;

import io.leadrouter.spi.Scrubber;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * A failure that repeats, such as the journal's database being down: logged once in full (the scrubbed stack trace),
 * then as a one-line reminder at most once a minute saying how long and how often it has failed, and once more when
 * it ends; the retries of a loop are spaced from 1 s, doubling, to 30 s. Without it a database down for an hour
 * wrote 3,600 stack traces per destination. A {@linkplain #throttle throttle streak} (a destination asking for fewer
 * calls, for minutes or forever) is said the same way, as a warning without a stack trace, reminded every 15 minutes.
 * Thread-safe. Not API.
 */
final class FailureStreak {
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);
  static final Duration REMIND_EVERY = Duration.ofMinutes(1);

  private final Logger log;
  private final String what;
  private final String fix;
  private final LongSupplier nanoTime;
  /** A throttle streak: not a failure of ours, so no stack trace, and its own words. */
  private final boolean throttle;
  private final Duration remindEvery;
  private volatile boolean failing;
  private long failures;
  private long since;
  private long lastLogged;
  /** When the last streak was said to end ({@link #succeeded}); meaningful once {@code ended}. */
  private long endedAt;
  private boolean ended;
  private Duration retry = FIRST_RETRY;

  /**
   * @param what what fails, as the log line's subject ("destination 'crm': reading the journal")
   * @param fix what the operator should check, ending the first line
   */
  FailureStreak(Logger log, String what, String fix, LongSupplier nanoTime) {
    this(log, what, fix, nanoTime, false);
  }

  private FailureStreak(Logger log, String what, String fix, LongSupplier nanoTime, boolean throttle) {
    this.log = Objects.requireNonNull(log, "log");
    this.what = Objects.requireNonNull(what, "what");
    this.fix = Objects.requireNonNull(fix, "fix");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
    this.throttle = throttle;
    this.remindEvery = throttle ? THROTTLE_REMIND_EVERY : REMIND_EVERY;
  }

  /** How often a throttle that lasts is said again. */
  static final Duration THROTTLE_REMIND_EVERY = Duration.ofMinutes(15);

  /**
   * A destination throttling: its first throttle is a warning saying what it means and what to do, one line every
   * 15 minutes while it lasts, one when it ends (a destination that throttled forever used to log nothing at all).
   *
   * @param what the subject ("destination 'crm'")
   * @param fix what to do if it lasts
   */
  static FailureStreak throttle(Logger log, String what, String fix, LongSupplier nanoTime) {
    return new FailureStreak(log, what, fix, nanoTime, true);
  }

  /** One more failure: logged (in full if it starts a streak, else as a reminder at most once a minute). */
  synchronized Duration failed(Throwable e) {
    long now = nanoTime.getAsLong();
    Duration wait = retry;
    if (!failing) {
      failing = true;
      failures = 1;
      since = now;
      lastLogged = now;
      if (throttle) {
        log.warn("{} is throttling (it asks for fewer calls): the router slows down and retries, and gives no lead up"
            + " for it; the leads wait as pending. {}: {}", what, fix,
            Scrubber.standard().scrub(String.valueOf(e.getMessage())));
      } else {
        log.error("{} failed; retrying in {} s, then less often (at most every {} s). {}: {}", what, wait.toSeconds(),
            MAX_RETRY.toSeconds(), fix, Scrubber.standard().scrub(String.valueOf(e)), Scrubber.standard().scrub(e));
      }
    } else {
      failures++;
      if (now - lastLogged >= remindEvery.toNanos()) {
        lastLogged = now;
        log.warn("{} still {}: {} {} in {} s{}: {}", what, throttle ? "throttles" : "fails", failures,
            throttle ? "throttled calls" : "failures", seconds(now - since),
            throttle ? "" : ", retrying in " + wait.toSeconds() + " s",
            Scrubber.standard().scrub(String.valueOf(throttle ? e.getMessage() : e)));
      }
    }
    retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
    return wait;
  }

  /**
   * One more failure, of a call sent at {@code sentNanos} (the streak's {@code nanoTime}): as {@link #failed(Throwable)},
   * except that an answer to a call sent before the last streak was said to end belongs to that streak and starts no
   * new one. With calls in parallel, a throttled answer arriving just after a success otherwise said the throttling
   * again, and its end again, for one late answer.
   */
  synchronized Duration failed(Throwable e, long sentNanos) {
    if (!failing && ended && sentNanos - endedAt < 0) {
      return retry;
    }
    return failed(e);
  }

  /** How many failures the running streak holds (0 when there is none); cheap when there is none. */
  int streak() {
    if (!failing) {
      return 0;
    }
    synchronized (this) {
      return failing ? (int) Math.min(failures, Integer.MAX_VALUE) : 0;
    }
  }

  /** It worked: ends a streak (saying so once); cheap when there is none. */
  void succeeded() {
    if (!failing) {
      return;
    }
    synchronized (this) {
      if (!failing) {
        return;
      }
      failing = false;
      retry = FIRST_RETRY;
      ended = true;
      endedAt = nanoTime.getAsLong();
      log.info("{} {} after {} {} in {} s", what, throttle ? "takes calls again" : "works again", failures,
          throttle ? "throttled calls" : "failures", seconds(nanoTime.getAsLong() - since));
    }
  }

  private static long seconds(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(nanos);
  }
}
