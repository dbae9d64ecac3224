package io.leadrouter;

import io.leadrouter.internal.DestinationWorkers;
import io.leadrouter.journal.AcceptResult;
import java.time.Clock;
import java.util.List;
import java.util.Set;
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
    checkOpen();
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

  /** @throws LeadRouterException once the router is closed */
  void checkOpen() {
    if (closed) {
      throw new LeadRouterException("the router is closed: leads can no longer be routed through it");
    }
  }

  /** Admits nothing more; returns whether this call closed it. */
  synchronized boolean close() {
    boolean was = closed;
    closed = true;
    return !was;
  }
}
