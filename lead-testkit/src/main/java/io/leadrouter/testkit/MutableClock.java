package io.leadrouter.testkit;

import io.leadrouter.ElapsedTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A UTC clock that tests move by hand, so token expiry, quota resets and backoff need no sleeping. Moving it forward
 * ({@link #advance}, {@link #set}) is time passing, which the router counts as the age of its leads; {@link #jump} is
 * the clock being set (an operator, an NTP step) with no time passing ({@link ElapsedTime}). Thread-safe.
 */
public final class MutableClock extends Clock implements ElapsedTime {
  private final AtomicReference<Instant> now;
  private final AtomicLong elapsed = new AtomicLong(1_000_000_000L);

  /** A clock standing at {@code start}. */
  public MutableClock(Instant start) {
    now = new AtomicReference<>(Objects.requireNonNull(start, "start"));
  }

  /** Moves the clock forward, time passing (or back, for a negative duration: the clock set back). */
  public void advance(Duration d) {
    Instant before = now.getAndUpdate(t -> t.plus(d));
    passed(before, before.plus(d));
  }

  /** Sets the clock to {@code t}: later, time passes until then; earlier, the clock is set back. */
  public void set(Instant t) {
    Instant before = now.getAndSet(Objects.requireNonNull(t, "t"));
    passed(before, t);
  }

  /** Sets the clock {@code by} ahead (or back) with no time passing: a jump, which ages no lead. */
  public void jump(Duration by) {
    now.updateAndGet(t -> t.plus(by));
  }

  @Override
  public long elapsedNanos() {
    return elapsed.get();
  }

  private void passed(Instant from, Instant to) {
    if (to.isAfter(from)) {
      Duration d = Duration.between(from, to);
      elapsed.addAndGet(d.getSeconds() > Long.MAX_VALUE / 2_000_000_000L ? Long.MAX_VALUE / 4 : d.toNanos());
    }
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now.get();
  }
}
