package io.leadrouter.marketo.internal;

import io.leadrouter.spi.Require;
import io.leadrouter.spi.SinkCounters;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * This integration's share of Marketo's daily API quota: at most {@code limit} REST calls per Marketo day (which
 * starts at midnight US Central time, America/Chicago), so one integration cannot spend the quota the subscription's other
 * integrations need (Salesforce's sink has {@code apiUsageThreshold} for the same reason). Counted in memory until
 * {@link #keepIn} gives it the router journal's counters (one per Marketo day, {@code calls.<date>}, forgotten by the
 * journal a whole day after that day ended: it is read only on its day, and a call may be given back just after
 * midnight): then a restart continues the day's count instead of spending the share again. Thread-safe. Internal.
 */
public final class DailyCallCap {
  private final int limit;
  private final ZoneId zone;
  private final Clock clock;
  private LocalDate day;
  private int used;
  private volatile SinkCounters store;

  /**
   * A cap.
   *
   * @param limit calls allowed per day; 0 for no cap
   * @param zone the zone whose midnight starts the day
   * @param clock the time source
   */
  public DailyCallCap(int limit, ZoneId zone, Clock clock) {
    this.limit = Require.atLeast(limit, 0, "limit");
    this.zone = Objects.requireNonNull(zone, "zone");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** Keeps the count in {@code counters} (the router's journal, this destination's) from now on. */
  public void keepIn(SinkCounters counters) {
    this.store = Objects.requireNonNull(counters, "counters");
  }

  /**
   * Counts one call: the Marketo day it is counted on, or empty (and not counted) when today's calls are spent. Give
   * the day back with {@link #release} if the call never reached Marketo.
   */
  public synchronized Optional<LocalDate> reserve() {
    LocalDate today = clock.instant().atZone(zone).toLocalDate();
    if (limit == 0) {
      return Optional.of(today);
    }
    if (!today.equals(day)) {
      day = today;
      used = 0;
    }
    SinkCounters s = store;
    if (s != null) {
      // the journal decides: a restart, or a second router on the same journal, cannot spend the share twice
      return s.incrementBelow("calls." + day, limit, day.plusDays(2).atStartOfDay(zone).toInstant())
          ? Optional.of(day) : Optional.empty();
    }
    if (used >= limit) {
      return Optional.empty();
    }
    used++;
    return Optional.of(day);
  }

  /**
   * Gives back a call counted on {@code counted} ({@link #reserve}) that never reached Marketo (no token, no
   * connection): only calls Marketo received count against its quota, and counting the others spent the day's share
   * during an outage and then held every lead until midnight once Marketo was back.
   */
  public synchronized void release(LocalDate counted) {
    Objects.requireNonNull(counted, "counted");
    if (limit == 0) {
      return;
    }
    SinkCounters s = store;
    if (s != null) {
      s.decrement("calls." + counted);
    } else if (counted.equals(day) && used > 0) {
      used--;
    }
  }

  /** Calls allowed per day; 0 for no cap. */
  public int limit() {
    return limit;
  }
}
