package io.leadrouter.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The periods a destination spent throttling (answering "fewer calls, please"), in the router's clock, so that a lead's
 * give-up age leaves them out: a throttle counts no attempt and never gives a lead up, but a lead that had failed once
 * (a 503) and then waited five hours while its destination throttled was dead-lettered at its next 503, its age
 * counted from that first failure across the whole throttled time. A lead's age is the time it spent failing; time the
 * destination was up and asking the router to slow down is not that.
 *
 * <p>A period opens at the destination's first throttled answer and closes at its next answer of any other kind
 * (delivered, failed, refused): the time from a throttle to the destination's next real answer is the destination
 * asking for less. An answer to a call sent before the period opened does not close it (calls run in parallel: a
 * late 503 to a call sent before the throttling began says nothing of the throttling since).
 *
 * <p>The most recent {@link #MAX_SPANS} periods are kept (older ones are forgotten: leads failing since then count as
 * older, as they did before this class); they live in memory, so after a restart the throttled time of earlier runs
 * counts toward the age again. Thread-safe. Not API.
 */
public final class ThrottleSpans {
  /** The most periods kept. */
  static final int MAX_SPANS = 64;

  /** Records nothing and leaves nothing out (for decisions made without a destination's history). */
  public static final ThrottleSpans NONE = new ThrottleSpans();

  /** A closed period, {@code from} to {@code to} by the router's clock. */
  private record Span(Instant from, Instant to) {}

  private final Deque<Span> closed = new ArrayDeque<>();
  /** When the open period began, by the router's clock; null when the destination is not throttling. */
  private volatile Instant openFrom;
  /** When the open period began, by {@link System#nanoTime}: later answers to earlier calls do not close it. */
  private long openNanos;

  /** Creates an empty record for one destination. */
  public ThrottleSpans() {}

  /** The destination throttled at {@code at} ({@code nanos} by {@link System#nanoTime}): opens a period if none is. */
  public synchronized void throttled(Instant at, long nanos) {
    if (this == NONE || openFrom != null) {
      return;
    }
    openFrom = at;
    openNanos = nanos;
  }

  /** Whether a period is open (the destination's latest answer was a throttle); cheap. */
  public boolean isOpen() {
    return openFrom != null;
  }

  /**
   * The destination answered otherwise at {@code at}, to a call sent at {@code sentNanos} ({@link System#nanoTime}):
   * closes the open period unless that call went out before it began.
   */
  public void answered(Instant at, long sentNanos) {
    if (openFrom == null) {
      return; // cheap while the destination does not throttle
    }
    synchronized (this) {
      if (openFrom == null || sentNanos - openNanos < 0) {
        return;
      }
      if (at.isAfter(openFrom)) {
        if (closed.size() == MAX_SPANS) {
          closed.removeFirst();
        }
        closed.addLast(new Span(openFrom, at));
      }
      openFrom = null;
    }
  }

  /**
   * How much of {@code since} to {@code now} the destination spent throttling (an open period counted up to
   * {@code now}); {@link Duration#ZERO} when {@code since} is not before {@code now}.
   */
  public synchronized Duration within(Instant since, Instant now) {
    if (!since.isBefore(now) || closed.isEmpty() && openFrom == null) {
      return Duration.ZERO;
    }
    Duration sum = Duration.ZERO;
    for (Span s : closed) {
      sum = sum.plus(overlap(s.from(), s.to(), since, now));
    }
    if (openFrom != null) {
      sum = sum.plus(overlap(openFrom, now, since, now));
    }
    return sum;
  }

  private static Duration overlap(Instant from, Instant to, Instant since, Instant now) {
    Instant a = from.isAfter(since) ? from : since;
    Instant b = to.isBefore(now) ? to : now;
    return a.isBefore(b) ? Duration.between(a, b) : Duration.ZERO;
  }
}
