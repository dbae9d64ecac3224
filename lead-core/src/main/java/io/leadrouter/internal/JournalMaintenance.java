package io.leadrouter.internal;

import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.LeadJournal;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The router's background chores on one daemon thread: takes back deliveries whose lease expired (every half lease),
 * prunes settled deliveries past retention (hourly) and runs the receipt check. Not API.
 */
public final class JournalMaintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(JournalMaintenance.class);

  private final LeadJournal journal;
  private final Clock clock;
  private final Duration retention;
  private final Runnable wakeAll;
  private final ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "leadrouter-maintenance");
    t.setDaemon(true);
    return t;
  });

  /**
   * Starts the chores.
   *
   * @param receiptCheck how often {@code checkReceipts} runs
   * @param wakeAll wakes every worker after leases were reclaimed
   */
  public JournalMaintenance(LeadJournal journal, Clock clock, Duration lease, Duration retention,
      Duration receiptCheck, Runnable checkReceipts, Runnable wakeAll) {
    this.journal = journal;
    this.clock = clock;
    this.retention = retention;
    this.wakeAll = wakeAll;
    long leaseCheck = Math.max(1, lease.toSeconds() / 2);
    executor.scheduleWithFixedDelay(this::reclaimLeases, leaseCheck, leaseCheck, TimeUnit.SECONDS);
    executor.scheduleWithFixedDelay(this::prune, 0, 1, TimeUnit.HOURS);
    long check = receiptCheck.toMillis();
    executor.scheduleWithFixedDelay(checkReceipts, check, check, TimeUnit.MILLISECONDS);
  }

  private void reclaimLeases() {
    try {
      int n = journal.reclaimExpiredLeases(clock.instant());
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

  private void prune() {
    try {
      int n = journal.pruneSettled(clock.instant().minus(retention));
      if (n > 0) {
        LOG.info("pruned {} settled deliveries older than {}", n, retention);
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
}
