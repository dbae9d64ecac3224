package io.leadrouter.salesforce.internal;

import io.leadrouter.salesforce.SalesforceErrors;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.SinkCounters;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;

/**
 * Counts sends per calendar day in one time zone and refuses the one beyond the limit, answering when the next day
 * starts. A slot is reserved before a send and released if the send did not reach the destination. In memory until
 * {@link #keepIn} gives it the journal's counters: then the count survives a restart (one counter per day, named
 * {@code <prefix>.<date>}, forgotten by the journal a whole day after its day ended: {@link #forgetAfter}). Thread-safe.
 */
public final class DailyCounter {
  private final int limit;
  private final ZoneId zone;
  private final Clock clock;
  private LocalDate day;
  private int count;
  private volatile SinkCounters store;
  private volatile String prefix;

  /** A counter allowing {@code limit} sends per day, days starting at midnight in {@code zone}. */
  public DailyCounter(int limit, ZoneId zone, Clock clock) {
    this.limit = limit;
    this.zone = zone;
    this.clock = clock;
  }

  /** Keeps the count in {@code counters} (the router's journal) from now on, under {@code prefix}. */
  public synchronized void keepIn(SinkCounters counters, String prefix) {
    this.prefix = prefix;
    this.store = counters;
  }

  private String name() {
    return prefix + "." + day;
  }

  /**
   * Takes one slot of today's allowance, or throws when it is spent.
   *
   * @return the day the slot was taken from, to give back with {@link #release(LocalDate)}
   */
  public synchronized LocalDate reserve() throws QuotaExceededException {
    rollOver();
    SinkCounters s = store;
    if (s != null) {
      // the journal decides, so a restart (or a second router on the same journal) cannot spend it twice
      if (!s.incrementBelow(name(), limit, forgetAfter(day, zone))) {
        count = (int) Math.min(Integer.MAX_VALUE, s.get(name()));
        throw spent();
      }
      return day;
    }
    if (count >= limit) {
      throw spent();
    }
    count++;
    return day;
  }

  private QuotaExceededException spent() {
    Instant resume = day.plusDays(1).atStartOfDay(zone).toInstant();
    return new QuotaExceededException(new Diagnosis(SalesforceErrors.WEB_TO_LEAD_DAILY_LIMIT,
        "this sink has sent " + count + " of the org's " + limit + " Web-to-Lead requests for " + day + " ("
            + zone + "); Salesforce would not create more leads today",
        "wait: leads are held and sent after midnight " + zone + "; or ask Salesforce Support to raise the "
            + "Web-to-Lead limit and set dailyLimit, or use the REST sink (type: salesforce)"),
        resume);
  }

  /**
   * Gives back a slot whose send never reached the destination, to the day {@link #reserve()} took it from: a send
   * that set off before midnight and failed after it frees nothing of the new day, whose slots other sends spent.
   */
  public synchronized void release(LocalDate takenOn) {
    rollOver();
    SinkCounters s = store;
    if (s != null) {
      s.decrement(prefix + "." + takenOn);
      return;
    }
    if (takenOn.equals(day) && count > 0) {
      count--;
    }
  }

  /** Sends counted today. */
  public synchronized int today() {
    rollOver();
    SinkCounters s = store;
    return s != null ? (int) Math.min(Integer.MAX_VALUE, s.get(name())) : count;
  }

  /**
   * When the journal may forget {@code day}'s count: it is read only on that day, and a slot may be given back just
   * after midnight (a send that set off before it); a whole day more covers routers whose clocks differ.
   */
  private static Instant forgetAfter(LocalDate day, ZoneId zone) {
    return day.plusDays(2).atStartOfDay(zone).toInstant();
  }

  private void rollOver() {
    LocalDate today = LocalDate.ofInstant(clock.instant(), zone);
    if (!today.equals(day)) {
      day = today;
      count = 0;
    }
  }
}
