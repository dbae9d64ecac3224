package io.leadrouter;

import io.leadrouter.internal.DestinationWorker;
import io.leadrouter.internal.journal.ErasureNotFlushedException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.LeadSink;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erases people (GDPR/CCPA) from a journal and the sinks' local copies without running any delivery: what the
 * {@code leadrouter erase} command uses. A running router erases with {@link LeadRouter#erase(Person)} instead, which
 * also drops deliveries its workers hold. Build one with {@code LeadRouter.builder(descriptor).buildEraser()}; close
 * it to close its journal and sinks.
 */
public final class LeadEraser implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeadEraser.class);
  /** How long an erasure waits for deliveries of the person already being sent (a sink's call timeout is shorter). */
  static final Duration IN_FLIGHT_WAIT = Duration.ofSeconds(60);

  private final LeadJournal journal;
  private final Map<String, LeadSink> sinks;
  private final Clock clock;

  LeadEraser(LeadJournal journal, Map<String, LeadSink> sinks, Clock clock) {
    this.journal = Objects.requireNonNull(journal, "journal");
    this.sinks = Map.copyOf(sinks);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Erases a person (GDPR/CCPA): pending deliveries are cancelled (a router's workers drop the ones they hold), their
   * leads with every delivery record and dead letter, and the quarantined payloads holding their e-mail, phone or
   * lead id, are removed from the journal (physically on SQLite: {@code secure_delete}, WAL truncated), and each
   * sink's local copy is erased (the file sink's lines). The CRMs' own records are out of scope: the receipt names
   * those destinations and the erased lead ids. The receipt is kept without personal data. A call already on the
   * wire when the erasure starts may still reach its destination.
   *
   * @throws ErasureIncompleteException if the journal's rows are erased but its files or a sink's copy still hold
   *     the person (the receipt it carries says what was erased; erasing again is safe)
   * @throws LeadRouterException if the journal cannot erase
   */
  public ErasureReceipt erase(Person person) {
    return erase(person, journal, sinks, List.of(), clock, erased -> { });
  }

  /** Erasure receipts, most recent first, at most {@code limit}. */
  public List<ErasureReceipt> erasures(int limit) {
    return journal.erasures(limit);
  }

  /** Closes the sinks and the journal. */
  @Override
  public void close() {
    close(sinks, journal);
  }

  /** Closes the sinks and the journal, giving the sinks 30 seconds: see {@link #close(Map, LeadJournal, long)}. */
  static void close(Map<String, LeadSink> sinks, LeadJournal journal) {
    close(sinks, journal, System.nanoTime() + Duration.ofSeconds(30).toNanos());
  }

  /**
   * Closes each sink (one that throws is logged, one that hangs past {@code deadlineNanos} is named in the log and
   * left behind; the others are still closed), then the journal: the router's order too.
   */
  static void close(Map<String, LeadSink> sinks, LeadJournal journal, long deadlineNanos) {
    io.leadrouter.internal.SinkCalls.closeAll(sinks, deadlineNanos);
    journal.close();
  }

  /**
   * The erasure itself: workers drop the person's deliveries from now on; the journal erases them (pending ones
   * cancelled) and records the receipt; each sink erases its local copy (the file sink) or is listed as not erased
   * (the CRMs); the receipt is completed with that. Running it again is harmless: it finds nothing more.
   */
  static ErasureReceipt erase(Person person, LeadJournal journal, Map<String, LeadSink> sinks,
      Collection<DestinationWorker> workers, Clock clock, java.util.function.Consumer<ErasureReceipt> onErased) {
    Objects.requireNonNull(person, "person");
    workers.forEach(w -> w.erasing(person));
    ErasureReceipt receipt = null;
    try {
      List<String> failed = new ArrayList<>();
      try {
        receipt = journal.erase(person, clock.instant());
      } catch (ErasureNotFlushedException e) {
        // the rows are gone and the receipt committed, but the database's files still hold the old copies: the
        // sinks' copies are erased all the same, and the caller is told to erase again
        receipt = e.receipt();
        failed.add(e.residue());
      }
      Map<String, Long> rows = new LinkedHashMap<>();
      List<String> notErased = new ArrayList<>();
      // a delivery of the person already being sent when the erasure began would land in a sink's copy after that
      // copy was erased (the file sink kept the lead's line): the sinks are erased once those calls have ended
      long deadline = System.nanoTime() + IN_FLIGHT_WAIT.toNanos();
      for (DestinationWorker w : workers) {
        if (!w.awaitSent(person, deadline)) {
          failed.add(w.name() + ": a delivery of this person's lead was still being sent after "
              + IN_FLIGHT_WAIT.toSeconds() + " s (what it sends may remain there)");
        }
      }
      for (Map.Entry<String, LeadSink> e : new java.util.TreeMap<>(sinks).entrySet()) {
        try {
          OptionalLong n = e.getValue().erase(person);
          if (n.isPresent()) {
            rows.put("sink." + e.getKey(), n.getAsLong());
          } else {
            notErased.add(e.getKey());
          }
        } catch (RuntimeException failure) {
          failed.add(e.getKey() + ": " + failure.getMessage());
        }
      }
      journal.completeErasure(receipt.id(), rows, notErased);
      receipt = receipt.with(rows, notErased);
      LOG.info("erased {}: receipt {} ({})", person, receipt.id(), ErasureReceipt.format(receipt.rows()));
      if (!failed.isEmpty()) {
        throw new ErasureIncompleteException(receipt, failed);
      }
      return receipt;
    } finally {
      ErasureReceipt done = receipt;
      workers.forEach(w -> w.erased(person, done == null ? List.of() : done.erasedLeads()));
      if (done != null) {
        onErased.accept(done); // the journal's erasure stands even when a sink's copy failed
      }
    }
  }
}
