package io.leadrouter.testkit;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
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
 */
public final class OverlapRecorder {
  private final Map<String, Integer> inFlight = new HashMap<>();
  private final Map<String, Integer> maxPerKey = new HashMap<>();
  private int concurrent;
  private int maxConcurrent;
  private int overlaps;
  private long requests;

  /** A request for {@code key} (e.g. the customer's e-mail) began. */
  public synchronized void start(String key) {
    String k = normalise(key);
    int now = inFlight.merge(k, 1, Integer::sum);
    maxPerKey.merge(k, now, Math::max);
    if (now > 1) {
      overlaps++;
    }
    maxConcurrent = Math.max(maxConcurrent, ++concurrent);
    requests++;
  }

  /** The request for {@code key} that {@link #start} counted has been handled (call it before the answer leaves). */
  public synchronized void end(String key) {
    String k = normalise(key);
    Integer now = inFlight.get(k);
    if (now == null) {
      throw new IllegalStateException("end(" + k + ") without a start");
    }
    if (now == 1) {
      inFlight.remove(k);
    } else {
      inFlight.put(k, now - 1);
    }
    concurrent--;
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
