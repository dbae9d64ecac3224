package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.journal.SqliteJournal.IntegrityCheck;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How long the integrity check at open takes: routes a million leads to a parked destination (all stay pending),
 * closes, then opens the journal three times with each {@link IntegrityCheck} and prints the time to open. Run:
 * {@code java -cp benchmarks.jar io.leadrouter.bench.IntegrityCheckTime [leads] [threads]}.
 */
public final class IntegrityCheckTime {
  private IntegrityCheckTime() {}

  /** Runs the measurement. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    Path dir = Files2.tempDir("integrity-check");
    Path db = dir.resolve("leadrouter.db");
    try {
      try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
          .addSink("parked", BenchSinks.parked(), DeliveryPolicy.DEFAULTS).defaultRoute("parked").build()) {
        long took = Harness.route(router, n, threads, Leads::next);
        System.out.printf("routed %,d leads in %.1f s (%s)%n", n, took / 1e9, Harness.rate(n, took));
      }
      System.out.printf("journal file %,d MiB%n", Files.size(db) >> 20);
      for (IntegrityCheck check : new IntegrityCheck[] {IntegrityCheck.NONE, IntegrityCheck.QUICK,
          IntegrityCheck.FULL}) {
        for (int i = 0; i < 3; i++) {
          long start = System.nanoTime();
          try (LeadJournal j = SqliteJournal.open(db, check)) {
            System.out.printf("open with %-5s check: %,.0f ms%n", check, (System.nanoTime() - start) / 1e6);
          }
        }
      }
    } finally {
      Files2.deleteTree(dir);
    }
  }
}
