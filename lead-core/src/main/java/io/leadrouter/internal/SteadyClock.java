package io.leadrouter.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
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
  private Instant last;
  private long lastNanos;
  /** How far this clock is ahead of the wall clock (the sum of the backward steps not yet caught up). */
  private Duration ahead = Duration.ZERO;

  /** A clock following {@code wall} but never going back, measuring elapsed time with {@code nanos}. */
  public SteadyClock(Clock wall, LongSupplier nanos) {
    this.wall = Objects.requireNonNull(wall, "wall");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
  }

  /** The system's UTC clock, never going back. */
  public static SteadyClock system() {
    return new SteadyClock(Clock.systemUTC(), System::nanoTime);
  }

  @Override
  public synchronized Instant instant() {
    long n = nanos.getAsLong();
    Instant w = wall.instant();
    if (last == null) {
      last = w;
      lastNanos = n;
      return w;
    }
    Instant expected = last.plusNanos(n - lastNanos);
    Instant candidate = ahead.isZero() ? w : w.plus(ahead);
    Duration drift = Duration.between(expected, candidate);
    Instant now;
    if (drift.abs().compareTo(TOLERANCE) <= 0) {
      now = candidate.isBefore(last) ? last : candidate;
    } else {
      // the wall clock was set: back, keep counting from where this clock was; forward, follow it
      now = w.isAfter(expected) ? w : expected;
      Duration before = ahead;
      ahead = Duration.between(w, now);
      if (drift.isNegative()) {
        LOG.warn("the system clock went back by {} s: the router keeps counting time from where it was, so retries,"
            + " leases and parks are not delayed by it (it is {} s ahead of the system clock until that catches up or"
            + " the router restarts)", drift.negated().toSeconds(), ahead.toSeconds());
      } else if (!before.isZero()) {
        LOG.info("the system clock moved forward by {} s: the router follows it ({} s ahead of it now)",
            drift.toSeconds(), ahead.toSeconds());
      }
    }
    last = now;
    lastNanos = n;
    return now;
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
