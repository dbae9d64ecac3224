package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The router's own cost per lead: route, claim, deliver to a no-op sink and settle, counted when the lead's delivery
 * is settled. Each invocation routes 100 leads and waits until all are delivered; with many threads the score is the
 * machine's throughput, and 1 / score is the in-process overhead per lead amortised over both cores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
@Threads(16)
public class PipelineBenchmark {
  private static final int LEADS = 100;

  /** Which journal: {@code memory} (the in-process cost alone) or {@code sqlite} (durable). */
  @Param({"memory", "sqlite"})
  public String journal;

  private Path dir;
  private LeadRouter router;

  /** Starts a router with a no-op destination. */
  @Setup(Level.Trial)
  public void open() throws IOException {
    dir = Files2.tempDir("pipeline-bench");
    LeadJournal j = "sqlite".equals(journal) ? SqliteJournal.open(dir.resolve("leadrouter.db"))
        : InMemoryJournal.create();
    router = LeadRouter.builder().journal(j).addSink("crm", BenchSinks.noOp(4, 100), DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").build();
  }

  /** Stops the router. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    router.close();
    Files2.deleteTree(dir);
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
