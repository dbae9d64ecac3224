package io.leadrouter;

import io.leadrouter.internal.DeliveryEvents;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Scrubber;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the router's receipts and the order of its events: registers a receipt before its lead is written (a worker
 * may deliver the lead the moment the write commits), tells listeners ACCEPTED before any worker event of the lead,
 * completes receipts from the outcomes workers publish, and completes those settled elsewhere (another router on the
 * same journal) from the journal. Workers only publish to it ({@link DeliveryEvents}); it never calls them. Not API.
 */
final class ReceiptBook implements DeliveryEvents {
  private static final Logger LOG = LoggerFactory.getLogger(ReceiptBook.class);

  private final LeadJournal journal;
  private final List<LeadListener> listeners;
  private final int maxHeld;
  private final Duration check;
  private final Map<LeadId, Ref> live = new ConcurrentHashMap<>();
  private final ReferenceQueue<RoutingReceipt> dropped = new ReferenceQueue<>();
  private final AtomicInteger held = new AtomicInteger();

  /**
   * @param maxHeld how many unsettled receipts are held strongly (see {@link LeadRouterBuilder#heldReceipts})
   * @param check how often unsettled receipts are looked up in the journal
   */
  ReceiptBook(LeadJournal journal, List<LeadListener> listeners, int maxHeld, Duration check) {
    this.journal = journal;
    this.listeners = List.copyOf(listeners);
    this.maxHeld = maxHeld;
    this.check = check;
  }

  /**
   * Registers the receipt of a lead about to be written. The caller writes, then calls exactly one of the returned
   * entry's {@code accepted}, {@code duplicate} or {@code abandoned}.
   *
   * @param committed whether the write commits by itself ({@code route(lead)}); an outbox write (the caller's
   *     transaction) is tracked only weakly and announces nothing: it never completes if the caller rolls back
   */
  Entry register(LeadId id, List<String> destinations, boolean committed) {
    expungeDropped();
    RoutingReceipt receipt = new RoutingReceipt(id, false, destinations);
    Ref ref = track(receipt, committed, committed);
    live.compute(id, (k, old) -> old != null && old.get() != null ? old : ref);
    return new Entry(receipt, ref);
  }

  /** A receipt registered before its write. */
  final class Entry {
    private final RoutingReceipt receipt;
    private final Ref ref;

    private Entry(RoutingReceipt receipt, Ref ref) {
      this.receipt = receipt;
      this.ref = ref;
    }

    /** The write failed: nothing was recorded. */
    void abandoned() {
      live.remove(receipt.leadId(), ref);
      untrack(ref);
      ref.announced();
    }

    /**
     * The journal had the lead already: the receipt of the existing deliveries. Never the receipt another call
     * registered first: that call's write may be a duplicate too, or fail, and its receipt would never complete.
     */
    RoutingReceipt duplicate(List<DeliveryRecord> deliveries) {
      abandoned();
      return duplicateReceipt(receipt.leadId(), deliveries);
    }

    /** The lead is recorded; when committed, listeners are told ACCEPTED and workers' events may follow. */
    RoutingReceipt accepted(Instant at, boolean committed) {
      ref.written = true;
      Ref replaced = live.put(receipt.leadId(), ref);
      if (replaced != null && replaced != ref) {
        untrack(replaced);
        RoutingReceipt before = replaced.get();
        if (before != null && !replaced.outbox && !before.isDone()) {
          // a duplicate call's receipt, handed out while this write was committing: it completes with this one
          follow(before, receipt);
        }
        // otherwise an older receipt of a write the journal no longer holds (pruned, rolled back)
      }
      RoutingReceipt yours = receipt.copy(false);
      if (committed) {
        emit(new LeadEvent(LeadEvent.Type.ACCEPTED, receipt.leadId(), "", at, 0, Optional.empty(),
            Optional.empty(), Optional.empty()));
        ref.announced();
      }
      return yours;
    }
  }

  /** A worker's outcome: listeners first (after the lead's ACCEPTED), then the receipt's future. */
  @Override
  public void publish(LeadEvent event) {
    Ref ref = live.get(event.leadId());
    if (ref != null) {
      ref.awaitAnnounced(); // listeners see ACCEPTED before anything a worker did with the lead
    }
    emit(event);
    complete(event, ref);
  }

  /** A worker's outcome the listeners are not told (they are a whole backlog behind): the receipt's future only. */
  @Override
  public void publishUntold(LeadEvent event) {
    complete(event, live.get(event.leadId()));
  }

  private void complete(LeadEvent event, Ref ref) {
    RoutingReceipt r = ref == null ? null : ref.get();
    if (r == null) {
      return;
    }
    CompletableFuture<DeliveryResult> f = r.deliveries().get(event.destination());
    if (f == null) {
      return;
    }
    if (event.type() == LeadEvent.Type.DEAD_LETTERED) {
      f.completeExceptionally(new LeadDeliveryException(event.leadId(), event.destination(),
          event.diagnosis().orElse(new Diagnosis("DELIVERY_FAILED", "failed", "replay it once fixed"))));
    } else if (event.result().isPresent()) {
      f.complete(event.result().get());
    } else {
      return;
    }
    forgetIfDone(event.leadId(), r);
  }

  /**
   * Tells every listener; a failing listener is logged and never stops the others. An {@link Error} too (an
   * assertion, a class missing from the listener's jar): thrown out of here, it failed a route() whose lead was
   * committed already, and kept the receipt and every later event of the destination from being told.
   */
  void emit(LeadEvent event) {
    for (LeadListener l : listeners) {
      try {
        l.onEvent(event);
      } catch (Throwable e) { // NOPMD: the application's listener must not fail the router's call or thread
        // the listener's exception may quote the event (a diagnosis) or the application's own data
        LOG.warn("a lead listener failed on {} of lead {}: {}", event.type(),
            Pii.maskLeadId(event.leadId().toString()),
            Scrubber.standard().scrub(e.toString()));
      }
    }
  }

  /**
   * Fails the unsettled receipts of the leads an erasure removed: nothing more of them is delivered, and their
   * receipts had waited for good (routeAndWait's timeout said the lead "will still be delivered").
   */
  void erased(ErasureReceipt erasure) {
    for (LeadId id : erasure.erasedLeads()) {
      Ref ref = live.get(id);
      RoutingReceipt r = ref == null ? null : ref.get();
      if (r == null) {
        continue;
      }
      r.deliveries().forEach((destination, f) -> f.completeExceptionally(new LeadDeliveryException(id, destination,
          new Diagnosis("LEAD_ERASED", "lead " + id + " was erased (erasure receipt " + erasure.id() + ") before it"
              + " was delivered to '" + destination + "'", "nothing to do: the person's data was erased on request;"
              + " a lead routed after the erasure is delivered as a new one"))));
      forgetIfDone(id, r);
    }
  }

  /**
   * Completes receipts whose deliveries settled without this router being told: delivered by another router sharing
   * the journal, or settled while an outcome was lost. Checks those tracked for two check intervals or more, at most
   * 1,000 a run.
   */
  void settleStale() {
    try {
      long cutoff = System.nanoTime() - 2 * check.toNanos();
      int checked = 0;
      for (Ref ref : live.values()) {
        RoutingReceipt r = ref.get();
        if (r == null || ref.trackedAt - cutoff > 0) {
          continue;
        }
        if (++checked > 1000) {
          return;
        }
        complete(r, journal.deliveries(r.leadId()));
        forgetIfDone(r.leadId(), r);
      }
    } catch (RuntimeException e) {
      if (!(e instanceof JournalDamagedException)) { // said once by the journal
        LOG.warn("checking unsettled receipts failed: {}", e.toString());
      }
    }
  }

  /**
   * The receipt of a lead the journal holds already: the tracked receipt of its write, else one made from its
   * deliveries and tracked. A receipt registered for a write still under way is not handed out (that write may turn
   * out a duplicate or fail, and its receipt never complete): it is waited for briefly, then displaced; should its
   * write be accepted after all, it takes the place back and the receipt made here follows it.
   */
  private RoutingReceipt duplicateReceipt(LeadId id, List<DeliveryRecord> deliveries) {
    Ref pending = live.get(id);
    if (pending != null && !pending.written) {
      pending.awaitAnnounced(); // its write commits in the same group commit as a rule: the usual case ends here
    }
    RoutingReceipt existing = writtenReceipt(live.get(id));
    if (existing != null) {
      return existing.asDuplicate();
    }
    RoutingReceipt receipt = new RoutingReceipt(id, true, deliveries.stream().map(DeliveryRecord::destination)
        .toList());
    if (complete(receipt, deliveries)) {
      Ref mine = track(receipt, true, false);
      mine.written = true;
      RoutingReceipt[] tracked = new RoutingReceipt[1];
      live.compute(id, (k, old) -> {
        tracked[0] = writtenReceipt(old);
        return tracked[0] != null ? old : mine;
      });
      if (tracked[0] != null) {
        untrack(mine);
        return tracked[0].asDuplicate();
      }
      // a delivery may have settled between the read above and the registration: read again
      complete(receipt, journal.deliveries(id));
      forgetIfDone(id, receipt);
    }
    return receipt.copy(true);
  }

  private static RoutingReceipt writtenReceipt(Ref ref) {
    return ref == null || !ref.written ? null : ref.get();
  }

  /** Completes each of {@code follower}'s futures as {@code leader}'s of the same destination completes. */
  static void follow(RoutingReceipt follower, RoutingReceipt leader) {
    follower.deliveries().forEach((destination, f) -> {
      CompletableFuture<DeliveryResult> lead = leader.deliveries().get(destination);
      if (lead != null) {
        lead.whenComplete((result, failure) -> {
          if (failure != null) {
            f.completeExceptionally(failure);
          } else {
            f.complete(result);
          }
        });
      }
    });
  }

  /** Completes the receipt's futures of settled deliveries; returns whether any is still pending. */
  private static boolean complete(RoutingReceipt receipt, List<DeliveryRecord> deliveries) {
    LeadId id = receipt.leadId();
    boolean pending = false;
    for (DeliveryRecord d : deliveries) {
      CompletableFuture<DeliveryResult> f = receipt.deliveries().get(d.destination());
      if (f == null) {
        continue;
      }
      if (d.state() == DeliveryState.DEAD) {
        f.completeExceptionally(new LeadDeliveryException(id, d.destination(), d.diagnosis().orElse(
            new Diagnosis("DELIVERY_FAILED", d.lastError().orElse("failed"), "replay it once fixed"))));
      } else if (d.state().isSettled() && d.result().isPresent()) {
        f.complete(d.result().get());
      } else {
        pending = true;
      }
    }
    return pending;
  }

  /**
   * A new entry for the live map. Up to {@code maxHeld} unsettled receipts are held strongly, so a caller may drop the
   * receipt and keep only a future derived from it ({@code allOf(...)}, {@code thenAccept}) and still be told; beyond
   * that (a backlog of many pending leads) receipts are tracked while the caller holds them.
   */
  private Ref track(RoutingReceipt r, boolean hold, boolean announce) {
    Ref ref = new Ref(r, dropped, announce, !hold);
    if (hold) {
      if (held.incrementAndGet() <= maxHeld) {
        ref.held.set(r);
      } else {
        held.decrementAndGet();
      }
    }
    return ref;
  }

  /** Lets go of an entry no longer in the live map. */
  private void untrack(Ref ref) {
    if (ref != null && ref.held.getAndSet(null) != null) {
      held.decrementAndGet();
    }
  }

  /** Stops tracking a receipt whose every future is complete. */
  private void forgetIfDone(LeadId lead, RoutingReceipt r) {
    if (r.isDone()) {
      live.computeIfPresent(lead, (k, ref) -> {
        if (ref.get() != r) {
          return ref;
        }
        untrack(ref);
        return null;
      });
    }
  }

  private void expungeDropped() {
    for (Reference<? extends RoutingReceipt> r; (r = dropped.poll()) != null; ) {
      Ref ref = (Ref) r;
      live.remove(ref.leadId, ref);
    }
  }

  /**
   * A tracked receipt: held strongly (within the limit) until settled, otherwise weakly, tracked only while someone
   * holds it or its futures.
   */
  private static final class Ref extends WeakReference<RoutingReceipt> {
    final LeadId leadId;
    final long trackedAt = System.nanoTime();
    final AtomicReference<RoutingReceipt> held = new AtomicReference<>();
    /** A write in the caller's own transaction: it may roll back, and its receipt then never completes. */
    final boolean outbox;
    /** Whether the journal holds the lead of this receipt (its write was accepted, or it was made from the journal). */
    volatile boolean written;
    /** Open until route() has told listeners the lead is ACCEPTED. */
    private final CountDownLatch unannounced;

    Ref(RoutingReceipt r, ReferenceQueue<RoutingReceipt> q, boolean announce, boolean outbox) {
      super(r, q);
      this.outbox = outbox;
      this.leadId = r.leadId();
      this.unannounced = new CountDownLatch(announce ? 1 : 0);
    }

    void announced() {
      unannounced.countDown();
    }

    /** Waits (briefly: route() announces right after its commit) until ACCEPTED was sent. */
    void awaitAnnounced() {
      try {
        unannounced.await(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
