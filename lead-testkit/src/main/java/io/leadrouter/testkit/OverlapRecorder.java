package io.leadrouter.testkit;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Records, per customer, how many requests a fake destination has in flight at once: a fake calls {@link #start}
 * when it begins handling a request for a customer and {@link #end} before its answer leaves (or wraps its work in
 * {@link #during}). A CRM creates two records when two upserts of one person overlap, so "never two of one customer
 * in flight" is what {@link #overlaps()} {@code == 0} checks; {@link #maxConcurrent()} shows other customers still
 * ran in parallel. Keys are normalised (stripped, lower case) as the router's ordering key and the CRMs' e-mail
 * match are. Thread-safe.
 *
 * <p>Release before answering: a caller that has the answer may send its next request at once, and that request
 * must not find its predecessor still counted as in flight.
 *
 * <p>A control run, which must show what happens when a caller does send one customer's requests side by side, can
 * have the recorder {@linkplain #pairFirstRequests hold each customer's first two requests together}, so the overlap
 * and the race it causes happen however the machine schedules the threads.
 */
public final class OverlapRecorder {
  private final Map<String, Integer> inFlight = new HashMap<>();
  private final Map<String, Integer> maxPerKey = new HashMap<>();
  private final Map<String, Pair> pairs = new HashMap<>();
  private Duration pairWithin;
  private int concurrent;
  private int maxConcurrent;
  private int overlaps;
  private long requests;

  /** One key's first two requests, held together (see {@link #pairFirstRequests}). */
  private static final class Pair {
    final Thread first;
    Thread second;
    /** The first stopped waiting for a second: nothing is held for this key any more. */
    boolean abandoned;
    int ended;

    Pair(Thread first) {
      this.first = first;
    }

    boolean done() {
      return abandoned || ended == 2;
    }
  }

  /**
   * From now on the first two requests for each key are held together, so that a caller sending one key's requests
   * side by side is seen to, however the threads are scheduled: the first waits (at most {@code within}) for a second
   * to {@link #start}; neither {@link #end}s (at most {@code within}) before the other has done its work, so each
   * reads the destination's state before either answer leaves (two lookups both find nothing, two upserts are both
   * in flight when written); any further request for that key waits at its start (at most {@code within}) until both
   * have ended. A caller that keeps a key's requests apart shows no overlap: its first request goes on alone after
   * {@code within}, and nothing more is held for that key. For control runs, whose race must not depend on timing;
   * {@link #reset} ends it. A request's {@code start} and {@code end} must run on one thread, as a server's do.
   */
  public synchronized void pairFirstRequests(Duration within) {
    if (within.isNegative() || within.isZero()) {
      throw new IllegalArgumentException("within must be positive: " + within);
    }
    pairWithin = within;
  }

  /**
   * A request for {@code key} (e.g. the customer's e-mail) began. While {@link #pairFirstRequests} is on, it may wait
   * here for its pair.
   */
  public synchronized void start(String key) {
    String k = normalise(key);
    int now = inFlight.merge(k, 1, Integer::sum);
    maxPerKey.merge(k, now, Math::max);
    if (now > 1) {
      overlaps++;
    }
    maxConcurrent = Math.max(maxConcurrent, ++concurrent);
    requests++;
    if (pairWithin != null) {
      pairUp(k);
    }
  }

  private void pairUp(String k) {
    Pair pair = pairs.get(k);
    if (pair == null) {
      Pair first = new Pair(Thread.currentThread());
      pairs.put(k, first);
      if (!await(() -> first.second != null)) {
        first.abandoned = true; // no second came: the caller keeps this key's requests apart
        notifyAll();
      }
    } else if (pair.second == null && !pair.abandoned) {
      pair.second = Thread.currentThread();
      notifyAll();
    } else {
      await(pair::done); // not one of the pair: starts once the pair has read and answered
    }
  }

  /**
   * The request for {@code key} that {@link #start} counted has been handled (call it before the answer leaves). One
   * of a held pair waits here for the other (see {@link #pairFirstRequests}).
   */
  public synchronized void end(String key) {
    String k = normalise(key);
    Integer now = inFlight.get(k);
    if (now == null) {
      throw new IllegalStateException("end(" + k + ") without a start");
    }
    Pair pair = pairs.get(k);
    Thread self = Thread.currentThread();
    if (pair != null && pair.second != null && (pair.first == self || pair.second == self) && pair.ended < 2) {
      pair.ended++;
      notifyAll();
      await(() -> pair.ended == 2);
      now = inFlight.get(k);
      if (now == null) {
        return; // reset while it waited
      }
    }
    if (now == 1) {
      inFlight.remove(k);
    } else {
      inFlight.put(k, now - 1);
    }
    concurrent--;
  }

  /** Waits (holding the monitor between looks) until {@code done}, at most the pairing bound; whether it came. */
  private boolean await(BooleanSupplier done) {
    long deadline = System.nanoTime() + pairWithin.toNanos();
    try {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return done.getAsBoolean();
    }
  }

  /** Runs {@code work} as one request for {@code key}: {@link #start}, the work, {@link #end} (also on failure). */
  public <T> T during(String key, Supplier<T> work) {
    Objects.requireNonNull(work, "work");
    start(key);
    try {
      return work.get();
    } finally {
      end(key);
    }
  }

  /**
   * Like {@link #during(String, Supplier)}, the request first taking {@code processingMillis} (a service's processing
   * time, counted as in flight and spent outside any lock of the fake, so that requests really overlap).
   */
  public <T> T during(String key, int processingMillis, Supplier<T> work) {
    Objects.requireNonNull(work, "work");
    return during(key, () -> {
      if (processingMillis > 0) {
        try {
          Thread.sleep(processingMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return work.get();
    });
  }

  /** Requests that began while another request for the same key was in flight. */
  public synchronized int overlaps() {
    return overlaps;
  }

  /** The most requests for {@code key} in flight at once (0 when none came). */
  public synchronized int maxInFlight(String key) {
    return maxPerKey.getOrDefault(normalise(key), 0);
  }

  /** The most requests for any one key in flight at once: 1 when no customer's requests ever overlapped. */
  public synchronized int maxInFlightPerKey() {
    return maxPerKey.values().stream().mapToInt(Integer::intValue).max().orElse(0);
  }

  /** The most requests in flight at once over all keys: above 1 when customers ran in parallel. */
  public synchronized int maxConcurrent() {
    return maxConcurrent;
  }

  /** How many distinct keys were seen. */
  public synchronized int keys() {
    return maxPerKey.size();
  }

  /** How many requests were counted. */
  public synchronized long requests() {
    return requests;
  }

  /** Forgets everything (between tests). */
  public synchronized void reset() {
    pairWithin = null;
    pairs.clear();
    notifyAll();
    inFlight.clear();
    maxPerKey.clear();
    concurrent = 0;
    maxConcurrent = 0;
    overlaps = 0;
    requests = 0;
  }

  /** {@code overlaps=0, maxInFlightPerKey=1, maxConcurrent=8, keys=100, requests=2000}. */
  @Override
  public synchronized String toString() {
    return "overlaps=" + overlaps + ", maxInFlightPerKey=" + maxInFlightPerKey() + ", maxConcurrent=" + maxConcurrent
        + ", keys=" + maxPerKey.size() + ", requests=" + requests;
  }

  private static String normalise(String key) {
    return Objects.requireNonNull(key, "key").strip().toLowerCase(Locale.ROOT);
  }
}
