package io.leadrouter.internal;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadEvent;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.Diagnosis;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fallback chore (#22): spills each destination's leads not delivered within its {@code fallbackAfter} to its
 * fallback destination, once (the journal records the spill in the same transaction as the fallback delivery, so a
 * restart or another router never spills a lead twice), tells listeners ({@link LeadEvent.Type#FALLBACK_SPILLED})
 * and wakes the fallback's worker. Not API.
 */
public final class FallbackSpill implements Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(FallbackSpill.class);
  private static final int BATCH = 500;

  private final Map<String, DeliveryPolicy> policies;
  private final LeadJournal journal;
  private final ClockJumps jumps;
  private final Consumer<LeadEvent> listeners;
  private final Consumer<String> wake;

  /**
   * A chore for the destinations of {@code policies} that name a fallback.
   *
   * @param jumps the router clock's forward jumps: {@code fallbackAfter} counts the time that passed
   * @param listeners told of each spill
   * @param wake wakes a destination's worker (the fallback's, when leads were queued for it)
   */
  public FallbackSpill(Map<String, DeliveryPolicy> policies, LeadJournal journal, ClockJumps jumps,
      Consumer<LeadEvent> listeners, Consumer<String> wake) {
    this.policies = Map.copyOf(policies);
    this.journal = journal;
    this.jumps = jumps;
    this.listeners = listeners;
    this.wake = wake;
  }

  /** Whether any destination has a fallback (otherwise the chore need not run). */
  public boolean needed() {
    return policies.values().stream().anyMatch(p -> p.fallback().isPresent());
  }

  @Override
  public void run() {
    policies.forEach((destination, policy) -> policy.fallback().ifPresent(fallback -> {
      try {
        spill(destination, fallback, policy.fallbackAfter());
      } catch (RuntimeException e) {
        if (!(e instanceof JournalDamagedException)) { // said once by the journal
          LOG.warn("spilling '{}' to its fallback '{}' failed: {}", destination, fallback, e.toString());
        }
      }
    }));
  }

  private void spill(String destination, String fallback, Duration after) {
    List<LeadJournal.Spill> spilled;
    do {
      Instant now = jumps.now();
      // the age in the time that passed: a forward jump of the clock must not make every waiting lead spill at once
      spilled = journal.spill(destination, fallback, jumps.before(now, after), now, BATCH);
      if (spilled.stream().anyMatch(LeadJournal.Spill::queued)) {
        wake.accept(fallback); // first: the fallback's delivery waits for no listener
      }
      for (LeadJournal.Spill s : spilled) {
        Diagnosis why = new Diagnosis("FALLBACK_SPILLED", "lead " + s.leadId() + " was not delivered to '"
            + destination + "' within " + after + " of its acceptance (" + s.attempts() + " failed attempts)"
            + (s.queued() ? "; it is also sent to '" + fallback + "', marked " + DeliveryPolicy.FALLBACK_ATTRIBUTE
            + "=" + destination : "; '" + fallback + "' has it already"),
            "fix '" + destination + "' (see inspect pending / dead-letters): it keeps trying");
        LOG.warn("destination '{}': {}", destination, why.message());
        listeners.accept(new LeadEvent(LeadEvent.Type.FALLBACK_SPILLED, s.leadId(), destination, now, s.attempts(),
            Optional.empty(), Optional.of(why), Optional.empty(), Optional.of(fallback)));
      }
    } while (spilled.size() == BATCH && !Thread.currentThread().isInterrupted());
  }
}
