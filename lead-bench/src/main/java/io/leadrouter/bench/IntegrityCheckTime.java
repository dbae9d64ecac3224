package io.leadrouter.bench;

import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.journal.SqliteJournal.IntegrityCheck;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How long the integrity check at open takes on a journal of a million pending leads: the journal's own schema is
 * created by {@link SqliteJournal}, then filled with the rows {@code route()} writes (a lead row with its payload and
 * one pending delivery each) in large transactions, which is much faster than routing them one by one; then the
 * journal is opened three times with each {@link IntegrityCheck}. Run:
 * {@code java -cp benchmarks.jar io.leadrouter.bench.IntegrityCheckTime [leads]}.
 */
public final class IntegrityCheckTime {
  private IntegrityCheckTime() {}

  /** Runs the measurement. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path dir = Files2.tempDir("integrity-check");
    Path db = dir.resolve("leadrouter.db");
    try {
      long start = System.nanoTime();
      fill(db, n);
      System.out.printf("%,d pending leads written in %.1f s; journal file %,d MiB%n", n,
          (System.nanoTime() - start) / 1e9, Files.size(db) >> 20);
      for (IntegrityCheck check : new IntegrityCheck[] {IntegrityCheck.NONE, IntegrityCheck.QUICK,
          IntegrityCheck.FULL}) {
        for (int i = 0; i < 3; i++) {
          long t = System.nanoTime();
          try (LeadJournal j = SqliteJournal.open(db, check)) {
            System.out.printf("open with %-5s check: %,.0f ms%n", check, (System.nanoTime() - t) / 1e6);
          }
        }
      }
    } finally {
      Files2.deleteTree(dir);
    }
  }

  private static void fill(Path db, int n) throws Exception {
    try (BareRows rows = BareRows.open(db, "NORMAL")) {
      long t0 = System.currentTimeMillis();
      for (int i = 0; i < n; i++) {
        rows.insert(Leads.next(), t0 + i);
        if ((i + 1) % 50_000 == 0) {
          rows.commit();
        }
      }
      rows.commit();
      rows.execute("PRAGMA wal_checkpoint(TRUNCATE)");
    }
  }
}
