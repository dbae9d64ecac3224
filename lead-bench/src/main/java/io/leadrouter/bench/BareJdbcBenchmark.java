package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.journal.spi.JdbcJournals;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
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
 * The baseline for {@link RouteBenchmark}: one thread inserting the same rows (a lead row with the journal's payload
 * and one pending delivery row) into the same schema with the same settings (WAL, {@code synchronous=FULL}),
 * prepared statements reused, {@code batch} leads per transaction. Scores are leads per second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
@Threads(1)
public class BareJdbcBenchmark {
  private static final int LEADS_PER_INVOCATION = 1024;

  /** Leads per transaction (one fsync each). */
  @Param({"16", "64", "1024"})
  public int batch;

  private Path dir;
  private Connection c;
  private PreparedStatement insertLead;
  private PreparedStatement insertDelivery;

  /** Creates the journal's schema, then opens a raw connection to it. */
  @Setup(Level.Trial)
  public void open() throws IOException, SQLException {
    dir = Files2.tempDir("jdbc-bench");
    Path db = dir.resolve("leadrouter.db");
    SqliteJournal.open(db).close();
    c = DriverManager.getConnection("jdbc:sqlite:" + db);
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=FULL");
    }
    c.setAutoCommit(false);
    insertLead = c.prepareStatement("INSERT OR IGNORE INTO lr_leads (lead_id, payload, accepted_at) VALUES (?, ?, ?)");
    insertDelivery = c.prepareStatement("INSERT INTO lr_deliveries (lead_id, destination, state, attempts, due_at,"
        + " accepted_at, retry_since, updated_at) VALUES (?, ?, 'PENDING', 0, ?, ?, ?, ?)");
  }

  /** Closes and deletes. */
  @TearDown(Level.Trial)
  public void close() throws IOException, SQLException {
    c.close();
    Files2.deleteTree(dir);
  }

  /** Inserts 1024 leads, committing every {@code batch}. */
  @Benchmark
  @OperationsPerInvocation(LEADS_PER_INVOCATION)
  public void insert() throws SQLException {
    for (int i = 0; i < LEADS_PER_INVOCATION; i++) {
      Lead lead = Leads.next();
      long t = System.currentTimeMillis();
      insertLead.setString(1, lead.id().value());
      insertLead.setBytes(2, JdbcJournals.encodePayload(lead));
      insertLead.setLong(3, t);
      insertLead.executeUpdate();
      insertDelivery.setString(1, lead.id().value());
      insertDelivery.setString(2, "crm");
      insertDelivery.setLong(3, t);
      insertDelivery.setLong(4, t);
      insertDelivery.setLong(5, t);
      insertDelivery.setLong(6, t);
      insertDelivery.executeUpdate();
      if ((i + 1) % batch == 0) {
        c.commit();
      }
    }
    c.commit();
  }
}
