package io.leadrouter.journal;

import io.leadrouter.ErasureReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouterException;
import io.leadrouter.Person;
import io.leadrouter.spi.SinkCapabilities;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * Where accepted leads and their deliveries live until settled: a real database (SQLite by default, see
 * {@link SqliteJournal}), so no accepted lead is lost and a long outage costs disk, not heap. Implementations are
 * thread-safe.
 */
public interface LeadJournal extends AutoCloseable {

  /**
   * Records the lead with one pending delivery per destination and returns once it is durable. Idempotent by
   * {@link LeadId}: a lead already accepted is not recorded again and the result says so.
   */
  AcceptResult accept(Lead lead, List<String> destinations, Instant now);

  /**
   * {@link #accept(Lead, List, Instant)}, keeping {@code traceContext} (the W3C {@code traceparent} of the route()
   * call) with the lead so that its deliveries report it in {@link ClaimedDelivery#traceContext()}. Journals that
   * cannot keep it accept the lead without it (the default).
   */
  default AcceptResult accept(Lead lead, List<String> destinations, Instant now, Optional<String> traceContext) {
    return accept(lead, destinations, now);
  }

  /**
   * Accepts like {@link #accept(Lead, List, Instant, Optional)} and, in the same transaction, claims for the caller
   * the new deliveries to the destinations in {@code claimFor}: they are recorded in flight until {@code now + lease}
   * and returned in {@link AcceptResult#claimed()}, ready to deliver without a claim query (the router's in-memory
   * hand-off of fresh leads). A duplicate claims nothing. The default claims nothing: the deliveries wait in the
   * journal to be claimed as usual.
   */
  default AcceptResult accept(Lead lead, List<String> destinations, Instant now, Optional<String> traceContext,
      Set<String> claimFor, Duration lease) {
    return accept(lead, destinations, now, traceContext);
  }

  /**
   * Claims up to {@code max} deliveries of {@code destination} that are due at {@code now}, oldest due first, and
   * marks them in flight until {@code now + lease}.
   */
  List<ClaimedDelivery> claimDue(String destination, Instant now, int max, Duration lease);

  /**
   * Extends to {@code now + lease} the leases of deliveries whose call is still running, as long as each is still in
   * flight under the claim given (its owner and {@link ClaimedDelivery#leaseEpoch epoch}): a call that outlasts its
   * lease would otherwise be claimed again and its lead delivered twice. Returns how many leases were extended. The
   * default extends none: with such a journal a call must end within its lease.
   */
  default int renewLeases(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    return 0;
  }

  /**
   * Of {@code deliveries}, those still in flight under the claim given (owner and epoch), their leases extended to
   * {@code now + lease}: a router asks it of a journal {@link #sharedByRouters shared by routers} just before a call,
   * since another router may have erased a person's lead (or taken the claim over) after it was claimed, and this
   * router's workers are told only of its own erasures. The default (a journal of one router): all of them, unchanged.
   */
  default List<ClaimedDelivery> stillClaimed(List<ClaimedDelivery> deliveries, Instant now, Duration lease) {
    return deliveries;
  }

  /**
   * Makes due at {@code now} the pending deliveries to {@code destination} due later than {@code latest}, and returns
   * how many. The router calls it at start with {@code latest} = now + the longest wait the destination's policy
   * sets: a due time beyond it was set by a clock that has since gone back (the system clock set back an hour while
   * the router was stopped) and would otherwise wait that much longer. The default changes nothing.
   */
  default int bringForward(String destination, Instant latest, Instant now) {
    return 0;
  }

  /**
   * Asks the journal to keep deliveries to {@code destination} one customer at a time (see
   * {@link io.leadrouter.spi.SinkCapabilities.OrderingKey#CUSTOMER}): from now on it never has two deliveries of one
   * customer to it in flight together, whoever claims them (every router sharing the journal), and claims a
   * customer's deliveries in acceptance order, a retry holding back that customer's later leads. Returns whether it
   * does; a journal that cannot returns false (the default), and the router then keeps the order in memory, for its
   * own deliveries only.
   */
  default boolean orderByCustomer(String destination) {
    return false;
  }

  /**
   * Counters the sink of {@code destination} keeps across restarts ({@link io.leadrouter.spi.LeadSink#useCounters});
   * empty when the journal keeps none (the default).
   */
  default Optional<io.leadrouter.spi.SinkCounters> counters(String destination) {
    return Optional.empty();
  }

  /**
   * Records what became of claimed deliveries; returns once written. A settlement that
   * {@linkplain Settlement#countsAsAttempt() counts an attempt} of a delivery with no failed attempt yet also sets its
   * {@link ClaimedDelivery#retrySince()} to {@code now}: the give-up age counts from the first failed attempt.
   */
  void settle(List<Settlement> settlements, Instant now);

  /**
   * Records what became of claimed deliveries without waiting: the future completes once they are written. A
   * journal may group them with other writes and commit them without a durable flush of their own, since a
   * settlement lost to a crash only means the delivery is made again, which sinks absorb by upserting. The default
   * writes them at once.
   */
  default CompletableFuture<Void> settleAsync(List<Settlement> settlements, Instant now) {
    try {
      settle(settlements, now);
      return CompletableFuture.completedFuture(null);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * {@link #settleAsync}, completing with the settlements the journal refused as stale: their claim was no longer the
   * delivery's (its lease ended, and it was claimed again or settled by its new owner, whose result stands), so what
   * they say must not be told as the lead's outcome. A stale success (delivered or handed off) is evidence the lead
   * arrived: the SQL journals record it, not refuse it, while the delivery is not delivered yet (pending, parked, dead
   * or in flight under a newer claim, whose own settlement is then refused). The default refuses none that it could
   * say.
   */
  default CompletableFuture<List<Settlement>> settleFencedAsync(List<Settlement> settlements, Instant now) {
    return settleAsync(settlements, now).thenApply(written -> List.of());
  }

  /** When the destination's next pending delivery is due, if it has any. */
  Optional<Instant> nextDue(String destination);

  /** Parks the destination until {@code until} (a spent quota); shared by every router on this journal. */
  void park(String destination, Instant until, String reason);

  /** Until when the destination is parked, if it is (and {@code until} is after {@code now}). */
  Optional<Instant> parkedUntil(String destination, Instant now);

  /** Returns in-flight deliveries whose lease ended back to pending; returns how many. */
  int reclaimExpiredLeases(Instant now);

  /** Deliveries matching the query, most recently changed first. */
  List<DeliveryRecord> list(DeliveryQuery query);

  /**
   * Moves matching dead letters back to pending, due now, attempts reset; returns how many. A query that names no
   * diagnosis code leaves the dead letters whose outcome is unknown ({@link io.leadrouter.spi.Diagnosis#outcomeUnknown()}: an answer
   * was lost after they were sent, so their destination may hold them already); they move only when the query names
   * their code, after an operator looked for them at the destination.
   */
  int replay(DeliveryQuery query, Instant now);

  /** Deletes matching dead letters for good; returns how many. Only on an operator's explicit request. */
  int purgeDeadLetters(DeliveryQuery query);

  /** Deletes delivered and handed-off deliveries settled before {@code before}, and leads left with none. */
  int pruneSettled(Instant before);

  /**
   * Deletes the sinks' counters ({@link #counters}) whose {@code forgetAfter} is before {@code now}; returns how
   * many. The router's maintenance calls it hourly. The default (a journal keeping no counters) deletes nothing.
   */
  default int pruneCounters(Instant now) {
    return 0;
  }

  /** How many deliveries each destination has in each state. */
  Map<String, Map<DeliveryState, Long>> counts();

  /** The lead with this id, if the journal holds it. */
  Optional<Lead> lead(LeadId id);

  /** The deliveries of one lead. */
  List<DeliveryRecord> deliveries(LeadId id);

  /**
   * Records the lead with its deliveries inside the caller's open transaction on {@code connection}, without
   * committing (a transactional outbox): the lead is accepted if and only if the caller commits. Only journals on
   * the caller's database support it (PostgreSQL); the default refuses.
   *
   * @throws LeadRouterException if this journal cannot enqueue in the caller's transaction
   */
  default AcceptResult acceptInTransaction(Connection connection, Lead lead, List<String> destinations,
      Instant now) {
    throw new LeadRouterException(this + " cannot enqueue leads in the caller's transaction:"
        + " route(lead, connection) needs a journal in the same database, e.g. the PostgreSQL journal"
        + " (lead-journal-postgres); use route(lead) with this journal");
  }

  /**
   * A rate limiter kept in this journal and shared by every router using it, if the journal offers one; routers
   * fall back to a limiter of their own otherwise (the default).
   */
  default Optional<SharedRateLimiter> sharedRateLimiter(String destination, SinkCapabilities.RateLimit limit) {
    return Optional.empty();
  }

  /**
   * Whether other routers deliver from this journal too (a shared PostgreSQL backlog). A router then hands a fresh
   * lead to its own worker only when that worker has a free slot for it now; otherwise the lead waits in the
   * journal for whichever router is free first, instead of queueing behind a busy (or stuck) local delivery while
   * its lease runs. The default: not shared.
   */
  default boolean sharedByRouters() {
    return false;
  }

  /**
   * Why this journal refuses new leads now, with the fix; empty while it takes them in (the default). A file journal
   * refuses them while its file was moved, deleted or replaced under the running router; any journal after a lead
   * could not be written for want of room or reachability (a full disk, a file-size limit, a database that is down)
   * until a write succeeds again, which the journal tries by itself about once a second. Leads accepted before are
   * still delivered meanwhile. For health checks: a load balancer should send leads to another instance then, since
   * the marketplace does not send a refused lead again.
   */
  default Optional<String> intakeRefused() {
    return Optional.empty();
  }

  /**
   * Registers {@code listener} to be told, with a destination's name, when leads for it were accepted elsewhere: by
   * another router on the same database or in a caller's transaction (PostgreSQL: {@code LISTEN/NOTIFY}). Routers
   * wake that destination's worker, so such leads start within milliseconds; journals that cannot tell do nothing
   * (the default) and workers find those leads by polling.
   */
  default void subscribeDue(Consumer<String> listener) {}

  /**
   * Keeps a payload that could not be read unambiguously, durably (the same transaction discipline as
   * {@link #accept}); returns its id once it is on disk.
   *
   * @throws LeadRouterException if this journal keeps no quarantine (the default, for journals written before it)
   */
  default long quarantine(byte[] payload, String origin, io.leadrouter.spi.Diagnosis diagnosis, Instant now) {
    throw new LeadRouterException(this + " keeps no quarantine: use the SQLite or PostgreSQL journal");
  }

  /** Quarantined payloads, most recent first, at most {@code limit}. */
  default List<QuarantinedPayload> quarantined(int limit) {
    return List.of();
  }

  /**
   * A page of the quarantine: the payloads whose id is above {@code afterId}, oldest first (by id), at most
   * {@code limit}. Reading page after page, each after the last id of the one before (keyset paging), visits every
   * payload once however large the quarantine, also while payloads are released or added meanwhile. The default reads
   * {@link #quarantined(int)} whole, for journals written before this method.
   */
  default List<QuarantinedPayload> quarantinedAfter(long afterId, int limit) {
    return quarantined(Integer.MAX_VALUE).stream().filter(q -> q.id() > afterId)
        .sorted(java.util.Comparator.comparingLong(QuarantinedPayload::id)).limit(Math.max(0, limit)).toList();
  }

  /** One quarantined payload. */
  default Optional<QuarantinedPayload> quarantined(long id) {
    return Optional.empty();
  }

  /** Records a new diagnosis for a quarantined payload read again (after an upgrade it may say more). */
  default void rediagnose(long id, io.leadrouter.spi.Diagnosis diagnosis) {
  }

  /** Removes one quarantined payload (it was routed after all, or purged); returns whether it was there. */
  default boolean releaseQuarantined(long id) {
    return false;
  }

  /** Deletes quarantined payloads received before {@code before}, for good; only on an operator's request. */
  default int purgeQuarantined(Instant before) {
    return 0;
  }

  /** How many payloads are in quarantine. */
  default long quarantineCount() {
    return 0;
  }

  /**
   * Erases a person from the journal in one transaction: their leads with every delivery (pending ones are thereby
   * cancelled; in flight, delivered, parked and dead ones removed) and every quarantined payload whose raw bytes
   * hold the person's e-mail address, phone number or lead id; then records an {@link ErasureReceipt} without
   * personal data. A file journal makes the removed bytes physically unreadable (SQLite: {@code secure_delete} and
   * a WAL checkpoint). The default refuses: a journal written before erasure keeps what it keeps.
   *
   * @throws LeadRouterException if this journal cannot erase
   */
  default ErasureReceipt erase(Person person, Instant now) {
    throw new LeadRouterException(this + " cannot erase a person: use the SQLite or PostgreSQL journal");
  }

  /** Adds to an erasure's receipt what was erased outside the journal (a file sink's lines) and what was not. */
  default void completeErasure(long receiptId, Map<String, Long> rows, List<String> notErased) {}

  /** Erasure receipts, most recent first, at most {@code limit} (none for journals that cannot erase). */
  default List<ErasureReceipt> erasures(int limit) {
    return List.of();
  }

  /**
   * Drops the stored lead (payload and trace context) of leads whose every delivery is delivered or handed off, to
   * destinations all listed in {@code retention}, each longer ago than its destination's retention; the delivery
   * records stay. Returns how many leads' payloads were dropped. Nothing by default.
   */
  default int dropDeliveredPayloads(Map<String, Duration> retention, Instant now) {
    return 0;
  }

  /**
   * Spills to {@code fallback} the deliveries of {@code destination} not delivered (pending, retrying, parked, in
   * flight or dead) and accepted before {@code acceptedBefore}, at most {@code max}: each is marked spilled and a
   * delivery to {@code fallback}, marked as a fallback for {@code destination}, is added in the same transaction, so
   * a lead is spilled once, even across restarts and routers. The main delivery is left as it was. None by default.
   */
  default List<Spill> spill(String destination, String fallback, Instant acceptedBefore, Instant now, int max) {
    return List.of();
  }

  /**
   * The router's record of its own time, kept for its next start: when it was last seen running ({@code alive}, epoch
   * milliseconds) and the forward jumps of its clock ({@code jump.<from>} = size, both in milliseconds), so that the
   * ages its policies count ({@code giveUpAfter}, {@code fallbackAfter}) leave out the time no router ran and the jumps
   * of the clock, across restarts too. Empty by default (a journal that keeps none: ages then count from the wall
   * clock across restarts).
   */
  default Map<String, Long> clockMarks() {
    return Map.of();
  }

  /** Replaces the record {@link #clockMarks} reads. Nothing by default. */
  default void putClockMarks(Map<String, Long> marks) {}

  /**
   * A delivery spilled to a fallback destination.
   *
   * @param leadId the lead
   * @param attempts the failed attempts of the main delivery so far
   * @param queued whether a fallback delivery was added (false: the fallback destination had the lead already)
   */
  record Spill(LeadId leadId, int attempts, boolean queued) {}

  /** Releases the database; pending deliveries stay for the next open. */
  @Override
  void close();
}
