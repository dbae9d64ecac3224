package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Targets 3 and 4: routes a million leads to a destination that is parked (its quota spent), so all stay pending,
 * in a JVM started with {@code -Xmx64m}; prints time, throughput and heap; then closes and reopens the journal and
 * prints how long opening took. Run: {@code java -Xmx64m -cp benchmarks.jar io.leadrouter.bench.PendingMillion
 * [leads] [threads]}.
 */
public final class PendingMillion {
  private PendingMillion() {}

  /** Runs the scenario. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int threads = args.length > 1 ? Integer.parseInt(args[1]) : 32;
    Path dir = Files2.tempDir("pending-million");
    Path db = dir.resolve("leadrouter.db");
    System.out.printf("max heap %d MiB, %d leads, %d callers, journal %s%n",
        Runtime.getRuntime().maxMemory() >> 20, n, threads, db);
    try {
      long took;
      try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
          .addSink("parked", BenchSinks.parked(), DeliveryPolicy.DEFAULTS).defaultRoute("parked").build()) {
        took = Harness.route(router, n, threads, Leads::next);
        System.out.printf("routed %,d leads in %.1f s (%s); heap used after GC %d MiB%n", n, took / 1e9,
            Harness.rate(n, took), Harness.usedHeapMib());
        System.out.printf("pending %,d, parked %,d%n", Harness.count(router, "parked", DeliveryState.PENDING),
            Harness.count(router, "parked", DeliveryState.PARKED));
      }
      System.out.printf("peak heap used: %d MiB; journal file %d MiB%n", peakHeapMib(), Files.size(db) >> 20);
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        try (LeadJournal j = SqliteJournal.open(db)) {
          long opened = System.nanoTime() - start;
          int claimed = j.claimDue("parked", Instant.now(), 100, java.time.Duration.ofMinutes(1)).size();
          long firstQuery = System.nanoTime() - start;
          System.out.printf("reopen %d: open %.0f ms, open + first claim query %.0f ms (%d claimed)%n", i + 1,
              opened / 1e6, firstQuery / 1e6, claimed);
        }
      }
    } finally {
      Files2.deleteTree(dir);
    }
  }

  private static long peakHeapMib() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum >> 20;
  }
}
