package io.leadrouter.internal;

import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.LeadJournal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's background chores on one daemon thread: takes back deliveries whose lease expired (every half lease),
 * prunes settled deliveries past retention and sinks' counters past their {@code forgetAfter}, and drops delivered
 * payloads past their retention (hourly), runs the receipt check and any chore added with {@link #every}. Not API.
 */
public final class JournalMaintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JournalMaintenance.class);

  private final LeadJournal journal;
  private final Clock clock;
  private final Duration retention;
  private final Runnable wakeAll;
  private final Duration lease;
  private final ClockJumps jumps;
  /** The clock's and the elapsed time's readings at the previous lease check ({@link System#nanoTime}). */
  private Instant lastCheck;
  private long lastCheckNanos;
  /** No lease is taken back before this ({@link System#nanoTime}): a lease after the clock jumped forward. */
  private long reclaimFromNanos;
  private boolean holding;
  private volatile Thread thread;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "leadrouter-maintenance");
    t.setDaemon(true);
    thread = t;
    return t;
  });

  /**
   * Starts the chores.
   *
   * @param receiptCheck how often {@code checkReceipts} runs
   * @param wakeAll wakes every worker after leases were reclaimed
   * @param jumps the clock's forward jumps, noted at every lease check (so one is seen within half a lease even while
   *     nothing is delivered) and not counted toward {@code fallbackAfter}
   */
  public JournalMaintenance(LeadJournal journal, Clock clock, Duration lease, Duration retention,
      Duration receiptCheck, Runnable checkReceipts, Runnable wakeAll, ClockJumps jumps) {
    this.jumps = jumps;
    this.journal = journal;
    this.clock = clock;
    this.retention = retention;
    this.wakeAll = wakeAll;
    this.lease = lease;
    this.lastCheck = clock.instant();
    this.lastCheckNanos = System.nanoTime();
    long leaseCheck = Math.max(1, lease.toSeconds() / 2);
    executor.scheduleWithFixedDelay(this::reclaimLeases, leaseCheck, leaseCheck, TimeUnit.SECONDS);
    executor.scheduleWithFixedDelay(this::prune, 0, 1, TimeUnit.HOURS);
    long check = receiptCheck.toMillis();
    executor.scheduleWithFixedDelay(checkReceipts, check, check, TimeUnit.MILLISECONDS);
  }

  /**
   * Takes back the deliveries whose lease ended, unless the clock jumped forward within the last lease: a lease is set
   * and renewed by the clock, so a jump of an hour (an NTP step, a VM resumed) made every lease of a call still
   * running look an hour old, and the lease check gave its lead to a second claim that delivered it again mid-call (4
   * calls for one lead). After a jump, the leases are judged again once a lease of real time has passed: by then every
   * call still running had its lease renewed by the new clock, and what waits in memory went back to the journal.
   */
  private void reclaimLeases() {
    try {
      jumps.now();
      Instant now = clock.instant();
      long nanos = System.nanoTime();
      Duration jump = Duration.between(lastCheck, now).minusNanos(nanos - lastCheckNanos);
      if (jump.compareTo(SteadyClock.TOLERANCE) > 0) {
        reclaimFromNanos = nanos + lease.toNanos();
        if (!holding) {
          holding = true;
          LOG.warn("the clock jumped {} s ahead of the time that passed: leases are checked again after {} (calls"
              + " still running have theirs renewed meanwhile)", jump.toSeconds(), lease);
        }
      }
      lastCheck = now;
      lastCheckNanos = nanos;
      if (holding) {
        if (nanos - reclaimFromNanos < 0) {
          return;
        }
        holding = false;
      }
      int n = journal.reclaimExpiredLeases(now);
      if (n > 0) {
        LOG.warn("{} deliveries outlived their lease and will be retried", n);
        wakeAll.run();
      }
    } catch (RuntimeException e) {
      if (!(e instanceof JournalDamagedException)) { // said once by the journal
        LOG.warn("lease check failed: {}", e.toString());
      }
    }
  }

  /** Runs {@code chore} every {@code interval} too (e.g. the fallback spill), first after one interval. */
  public void every(Duration interval, Runnable chore) {
    long ms = interval.toMillis();
    executor.scheduleWithFixedDelay(chore, ms, ms, TimeUnit.MILLISECONDS);
  }

  /**
   * The chores the destinations' policies ask for (#22): delivered payloads dropped hourly, after pruning, for those
   * with a {@code payloadRetention}; leads spilled to a {@code fallback} every {@code fallbackCheck}.
   *
   * @param listeners told of each spill
   * @param wake wakes a destination's worker
   */
  public void deliveryChores(java.util.Map<String, io.leadrouter.DeliveryPolicy> policies, Duration fallbackCheck,
      java.util.function.Consumer<io.leadrouter.LeadEvent> listeners, java.util.function.Consumer<String> wake) {
    java.util.Map<String, Duration> retained = new java.util.LinkedHashMap<>();
    policies.forEach((d, p) -> p.payloadRetention().ifPresent(r -> retained.put(d, r)));
    this.payloadRetention = java.util.Map.copyOf(retained);
    FallbackSpill spill = new FallbackSpill(policies, journal, jumps, listeners, wake);
    if (spill.needed()) {
      every(fallbackCheck, spill);
    }
  }

  private volatile java.util.Map<String, Duration> payloadRetention = java.util.Map.of();

  private void prune() {
    try {
      int n = journal.pruneSettled(DeliveryDecision.earlier(clock.instant(), retention));
      if (n > 0) {
        LOG.info("pruned {} settled deliveries older than {}", n, retention);
      }
      int forgotten = journal.pruneCounters(clock.instant());
      if (forgotten > 0) {
        LOG.debug("pruned {} sink counters whose purpose has passed (past days' counts, settled waits)", forgotten);
      }
      if (!payloadRetention.isEmpty()) {
        int dropped = journal.dropDeliveredPayloads(payloadRetention, clock.instant());
        if (dropped > 0) {
          LOG.info("dropped the payloads of {} delivered leads (payloadRetention)", dropped);
        }
      }
    } catch (RuntimeException e) {
      if (!(e instanceof JournalDamagedException)) { // said once by the journal
        LOG.warn("pruning the journal failed: {}", e.toString());
      }
    }
  }

  /** Stops the chores (a running one is interrupted). */
  @Override
  public void close() {
    executor.shutdownNow();
  }

  /**
   * Whether the calling thread is the chores' thread (a listener told of a fallback spill): the router's close must not
   * run there, since stopping the chores interrupts that thread, which cut the close's wait for deliveries short.
   */
  public boolean isOwnThread() {
    return Thread.currentThread() == thread;
  }
}
