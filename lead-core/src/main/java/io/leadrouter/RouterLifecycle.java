package io.leadrouter;

import io.leadrouter.internal.ClockJumps;
import io.leadrouter.internal.DestinationWorkers;
import io.leadrouter.internal.JournalMaintenance;
import io.leadrouter.internal.SteadyClock;
import io.leadrouter.internal.Tracing;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.LeadSink;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A router's running parts and their start and stop: opens and claims the journal, picks the clock and keeps its jumps
 * across restarts, starts the destination workers and the journal's chores, and closes all of it in order. The state
 * {@link LeadRouter} and its collaborators share; {@link LeadRouter} itself is only the front. Not API.
 */
final class RouterLifecycle {
  private static final Logger LOG = LoggerFactory.getLogger(LeadRouter.class);

  // the parts the router's front and its collaborators use, read as fields (as LeadRouterBuilder's are)
  final LeadJournal journal;
  final Map<String, LeadSink> sinks;
  final Clock clock;
  final DestinationWorkers workers;
  final ReceiptBook receipts;
  final RouteTable routes;
  final Admission admission;
  private final JournalMaintenance maintenance;
  /** Open until the close's last step (the journal closed): a second close() waits for it. */
  private final CountDownLatch closeDone = new CountDownLatch(1);
  /** The thread running the close's steps, once one does: a close() it calls (a sink's) does not wait for itself. */
  private volatile Thread closer;

  /** The clock's jumps, written to the journal for the next start; null for a journal shared by routers. */
  private final ClockJumps clockJumps;

  /** Opens the builder's journal and starts delivering to {@code sinks} (already created and checked). */
  RouterLifecycle(LeadRouterBuilder b, Map<String, LeadSink> sinks) {
    this.journal = b.openJournal();
    JournalClaims.claim(journal); // one router per journal instance: a second would deliver the same backlog
    try {
      this.sinks = Collections.unmodifiableMap(sinks);
      // a journal this router owns alone: its own clock never goes back (SteadyClock); routers sharing a journal on
      // several hosts must agree on leases, so each reads its host's (NTP-synchronised) wall clock as it is
      this.clock = b.clock != null ? b.clock
          : journal.sharedByRouters() ? Clock.systemUTC() : SteadyClock.system();
      Duration lease = b.lease;
      Tracing tracing = new Tracing(b.tracer);
      this.receipts = new ReceiptBook(journal, b.listeners, b.heldReceipts, b.receiptCheck);
      // the ages policies count (giveUpAfter, fallbackAfter) in the time that passed while a router ran: the clock's
      // jumps are measured against its elapsed time (a SteadyClock's own, an application's clock's ElapsedTime, else
      // System.nanoTime); the application's clock was taken as it was, so its jumps aged every lead
      ClockJumps jumps = clock instanceof SteadyClock steady
          ? ClockJumps.of(clock, steady.elapsed())
          : clock instanceof ElapsedTime elapsed ? ClockJumps.of(clock, elapsed::elapsedNanos)
          : ClockJumps.of(clock, System::nanoTime);
      // and across restarts, on a journal this router owns alone: the time it was stopped does not count either
      // (routers sharing a journal read their hosts' wall clocks as they are: one router's stop is not the others')
      boolean keepsClock = !journal.sharedByRouters();
      if (keepsClock) {
        try {
          jumps.restore(journal);
        } catch (RuntimeException e) { // the ages then count as the wall clock says; the router still starts
          LOG.warn("reading the router's clock record from the journal failed (ages count the time it was stopped):"
              + " {}", e.toString());
        }
      }
      this.clockJumps = keepsClock ? jumps : null;
      this.workers = new DestinationWorkers(sinks, b.policies, journal, clock, lease, receipts, tracing,
          b.listenerBacklog, jumps);
      this.routes = new RouteTable(b.rules, b.defaultRoute);
      this.admission = new Admission(routes, receipts, workers, journal, clock, lease, tracing);
      this.maintenance = new JournalMaintenance(journal, clock, lease, b.retention, b.receiptCheck,
          receipts::settleStale, workers::wakeAll, jumps);
      // a fallback spill's event reaches the listeners on their own thread, as a worker's does
      maintenance.deliveryChores(b.policies, b.fallbackCheck,
          event -> workers.threads().tellListeners(() -> receipts.emit(event)), workers::wake);
      if (keepsClock) {
        maintenance.every(ClockJumps.PERSIST_EVERY, this::persistClock);
        persistClock();
      }
      workers.start();
    } catch (RuntimeException | Error e) {
      JournalClaims.release(journal);
      throw e;
    }
  }

  /** See {@link LeadRouter#close(Duration)}. */
  void close(Duration timeout) {
    boolean ownThread = workers.threads().isOwnThread() || maintenance.isOwnThread();
    if (!admission.close()) {
      // closed already, or being closed: the application's close (a try-with-resources, a shutdown hook) returned
      // while a listener's close was still under way, and opening the journal again then found it held. Not waited
      // for where the close itself waits for the caller (a router thread, a route() under way, its own steps)
      if (!ownThread && !admission.admitting() && Thread.currentThread() != closer) {
        awaitClosed(timeout);
      }
      return;
    }
    if (ownThread) {
      // waiting here for the event being published (or the delivery running) would wait for this very thread, the
      // whole timeout; on the maintenance thread, stopping the chores would interrupt the close's own waits: the close
      // finishes on a thread of its own once the caller's work returns
      Thread closing = new Thread(() -> finishClose(timeout), "leadrouter-close");
      closing.start();
      return;
    }
    finishClose(timeout);
  }

  /** The close after the router stopped admitting: see {@link LeadRouter#close(Duration)}. */
  private void finishClose(Duration timeout) {
    // An interrupted caller (a cancelled task, an executor shut down now) still gets the whole graceful close: had
    // the waits below ended at once, deliveries still running would have been sent but never recorded, and sent
    // again after the next start. The interrupt is kept for the caller.
    closer = Thread.currentThread();
    boolean interrupted = Thread.interrupted();
    try {
      long nanos = cappedNanos(timeout);
      long deadline = System.nanoTime() + nanos;
      // route() calls already past the open check finish first: each gets its receipt or its error, none waits on
      // a journal closed under it
      admission.awaitInFlight(Duration.ofNanos(nanos));
      maintenance.close();
      workers.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
      persistClock(); // the time it was last seen running: the stop until the next start counts as no age
      LeadEraser.close(sinks, journal, deadline);
    } finally {
      JournalClaims.closed(journal);
      closeDone.countDown();
      if (interrupted || Thread.interrupted()) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * {@code timeout} in nanoseconds, saturated and capped (about 73 years): a timeout past Long.MAX_VALUE nanoseconds
   * threw in the close, after the router had stopped admitting, and left its workers, sinks and journal (and the
   * file's lock) open for good.
   */
  private static long cappedNanos(Duration timeout) {
    return Math.min(Math.max(0, TimeUnit.NANOSECONDS.convert(timeout)), Long.MAX_VALUE / 4);
  }

  /** Writes the clock's jumps and the time now to the journal (for the ages after the next start); tells a failure. */
  private void persistClock() {
    if (clockJumps == null) {
      return;
    }
    try {
      clockJumps.persist(journal);
    } catch (RuntimeException e) {
      if (!(e instanceof JournalDamagedException)) { // said once by the journal
        LOG.warn("recording the router's clock in the journal failed (the ages after the next start may count the"
            + " time it was stopped): {}", e.toString());
      }
    }
  }

  /** Waits up to {@code timeout} for the close under way to finish; an interrupt is kept, not obeyed (as a close). */
  private void awaitClosed(Duration timeout) {
    long deadline = System.nanoTime() + cappedNanos(timeout);
    boolean interrupted = false;
    try {
      while (true) {
        try {
          closeDone.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          return;
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
