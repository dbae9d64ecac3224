package io.leadrouter.engine;

import io.leadrouter.Lead;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.ForwardingLeadJournal;
import io.leadrouter.journal.LeadJournal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * A real journal whose accept() pauses after committing, widening the window between commit and return; it also
 * records the size of every claim that found leads.
 */
final class DelayingJournal extends ForwardingLeadJournal {
  final List<Integer> claimSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Function<Lead, Duration> pauseAfterCommit;

  DelayingJournal(LeadJournal delegate, Function<Lead, Duration> pauseAfterCommit) {
    super(delegate);
    this.pauseAfterCommit = pauseAfterCommit;
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now) {
    return paused(lead, super.accept(lead, destinations, now));
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now,
      java.util.Optional<String> traceContext, java.util.Set<String> claimFor, Duration lease) {
    return paused(lead, super.accept(lead, destinations, now, traceContext, claimFor, lease));
  }

  private AcceptResult paused(Lead lead, AcceptResult r) {
    try {
      Thread.sleep(pauseAfterCommit.apply(lead).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return r;
  }

  @Override
  public List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease) {
    List<ClaimedDelivery> claimed = super.claimDue(destination, now, max, lease);
    if (!claimed.isEmpty()) {
      claimSizes.add(claimed.size());
    }
    return claimed;
  }
}
