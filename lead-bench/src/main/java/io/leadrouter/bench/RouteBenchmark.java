package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.LeadSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Durable {@code route()}: validate, choose the destination, commit to the SQLite journal (WAL,
 * {@code synchronous=FULL}, group commit) and return. The destination either delivers at once ({@code noop}, so its
 * claims and settlements share the journal's writer) or is parked ({@code parked}, so leads pile up pending). Run
 * with {@code -t 8}, {@code -t 16}, {@code -t 64} for other caller counts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
@Threads(16)
public class RouteBenchmark {
  /** What the destination does with the routed leads. */
  @Param({"noop", "parked"})
  public String destination;

  private Path dir;
  private LeadRouter router;

  /** Opens a fresh journal and router. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files2.tempDir("route-bench");
    LeadSink sink = "parked".equals(destination) ? BenchSinks.parked() : BenchSinks.noOp(4, 100);
    router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .addSink("crm", sink, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build();
  }

  /** Closes the router and deletes the journal. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    router.close();
    Files2.deleteTree(dir);
  }

  /** One durable route() call. */
  @Benchmark
  public RoutingReceipt route() {
    return router.route(Leads.next());
  }
}
