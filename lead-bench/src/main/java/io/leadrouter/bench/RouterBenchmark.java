package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.LeadSink;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * A router shared by 16 calling threads, routing every lead to one destination {@code crm}, its journal in a fresh
 * temporary folder: what the benchmarks of {@code route()} share. Subclasses start it from their {@code @Setup}.
 */
@State(Scope.Benchmark)
@Threads(16)
public abstract class RouterBenchmark extends ThroughputBenchmark {
  /** The router under measurement, once {@link #start} ran. */
  protected LeadRouter router;

  private Path dir;

  /** For subclasses. */
  protected RouterBenchmark() {}

  /**
   * Starts the router: a new temporary folder named after {@code name}, the journal {@code journal} opens in it, and
   * {@code sink} as destination {@code crm} with the default policy.
   */
  protected final void start(String name, Function<Path, LeadJournal> journal, LeadSink sink) throws IOException {
    dir = Files2.tempDir(name);
    router = LeadRouter.builder().journal(journal.apply(dir)).addSink("crm", sink, DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").build();
  }

  /** Stops the router and deletes its folder. */
  @TearDown(Level.Trial)
  public void close() throws IOException {
    router.close();
    Files2.deleteTree(dir);
  }
}
