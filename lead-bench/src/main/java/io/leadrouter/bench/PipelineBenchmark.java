package io.leadrouter.bench;

import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.SqliteJournal;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;

/**
 * The router's own cost per lead: route, claim, deliver to a no-op sink and settle, counted when the lead's delivery
 * is settled. Each invocation routes 100 leads and waits until all are delivered; with many threads the score is the
 * machine's throughput, and 1 / score is the in-process overhead per lead amortised over both cores.
 */
public class PipelineBenchmark extends RouterBenchmark {
  private static final int LEADS = 100;

  /** Which journal: {@code memory} (the in-process cost alone) or {@code sqlite} (durable). */
  @Param({"memory", "sqlite"})
  public String journal;

  /** Starts a router with a no-op destination. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    start("pipeline-bench", dir -> "sqlite".equals(journal) ? SqliteJournal.open(dir.resolve("leadrouter.db"))
        : InMemoryJournal.create(), BenchSinks.noOp(4, 100));
  }

  /** Routes 100 leads and waits until each is delivered and settled. */
  @Benchmark
  @OperationsPerInvocation(LEADS)
  public void routeDeliverSettle() throws Exception {
    CompletableFuture<?>[] done = new CompletableFuture<?>[LEADS];
    io.leadrouter.LeadId[] ids = new io.leadrouter.LeadId[LEADS];
    for (int i = 0; i < LEADS; i++) {
      RoutingReceipt r = router.route(Leads.next());
      done[i] = r.allDelivered();
      ids[i] = r.leadId();
    }
    try {
      CompletableFuture.allOf(done).get(60, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      for (int i = 0; i < LEADS; i++) {
        if (!done[i].isDone()) {
          throw new IllegalStateException("lead " + ids[i] + " not delivered after 60 s: "
              + router.journal().deliveries(ids[i]) + "; counts " + router.counts(), e);
        }
      }
      throw e;
    }
  }
}
