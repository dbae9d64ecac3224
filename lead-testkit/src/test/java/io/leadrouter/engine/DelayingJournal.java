package io.leadrouter.engine;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.Settlement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A real journal whose accept() pauses after committing, widening the window between commit and return; it also
 * records the size of every claim that found leads.
 */
final class DelayingJournal implements LeadJournal {
  final List<Integer> claimSizes = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final LeadJournal delegate;
  private final Function<Lead, Duration> pauseAfterCommit;

  DelayingJournal(LeadJournal delegate, Function<Lead, Duration> pauseAfterCommit) {
    this.delegate = delegate;
    this.pauseAfterCommit = pauseAfterCommit;
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now) {
    AcceptResult r = delegate.accept(lead, destinations, now);
    try {
      Thread.sleep(pauseAfterCommit.apply(lead).toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return r;
  }

  @Override
  public List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease) {
    List<ClaimedDelivery> claimed = delegate.claimDue(destination, now, max, lease);
    if (!claimed.isEmpty()) {
      claimSizes.add(claimed.size());
    }
    return claimed;
  }

  @Override
  public void settle(List<Settlement> settlements, Instant now) {
    delegate.settle(settlements, now);
  }

  @Override
  public Optional<Instant> nextDue(String destination) {
    return delegate.nextDue(destination);
  }

  @Override
  public void park(String destination, Instant until, String reason) {
    delegate.park(destination, until, reason);
  }

  @Override
  public Optional<Instant> parkedUntil(String destination, Instant now) {
    return delegate.parkedUntil(destination, now);
  }

  @Override
  public int reclaimExpiredLeases(Instant now) {
    return delegate.reclaimExpiredLeases(now);
  }

  @Override
  public List<DeliveryRecord> list(DeliveryQuery query) {
    return delegate.list(query);
  }

  @Override
  public int replay(DeliveryQuery query, Instant now) {
    return delegate.replay(query, now);
  }

  @Override
  public int purgeDeadLetters(DeliveryQuery query) {
    return delegate.purgeDeadLetters(query);
  }

  @Override
  public int pruneSettled(Instant before) {
    return delegate.pruneSettled(before);
  }

  @Override
  public Map<String, Map<DeliveryState, Long>> counts() {
    return delegate.counts();
  }

  @Override
  public Optional<Lead> lead(LeadId id) {
    return delegate.lead(id);
  }

  @Override
  public List<DeliveryRecord> deliveries(LeadId id) {
    return delegate.deliveries(id);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
