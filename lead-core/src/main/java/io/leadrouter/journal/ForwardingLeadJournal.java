package io.leadrouter.journal;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.SinkCapabilities;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A journal passing every call to another: extend it to change a few operations of a journal (add metrics, a lease
 * of your own, a delay in tests) and keep the rest as they are.
 */
public abstract class ForwardingLeadJournal implements LeadJournal {
  private final LeadJournal delegate;

  /** Forwards to {@code delegate}, which this journal now owns (closing this closes it). */
  protected ForwardingLeadJournal(LeadJournal delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The journal calls are passed to. */
  protected LeadJournal delegate() {
    return delegate;
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now) {
    return delegate.accept(lead, destinations, now);
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now,
      java.util.Optional<String> traceContext) {
    return delegate.accept(lead, destinations, now, traceContext);
  }

  @Override
  public AcceptResult accept(Lead lead, List<String> destinations, Instant now,
      java.util.Optional<String> traceContext, java.util.Set<String> claimFor, Duration lease) {
    // forwarded, not left to the default (which claims nothing): the router's in-memory hand-off depends on it
    return delegate.accept(lead, destinations, now, traceContext, claimFor, lease);
  }

  @Override
  public List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease) {
    return delegate.claimDue(destination, now, max, lease);
  }

  @Override
  public int renewLeases(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    return delegate.renewLeases(deliveries, now, lease);
  }

  @Override
  public List<ClaimedDelivery> stillClaimed(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    return delegate.stillClaimed(deliveries, now, lease);
  }

  @Override
  public int bringForward(String destination, Instant latest, Instant now) {
    return delegate.bringForward(destination, latest, now);
  }

  @Override
  public void settle(List<Settlement> settlements, Instant now) {
    delegate.settle(settlements, now);
  }

  @Override
  public java.util.concurrent.CompletableFuture<Void> settleAsync(List<Settlement> settlements, Instant now) {
    return delegate.settleAsync(settlements, now); // the delegate's group-committed settlements, not a blocking one
  }

  @Override
  public java.util.concurrent.CompletableFuture<List<Settlement>> settleFencedAsync(List<Settlement> settlements,
      Instant now) {
    return delegate.settleFencedAsync(settlements, now); // the delegate's refusals: a stale outcome is never told
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
  public int pruneCounters(Instant now) {
    return delegate.pruneCounters(now);
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
  public AcceptResult acceptInTransaction(Connection connection, Lead lead, List<String> destinations,
      Instant now) {
    return delegate.acceptInTransaction(connection, lead, destinations, now);
  }

  @Override
  public Optional<SharedRateLimiter> sharedRateLimiter(String destination, SinkCapabilities.RateLimit limit) {
    return delegate.sharedRateLimiter(destination, limit);
  }

  @Override
  public Optional<String> intakeRefused() {
    return delegate.intakeRefused();
  }

  @Override
  public boolean sharedByRouters() {
    return delegate.sharedByRouters();
  }

  @Override
  public Optional<io.leadrouter.spi.SinkCounters> counters(String destination) {
    return delegate.counters(destination);
  }

  @Override
  public boolean orderByCustomer(String destination) {
    return delegate.orderByCustomer(destination);
  }

  @Override
  public void subscribeDue(Consumer<String> listener) {
    delegate.subscribeDue(listener);
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return delegate.toString();
  }

  @Override
  public long quarantine(byte[] payload, String origin, io.leadrouter.spi.Diagnosis diagnosis, Instant now) {
    return delegate.quarantine(payload, origin, diagnosis, now);
  }

  @Override
  public List<QuarantinedPayload> quarantined(int limit) {
    return delegate.quarantined(limit);
  }

  @Override
  public List<QuarantinedPayload> quarantinedAfter(long afterId, int limit) {
    return delegate.quarantinedAfter(afterId, limit);
  }

  @Override
  public Optional<QuarantinedPayload> quarantined(long id) {
    return delegate.quarantined(id);
  }

  @Override
  public void rediagnose(long id, io.leadrouter.spi.Diagnosis diagnosis) {
    delegate.rediagnose(id, diagnosis);
  }

  @Override
  public boolean releaseQuarantined(long id) {
    return delegate.releaseQuarantined(id);
  }

  @Override
  public int purgeQuarantined(Instant before) {
    return delegate.purgeQuarantined(before);
  }

  @Override
  public long quarantineCount() {
    return delegate.quarantineCount();
  }

  @Override
  public io.leadrouter.ErasureReceipt erase(io.leadrouter.Person person, Instant now) {
    return delegate.erase(person, now);
  }

  @Override
  public void completeErasure(long receiptId, java.util.Map<String, Long> rows, List<String> notErased) {
    delegate.completeErasure(receiptId, rows, notErased);
  }

  @Override
  public List<io.leadrouter.ErasureReceipt> erasures(int limit) {
    return delegate.erasures(limit);
  }

  @Override
  public int dropDeliveredPayloads(java.util.Map<String, Duration> retention, Instant now) {
    return delegate.dropDeliveredPayloads(retention, now);
  }

  @Override
  public java.util.Map<String, Long> clockMarks() {
    return delegate.clockMarks();
  }

  @Override
  public void putClockMarks(java.util.Map<String, Long> marks) {
    delegate.putClockMarks(marks);
  }

  @Override
  public List<Spill> spill(String destination, String fallback, Instant acceptedBefore, Instant now, int max) {
    return delegate.spill(destination, fallback, acceptedBefore, now, max);
  }
}
