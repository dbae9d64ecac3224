package io.leadrouter;

import io.leadrouter.internal.DestinationWorkers;
import io.leadrouter.journal.AcceptResult;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiFunction;

/**
 * Admits a normalised lead: chooses its destinations, registers its receipt, has it written, and hands the fresh
 * deliveries to their workers in memory. The one place that knows the order these steps need.
 */
final class Admission {
  private final RouteTable routes;
  private final ReceiptBook receipts;
  private final DestinationWorkers workers;
  private final Clock clock;
  private volatile boolean closed;
  // held shared by every admit() while it runs, taken whole by awaitInFlight(): close() waits for the calls already
  // past checkOpen() before it closes the journal, so none of them is failed or left waiting half-way
  private final ReentrantReadWriteLock inFlight = new ReentrantReadWriteLock();

  Admission(RouteTable routes, ReceiptBook receipts, DestinationWorkers workers, Clock clock) {
    this.routes = routes;
    this.receipts = receipts;
    this.workers = workers;
    this.clock = clock;
  }

  /**
   * Writes the lead with {@code write} (given its destinations and those whose worker reserved hand-off room, for the
   * journal to claim at once); when {@code committed}, tells listeners and hands the claimed deliveries over (those
   * whose hand-off queue had room; the others wait in the journal).
   */
  RoutingReceipt admit(Lead lead, boolean committed, BiFunction<List<String>, Set<String>, AcceptResult> write) {
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
