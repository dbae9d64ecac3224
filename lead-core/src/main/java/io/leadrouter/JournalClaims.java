package io.leadrouter;

import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.Scrubber;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Which journal instances an open router uses, and which a router closed: one instance serves one router for its
 * whole life. Two routers on one instance claim and deliver the same backlog under the same lease owner, so the
 * journal's fencing cannot tell their claims apart and a lead could be delivered twice (the same-process case of a
 * second {@code SqliteJournal.open} of one file, refused there); and a router closes its journal with it. Weak keys:
 * an instance no router holds any more is forgotten. Not API.
 */
final class JournalClaims {
  private static final Map<LeadJournal, Boolean> IN_USE = new WeakHashMap<>(); // true: in use; false: closed

  private JournalClaims() {}

  /**
   * Claims {@code journal} for a router being built.
   *
   * @throws JournalException if another open router uses it, or a closed router closed it
   */
  static void claim(LeadJournal journal) {
    synchronized (IN_USE) {
      Boolean inUse = IN_USE.get(journal);
      if (Boolean.TRUE.equals(inUse)) {
        throw new JournalException(name(journal) + ": this journal instance is already used by another open"
            + " LeadRouter; two routers on one instance would claim and deliver the same leads (a lead could be"
            + " delivered twice). Route through that router, give each router its own journal (SqliteJournal.open of"
            + " its own file; to share a backlog, each router its own PostgreSQL journal instance on the same"
            + " database), or close the first router before building another");
      }
      if (Boolean.FALSE.equals(inUse)) {
        throw new JournalException(name(journal) + ": this journal instance was closed with the LeadRouter that"
            + " used it (a router closes its journal): open the journal again (e.g. SqliteJournal.open(path)) for the"
            + " new router");
      }
      IN_USE.put(journal, Boolean.TRUE);
    }
  }

  /** The journal as its toString names it (a file, a database), scrubbed: a URL may carry credentials. */
  private static String name(LeadJournal journal) {
    return Scrubber.standard().scrub(String.valueOf(journal));
  }

  /** The router using {@code journal} failed to start: the instance is free again (the router did not close it). */
  static void release(LeadJournal journal) {
    synchronized (IN_USE) {
      IN_USE.remove(journal);
    }
  }

  /** The router using {@code journal} closed it: no router may use the instance again. */
  static void closed(LeadJournal journal) {
    synchronized (IN_USE) {
      IN_USE.put(journal, Boolean.FALSE);
    }
  }
}
