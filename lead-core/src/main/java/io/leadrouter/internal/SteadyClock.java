package io.leadrouter.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded router's clock: the wall clock, except that it never goes back. When the wall clock is set back (an
 * operator, a VM restored from a snapshot, an NTP step), this clock keeps counting the time that really passed
 * (from {@link System#nanoTime}) from where it was, so a retry due in 10 s is still due in 10 s, not in an hour and
 * 10 s, and no lease or park lasts longer than it should. When the wall clock later catches up or jumps forward, this
 * clock follows it. Steps within {@link #TOLERANCE} (NTP's own slewing) are absorbed by waiting, never by going back.
 * A restart goes back to the wall clock (the journal then brings forward retries due implausibly far ahead: see
 * {@code LeadJournal.bringForward}).
 *
 * <p>Only for a journal one router owns (SQLite): routers sharing a PostgreSQL journal must agree on leases across
 * hosts, so they read each host's wall clock (NTP-synchronised) as it is. Not API.
 */
public final class SteadyClock extends Clock {
  private static final Logger LOG = LoggerFactory.getLogger(SteadyClock.class);
  /** How far the wall clock may move against the elapsed time before it counts as set, not slewed. */
  static final Duration TOLERANCE = Duration.ofSeconds(1);

  private final Clock wall;
  private final LongSupplier nanos;
  /**
   * What this clock last returned, the elapsed-time reading it was taken at, and how far it is ahead of the wall clock
   * (the sum of the backward steps not yet caught up); null before the first reading. Replaced whole by
   * compare-and-set, never under a lock: every route() and delivery reads this clock, and with a lock, threads
   * queued behind a holder the scheduler had paused (2 cores, a hundred threads) for 10 ms and more, thousands of
   * times a minute under load.
   */
  private final AtomicReference<State> state = new AtomicReference<>();

  private record State(Instant last, long lastNanos, Duration ahead) {}

  /** A clock following {@code wall} but never going back, measuring elapsed time with {@code nanos}. */
  public SteadyClock(Clock wall, LongSupplier nanos) {
    this.wall = Objects.requireNonNull(wall, "wall");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
  }

  /** The system's UTC clock, never going back. */
  public static SteadyClock system() {
    return new SteadyClock(Clock.systemUTC(), System::nanoTime);
  }

  /** The elapsed time this clock counts with (as {@link System#nanoTime}). */
  public LongSupplier elapsed() {
    return nanos;
  }

  /** Never before what any thread was given before this call began. */
  @Override
  public Instant instant() {
    while (true) {
      State s = state.get();
      long n = nanos.getAsLong(); // read after the state: never before the reading it was recorded at
      Instant w = wall.instant();
      if (s == null) {
        if (state.compareAndSet(null, new State(w, n, Duration.ZERO))) {
          return w;
        }
        continue;
      }
      Instant expected = s.last().plusNanos(n - s.lastNanos());
      Instant candidate = s.ahead().isZero() ? w : w.plus(s.ahead());
      Duration drift = Duration.between(expected, candidate);
      if (drift.abs().compareTo(TOLERANCE) <= 0) {
        if (!candidate.isAfter(s.last())) {
          return s.last(); // slewed back a little: waited out, never gone back (nothing to record)
        }
        if (state.compareAndSet(s, new State(candidate, n, s.ahead()))) {
          return candidate;
        }
        continue; // another thread moved it on meanwhile: read again
      }
      // the wall clock was set: back, keep counting from where this clock was; forward, follow it
      Instant now = w.isAfter(expected) ? w : expected;
      Duration ahead = Duration.between(w, now);
      if (state.compareAndSet(s, new State(now, n, ahead))) {
        if (drift.isNegative()) {
          LOG.warn("the system clock went back by {} s: the router keeps counting time from where it was, so"
              + " retries, leases and parks are not delayed by it (it is {} s ahead of the system clock until that"
              + " catches up or the router restarts)", drift.negated().toSeconds(), ahead.toSeconds());
        } else if (!s.ahead().isZero()) {
          LOG.info("the system clock moved forward by {} s: the router follows it ({} s ahead of it now)",
              drift.toSeconds(), ahead.toSeconds());
        }
        return now;
      }
    }
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    if (ZoneOffset.UTC.equals(zone)) {
      return this;
    }
    throw new UnsupportedOperationException("the router's clock is UTC");
  }
}
