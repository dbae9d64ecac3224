package io.leadrouter.bench;

import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.SqliteJournal;
import java.io.IOException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * Durable {@code route()}: validate, choose the destination, commit to the SQLite journal (WAL,
 * {@code synchronous=FULL}, group commit) and return. The destination either delivers at once ({@code noop}, so its
 * claims and settlements share the journal's writer) or is parked ({@code parked}, so leads pile up pending). Run
 * with {@code -t 8}, {@code -t 16}, {@code -t 64} for other caller counts.
 */
public class RouteBenchmark extends RouterBenchmark {
  /** What the destination does with the routed leads. */
  @Param({"noop", "parked"})
  public String destination;

  /** Opens a fresh journal and router. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    start("route-bench", dir -> SqliteJournal.open(dir.resolve("leadrouter.db")),
        "parked".equals(destination) ? BenchSinks.parked() : BenchSinks.noOp(4, 100));
  }

  /** One durable route() call. */
  @Benchmark
  public RoutingReceipt route() {
    return router.route(Leads.next());
  }
}
