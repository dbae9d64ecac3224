package io.leadrouter.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Core's tests' wall clock, set by hand, with the elapsed nanoseconds beside it ({@link #nanos()}): real time
 * passing moves both ({@link #pass}), the clock being set moves only the wall ({@link #set}). Thread-safe.
 */
public final class HandClock extends Clock implements io.leadrouter.ElapsedTime {
  private final AtomicReference<Instant> now;
  private final AtomicLong nanos = new AtomicLong(123_456_789L);

  /** A wall clock standing at {@code start}. */
  public HandClock(Instant start) {
    now = new AtomicReference<>(start);
  }

  /** Real time passes: the wall clock and the elapsed time both move. */
  public void pass(Duration d) {
    now.updateAndGet(t -> t.plus(d));
    nanos.addAndGet(d.toNanos());
  }

  /** The wall clock is set (back, for a negative {@code by}); no time passes. */
  public void set(Duration by) {
    now.updateAndGet(t -> t.plus(by));
  }

  /** The elapsed time, as {@link System#nanoTime()}. */
  public long nanos() {
    return nanos.get();
  }

  @Override
  public long elapsedNanos() {
    return nanos.get();
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
