package io.leadrouter.marketo.internal;

import io.leadrouter.spi.Require;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Objects;

/**
 * This integration's share of Marketo's daily API quota: at most {@code limit} REST calls per Marketo day (which
 * starts at midnight US Central time, America/Chicago), so one integration cannot spend the quota the subscription's other
 * integrations need (Salesforce's sink has {@code apiUsageThreshold} for the same reason). Counted in memory: a
 * restart starts the day's count again. Thread-safe. Internal.
 */
public final class DailyCallCap {
  private final int limit;
  private final ZoneId zone;
  private final Clock clock;
  private LocalDate day;
  private int used;

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

  /** Counts one call; false (and not counted) when today's calls are spent. */
  public synchronized boolean tryCall() {
    if (limit == 0) {
      return true;
    }
    LocalDate today = clock.instant().atZone(zone).toLocalDate();
    if (!today.equals(day)) {
      day = today;
      used = 0;
    }
    if (used >= limit) {
      return false;
    }
    used++;
    return true;
  }

  /** Calls allowed per day; 0 for no cap. */
  public int limit() {
    return limit;
  }
}
