package io.leadrouter.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;

/**
 * The forward jumps of the router's own clock while it runs (an NTP step, a VM resumed from suspend), so that the
 * ages the policies count, {@code giveUpAfter} from a lead's first failed attempt and {@code fallbackAfter} from its
 * acceptance, count the time that really passed: after the clock jumped six hours ahead, every lead waiting for a
 * destination was "older than" a four-hour {@code fallbackAfter} at once and was also sent to the fallback, and every
 * retrying lead failing again was dead-lettered as past its 72 h give-up age once the jump reached it.
 *
 * <p>Each reading through {@link #now()} is compared with the previous one and the elapsed time between them
 * ({@link System#nanoTime}); a difference beyond {@link SteadyClock#TOLERANCE} is a jump, recorded with the first
 * reading it affects. Times recorded before a jump then count as that much later. What this cannot see: a jump while
 * the router was stopped (the journal's times are all it has then), and a clock passed to
 * {@code LeadRouterBuilder.clock}, which is used as it is (tests move it on purpose): {@link #ignoring} records none.
 * Not API.
 */
public final class ClockJumps {
  /** The most jumps kept; the oldest are forgotten (their leads count as older, as without this class). */
  static final int MAX_JUMPS = 64;

  /** Records none and shifts nothing (for decisions made without a clock of the router's own). */
  public static final ClockJumps NONE = ignoring(Clock.systemUTC());

  private final Clock clock;
  private final LongSupplier nanos;
  private final boolean records;
  private final AtomicReference<State> state = new AtomicReference<>();

  /** A jump: readings from {@code from} on are {@code size} ahead of the time that passed. */
  record Jump(Instant from, Duration size) {}

  private record State(Instant reading, long nanos, List<Jump> jumps) {}

  private ClockJumps(Clock clock, LongSupplier nanos, boolean records) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.nanos = Objects.requireNonNull(nanos, "nanos");
    this.records = records;
  }

  /** Watches {@code clock} against the elapsed time {@code nanos} gives. */
  public static ClockJumps of(Clock clock, LongSupplier nanos) {
    return new ClockJumps(clock, nanos, true);
  }

  /** Reads {@code clock} and records no jump: a clock the application set, taken as it is. */
  public static ClockJumps ignoring(Clock clock) {
    return new ClockJumps(clock, () -> 0L, false);
  }

  /** The clock's reading, noting a forward jump since the previous reading. */
  public Instant now() {
    if (!records) {
      return clock.instant();
    }
    while (true) {
      State s = state.get();
      long n = nanos.getAsLong();
      Instant w = clock.instant();
      if (s == null) {
        if (state.compareAndSet(null, new State(w, n, List.of()))) {
          return w;
        }
        continue;
      }
      Duration jump = DeliveryDecision.between(s.reading(), w).minusNanos(n - s.nanos());
      List<Jump> jumps = s.jumps();
      if (jump.compareTo(SteadyClock.TOLERANCE) > 0) {
        // readings before the jump are at most the previous one plus the time that passed, those after at least
        // the previous one plus the jump: the boundary is exact whenever the jump is longer than that time
        List<Jump> more = new ArrayList<>(jumps.size() + 1);
        more.addAll(jumps.size() < MAX_JUMPS ? jumps : jumps.subList(1, jumps.size()));
        more.add(new Jump(DeliveryDecision.later(s.reading(), jump), jump));
        jumps = List.copyOf(more);
      }
      if (w.isBefore(s.reading()) && jumps == s.jumps()) {
        return w; // went back (SteadyClock absorbs it; a shared journal's wall clock does not): nothing to record
      }
      if (state.compareAndSet(s, new State(w, n, jumps))) {
        return w;
      }
    }
  }

  /**
   * {@code since} moved later by every jump recorded after it: {@code now - since(shifted)} is the time that passed
   * since then.
   */
  public Instant shift(Instant since) {
    State s = state.get();
    if (s == null) {
      return since;
    }
    Instant out = since;
    for (Jump j : s.jumps()) {
      if (j.from().isAfter(since)) {
        out = DeliveryDecision.later(out, j.size());
      }
    }
    return out;
  }

  /**
   * The latest time a moment must be at or before to lie {@code age} of elapsed time before {@code now}: {@code now -
   * age}, moved back by each jump recorded after it.
   */
  public Instant before(Instant now, Duration age) {
    Instant cutoff = DeliveryDecision.earlier(now, age);
    State s = state.get();
    if (s == null) {
      return cutoff;
    }
    List<Jump> jumps = s.jumps();
    for (int i = jumps.size() - 1; i >= 0; i--) {
      Jump j = jumps.get(i);
      if (cutoff.isBefore(j.from())) {
        cutoff = DeliveryDecision.earlier(cutoff, j.size());
      }
    }
    return cutoff;
  }
}
