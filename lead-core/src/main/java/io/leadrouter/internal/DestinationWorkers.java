package io.leadrouter.internal;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.LeadSink;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's destination workers, one per sink: starts and stops them, wakes them, and hands a freshly written lead's
 * deliveries to them in memory. Workers publish outcomes to {@link DeliveryEvents} only; nothing here is called back by
 * them. Not API.
 */
public final class DestinationWorkers {
  private static final Logger LOG = LoggerFactory.getLogger(DestinationWorkers.class);
  private final Map<String, DestinationWorker> workers;
  private final LeadJournal journal;
  /** The threads all workers share: a bounded number, none while idle (see {@link WorkerThreads}). */
  private final WorkerThreads threads;

  /**
   * Creates (does not start) a worker for each sink, with its delivery policy; at most {@code listenerBacklog}
   * outcomes wait for the listeners (see {@link WorkerThreads#WorkerThreads(int)}); {@code jumps}, the clock's forward
   * jumps, do not count toward a lead's give-up age.
   */
  public DestinationWorkers(Map<String, LeadSink> sinks, Map<String, DeliveryPolicy> policies, LeadJournal journal,
      Clock clock, Duration lease, DeliveryEvents events, Tracing tracing, int listenerBacklog, ClockJumps jumps) {
    this.journal = journal;
    this.threads = new WorkerThreads(listenerBacklog);
    Map<String, DestinationWorker> w = new LinkedHashMap<>();
    sinks.forEach((name, sink) -> w.put(name, new DestinationWorker(name, sink, policies.get(name), journal, clock,
        lease, events, tracing, threads, jumps)));
    this.workers = Collections.unmodifiableMap(w);
  }

  /** Starts every worker; leads another router (or a caller's transaction) makes due wake their worker at once. */
  public void start() {
    workers.values().forEach(DestinationWorker::start);
    journal.subscribeDue(this::wake);
    warnUnserved();
  }

  /**
   * Says which destinations the journal holds undelivered leads for that no worker serves: a sink taken out of the
   * descriptor (or renamed) left its waiting leads and dead letters in the journal, kept but never delivered, and
   * nothing said so; the operator learned of them only by counting.
   */
  private void warnUnserved() {
    Map<String, Map<DeliveryState, Long>> counts;
    try {
      counts = journal.counts();
    } catch (RuntimeException e) {
      LOG.debug("the journal's deliveries could not be counted at start: {}", e.toString());
      return;
    }
    counts.forEach((destination, states) -> {
      if (workers.containsKey(destination)) {
        return;
      }
      long waiting = states.getOrDefault(DeliveryState.PENDING, 0L) + states.getOrDefault(DeliveryState.IN_FLIGHT, 0L)
          + states.getOrDefault(DeliveryState.PARKED, 0L);
      long dead = states.getOrDefault(DeliveryState.DEAD, 0L);
      if (waiting + dead == 0) {
        return;
      }
      LOG.warn("the journal holds {} lead(s) not delivered to '{}' ({} waiting, {} dead-lettered), and this router has"
          + " no sink named '{}'{}: they are kept, not delivered, not dropped. To deliver them, configure a sink named"
          + " '{}' again (then replay its dead letters); 'leadrouter inspect' lists them", waiting + dead, destination,
          waiting, dead, destination, journal.sharedByRouters() ? " (another router sharing the journal may have one)"
          : "", destination);
    });
  }

  /**
   * Reserves hand-off room for a lead about to be written, in each destination that has some (see
   * {@link DestinationWorker#reserve()}); returns those destinations, for the journal to claim at once.
   */
  public Set<String> reserve(List<String> destinations) {
    Set<String> reserved = new HashSet<>();
    for (String d : destinations) {
      if (workers.get(d).reserve()) {
        reserved.add(d);
      }
    }
    return reserved;
  }

  /** Gives back reservations the write did not use (it failed, or the lead was a duplicate). */
  public void release(Set<String> reserved) {
    reserved.forEach(d -> workers.get(d).unreserve());
  }

  /**
   * After the write committed: hands each claimed delivery to its worker, gives back the reservations the journal
   * claimed nothing for, and wakes the workers whose delivery waits in the journal.
   */
  public void handOff(List<String> destinations, Set<String> reserved, List<ClaimedDelivery> claimed) {
    Set<String> left = new HashSet<>(reserved);
    for (ClaimedDelivery c : claimed) {
      if (left.remove(c.destination())) {
        workers.get(c.destination()).handOff(c);
      }
    }
    Set<String> handedOver = new HashSet<>();
    claimed.forEach(c -> handedOver.add(c.destination()));
    for (String d : destinations) {
      if (left.remove(d)) {
        workers.get(d).unreserve(); // the journal claimed nothing for it
      }
      if (!handedOver.contains(d)) {
        workers.get(d).wake();
      }
    }
  }

  /** Wakes the destination's worker, if there is one. */
  public void wake(String destination) {
    DestinationWorker worker = workers.get(destination);
    if (worker != null) {
      worker.wake();
    }
  }

  /** Wakes every worker (deliveries became due: a replay, reclaimed leases). */
  public void wakeAll() {
    workers.values().forEach(DestinationWorker::wake);
  }

  /**
   * The worker of a destination.
   *
   * @throws IllegalArgumentException if no destination has that name
   */
  public DestinationWorker get(String destination) {
    DestinationWorker worker = workers.get(Objects.requireNonNull(destination, "destination"));
    if (worker == null) {
      throw new IllegalArgumentException("no destination named '" + destination + "' (defined: "
          + String.join(", ", workers.keySet()) + ")");
    }
    return worker;
  }

  /** Every worker, to tell of an erasure. */
  public java.util.Collection<DestinationWorker> all() {
    return workers.values();
  }

  /**
   * Stops every worker, letting in-flight deliveries finish within {@code timeout}: one deadline for all of them, so
   * closing takes at most {@code timeout} however many destinations there are.
   */
  public void close(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    workers.values().forEach(DestinationWorker::stop);
    workers.values().forEach(w -> w.awaitStopped(deadline));
    threads.close(deadline);
  }

  /** The shared threads (for tests and operators). */
  public WorkerThreads threads() {
    return threads;
  }
}
