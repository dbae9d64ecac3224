package io.leadrouter.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * The baseline for {@link RouteBenchmark}: one thread inserting the same rows (a lead row with the journal's payload
 * and one pending delivery row) into the same schema with the same settings (WAL, {@code synchronous=FULL}),
 * prepared statements reused, {@code batch} leads per transaction. Scores are leads per second.
 */
@State(Scope.Thread)
@Threads(1)
public class BareJdbcBenchmark extends ThroughputBenchmark {
  private static final int LEADS_PER_INVOCATION = 1024;

  /** Leads per transaction (one fsync each). */
  @Param({"16", "64", "1024"})
  public int batch;

  private Path dir;
  private BareRows rows;

  /** Creates the journal's schema, then opens a raw connection to it. */
  @Setup(Level.Trial)
  public void open() throws IOException, SQLException {
    dir = Files2.tempDir("jdbc-bench");
    rows = BareRows.open(dir.resolve("leadrouter.db"), "FULL");
  }

  /** Closes and deletes. */
  @TearDown(Level.Trial)
  public void close() throws IOException, SQLException {
    rows.close();
    Files2.deleteTree(dir);
  }

  /** Inserts 1024 leads, committing every {@code batch}. */
  @Benchmark
  @OperationsPerInvocation(LEADS_PER_INVOCATION)
  public void insert() throws SQLException {
    for (int i = 0; i < LEADS_PER_INVOCATION; i++) {
      rows.insert(Leads.next(), System.currentTimeMillis());
      if ((i + 1) % batch == 0) {
        rows.commit();
      }
    }
    rows.commit();
  }
}
