package io.leadrouter.internal;

import io.leadrouter.journal.LeadJournal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forward jumps of the router's own clock while it runs (an NTP step, a VM resumed from suspend), so that the
 * ages the policies count, {@code giveUpAfter} from a lead's first failed attempt and {@code fallbackAfter} from its
 * acceptance, count the time that really passed: after the clock jumped six hours ahead, every lead waiting for a
 * destination was "older than" a four-hour {@code fallbackAfter} at once and was also sent to the fallback, and every
 * retrying lead failing again was dead-lettered as past its 72 h give-up age once the jump reached it.
 *
 * <p>Each reading through {@link #now()} is compared with the previous one and the elapsed time between them
 * ({@link System#nanoTime}); a difference beyond {@link SteadyClock#TOLERANCE} is a jump, recorded with the first
 * reading it affects. Times recorded before a jump then count as that much later.
 *
 * <p>Across restarts ({@link #restore}, {@link #persist}): the jumps are kept in the journal with the time the router
 * was last seen running, and the time from then to its next start is taken as one more jump: the ages count the time
 * a router ran, never the time it was stopped, whatever the clock did meanwhile (set six hours ahead, or six real hours
 * passed: either way the destination had no chance to take the lead). Without it, a clock set forward while the router
 * was stopped made every lead waiting for a destination spill to its fallback at the start, and dead-lettered every
 * retrying lead at its next failure. A crash loses at most {@link #PERSIST_EVERY} of running time (leads count that
 * much younger). Not API.
 */
public final class ClockJumps {
  private static final Logger LOG = LoggerFactory.getLogger(ClockJumps.class);
  /** The most jumps kept; the oldest are forgotten (their leads count as older, as without this class). */
  static final int MAX_JUMPS = 64;

  /** How often a running router writes its marks: the running time a crash can leave uncounted. */
  public static final Duration PERSIST_EVERY = Duration.ofSeconds(15);
  private static final String ALIVE = "alive";
  private static final String JUMP = "jump.";

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

  /**
   * Takes in the jumps {@code journal} kept from earlier runs, and the time since the router was last seen running as
   * one more (from now): the ages the policies count leave out the time it was stopped. Call before the first reading.
   */
  public void restore(LeadJournal journal) {
    if (!records) {
      return;
    }
    Map<String, Long> marks = journal.clockMarks();
    List<Jump> kept = new ArrayList<>();
    marks.entrySet().stream().filter(e -> e.getKey().startsWith(JUMP) && e.getValue() > 0)
        .sorted(Map.Entry.comparingByKey(java.util.Comparator.comparingLong(k -> parse(k.substring(JUMP.length())))))
        .forEach(e -> kept.add(new Jump(Instant.ofEpochMilli(parse(e.getKey().substring(JUMP.length()))),
            Duration.ofMillis(e.getValue()))));
    Instant now = clock.instant();
    Long alive = marks.get(ALIVE);
    if (alive != null) {
      Duration stopped = DeliveryDecision.between(Instant.ofEpochMilli(alive), now);
      if (stopped.compareTo(SteadyClock.TOLERANCE) > 0) {
        kept.add(new Jump(now, stopped));
        LOG.info("the router was stopped for {} s by its clock (last seen running at {}): the ages its policies count"
            + " (giveUpAfter, fallbackAfter) leave that time out", stopped.toSeconds(), Instant.ofEpochMilli(alive));
      }
    }
    List<Jump> bounded = kept.size() <= MAX_JUMPS ? kept : kept.subList(kept.size() - MAX_JUMPS, kept.size());
    state.set(new State(now, nanos.getAsLong(), List.copyOf(bounded)));
  }

  /** Writes the jumps and the time now, as the time the router was last seen running, to {@code journal}. */
  public void persist(LeadJournal journal) {
    if (!records) {
      return;
    }
    Instant now = now();
    Map<String, Long> marks = new java.util.HashMap<>();
    marks.put(ALIVE, now.toEpochMilli());
    for (Jump j : state.get().jumps()) {
      marks.merge(JUMP + j.from().toEpochMilli(), Math.max(1, j.size().toMillis()), Long::sum);
    }
    journal.putClockMarks(marks);
  }

  private static long parse(String millis) {
    try {
      return Long.parseLong(millis);
    } catch (NumberFormatException e) {
      return 0;
    }
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
