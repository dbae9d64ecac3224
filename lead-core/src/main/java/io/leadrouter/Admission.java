package io.leadrouter;

import io.leadrouter.internal.DestinationWorkers;
import io.leadrouter.internal.Tracing;
import io.leadrouter.internal.intake.LeadNormalizer;
import io.leadrouter.journal.AcceptResult;
import io.leadrouter.journal.LeadJournal;
import java.sql.Connection;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiFunction;

/**
 * Admits a lead: normalises it, chooses its destinations, registers its receipt, has the journal write it (committed
 * at once, or in the caller's transaction), and hands the fresh deliveries to their workers in memory. The one place
 * that knows the order these steps need.
 */
final class Admission {
  private final RouteTable routes;
  private final ReceiptBook receipts;
  private final DestinationWorkers workers;
  private final LeadJournal journal;
  private final Clock clock;
  private final Duration lease;
  private final Tracing tracing;
  private volatile boolean closed;
  // held shared by every admit() while it runs, taken whole by awaitInFlight(): close() waits for the calls already
  // past checkOpen() before it closes the journal, so none of them is failed or left waiting half-way
  private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();

  Admission(RouteTable routes, ReceiptBook receipts, DestinationWorkers workers, LeadJournal journal, Clock clock,
      Duration lease, Tracing tracing) {
    this.routes = routes;
    this.receipts = receipts;
    this.workers = workers;
    this.journal = journal;
    this.clock = clock;
    this.lease = lease;
    this.tracing = tracing;
  }

  /** See {@link LeadRouter#route(Lead)}: normalises, traces and admits {@code lead}, committed by the journal. */
  RoutingReceipt route(Lead lead) {
    LeadTracer.RouteTrace trace = tracing.startRoute(lead);
    try {
      Lead normalized = LeadNormalizer.normalize(lead);
      // the trace context is stored with the lead: its deliveries, however late, join the caller's trace
      RoutingReceipt receipt = admit(normalized, true, (destinations, claimFor) ->
          journal.accept(normalized, destinations, clock.instant(), trace.traceContext(), claimFor, lease));
      trace.accepted(List.copyOf(receipt.deliveries().keySet()), receipt.duplicate());
      return receipt;
    } catch (RuntimeException e) {
      trace.failed(e);
      throw e;
    } finally {
      trace.close();
    }
  }

  /** See {@link LeadRouter#route(Lead, Connection)}: normalises and admits {@code lead} in the caller's transaction. */
  RoutingReceipt route(Lead lead, Connection connection) {
    Lead normalized = LeadNormalizer.normalize(lead);
    return admit(normalized, false, (destinations, claimFor) ->
        journal.acceptInTransaction(connection, normalized, destinations, clock.instant()));
  }

  /**
   * Writes the lead with {@code write} (given its destinations and those whose worker reserved hand-off room, for the
   * journal to claim at once); when {@code committed}, tells listeners and hands the claimed deliveries over (those
   * whose hand-off queue had room; the others wait in the journal).
   */
  private RoutingReceipt admit(Lead lead, boolean committed,
      BiFunction<List<String>, Set<String>, AcceptResult> write) {
    inFlight.readLock().lock();
    try {
      if (closed) {
        checkOpen("lead " + Pii.maskLeadId(lead.id().value()) + " was not accepted");
      }
      return admitOpen(lead, committed, write);
    } finally {
      inFlight.readLock().unlock();
    }
  }

  private RoutingReceipt admitOpen(Lead lead, boolean committed,
      BiFunction<List<String>, Set<String>, AcceptResult> write) {
    List<String> destinations = routes.destinationsFor(lead);
    // registered before the write: a worker may deliver the lead the moment the write commits
    ReceiptBook.Entry entry = receipts.register(lead.id(), destinations, committed);
    Set<String> reserved = committed ? workers.reserve(destinations) : Set.of();
    AcceptResult accepted;
    try {
      accepted = write.apply(destinations, reserved);
    } catch (RuntimeException e) {
      workers.release(reserved);
      entry.abandoned();
      throw e;
    }
    if (accepted.duplicate()) {
      workers.release(reserved);
      return entry.duplicate(accepted.deliveries());
    }
    RoutingReceipt receipt = entry.accepted(clock.instant(), committed);
    if (committed) {
      workers.handOff(destinations, reserved, accepted.claimed());
    }
    return receipt;
  }

  /** See {@link LeadRouter#destinationsFor(Lead)}. */
  List<String> destinationsFor(Lead lead) {
    return routes.destinationsFor(lead);
  }

  /**
   * @throws LeadRouterException once the router is closed, saying {@code what} of the call did not happen and the
   *     fix (the message was "leads can no longer be routed through it": whether this one was kept, and what to do
   *     with it, the caller had to guess)
   */
  void checkOpen(String what) {
    if (closed) {
      throw new LeadRouterException("the router is closed: leads can no longer be routed through it; " + what
          + ": route it again through an open router (one built again on the same journal also delivers what this"
          + " one left pending)");
    }
  }

  /** Whether {@link #close()} was called. */
  boolean closed() {
    return closed;
  }

  /** Whether the calling thread is inside an admit (a listener told ACCEPTED on the route() caller's thread). */
  boolean admitting() {
    return inFlight.getReadHoldCount() > 0;
  }

  /** Admits nothing more; returns whether this call closed it. */
  synchronized boolean close() {
    boolean was = closed;
    closed = true;
    return !was;
  }

  /**
   * After {@link #close()}: waits up to {@code timeout} for the admits already running to end; returns whether they
   * did. Not waited for from inside an admit (a listener closing the router), which would wait for itself.
   */
  boolean awaitInFlight(Duration timeout) {
    if (admitting()) {
      return false;
    }
    boolean interrupted = Thread.interrupted();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        try {
          if (inFlight.writeLock().tryLock(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            inFlight.writeLock().unlock();
            return true;
          }
          return false;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
