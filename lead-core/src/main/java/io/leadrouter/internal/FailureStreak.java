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
 * wrote 3,600 stack traces per destination. Thread-safe. Not API.
 */
final class FailureStreak {
  static final Duration FIRST_RETRY = Duration.ofSeconds(1);
  static final Duration MAX_RETRY = Duration.ofSeconds(30);
  static final Duration REMIND_EVERY = Duration.ofMinutes(1);

  private final Logger log;
  private final String what;
  private final String fix;
  private final LongSupplier nanoTime;
  private volatile boolean failing;
  private long failures;
  private long since;
  private long lastLogged;
  private Duration retry = FIRST_RETRY;

  /**
   * @param what what fails, as the log line's subject ("destination 'crm': reading the journal")
   * @param fix what the operator should check, ending the first line
   */
  FailureStreak(Logger log, String what, String fix, LongSupplier nanoTime) {
    this.log = Objects.requireNonNull(log, "log");
    this.what = Objects.requireNonNull(what, "what");
    this.fix = Objects.requireNonNull(fix, "fix");
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
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
      log.error("{} failed; retrying in {} s, then less often (at most every {} s). {}: {}", what, wait.toSeconds(),
          MAX_RETRY.toSeconds(), fix, Scrubber.standard().scrub(String.valueOf(e)), Scrubber.standard().scrub(e));
    } else {
      failures++;
      if (now - lastLogged >= REMIND_EVERY.toNanos()) {
        lastLogged = now;
        log.warn("{} still fails: {} failures in {} s, retrying in {} s: {}", what, failures, seconds(now - since),
            wait.toSeconds(), Scrubber.standard().scrub(String.valueOf(e)));
      }
    }
    retry = retry.multipliedBy(2).compareTo(MAX_RETRY) > 0 ? MAX_RETRY : retry.multipliedBy(2);
    return wait;
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
      log.info("{} works again after {} failures in {} s", what, failures, seconds(nanoTime.getAsLong() - since));
    }
  }

  private static long seconds(long nanos) {
    return TimeUnit.NANOSECONDS.toSeconds(nanos);
  }
}
