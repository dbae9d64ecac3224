package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.journal.spi.JdbcJournals;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import org.sqlite.SQLiteDataSource;

/**
 * The rows {@code route()} writes for a lead (a lead row with the journal's own payload encoding, one pending
 * delivery to {@code crm}), inserted over a raw connection to a journal file without the router: the baselines' floor
 * and a fast way to fill a journal. The schema is the real one, created by {@link SqliteJournal}; the payload comes
 * from the published {@link JdbcJournals#encodePayload}. Commits only when told to.
 */
final class BareRows implements AutoCloseable {
  /** The destination every delivery row names. */
  static final String DESTINATION = "crm";

  private final Connection connection;
  private final PreparedStatement lead;
  private final PreparedStatement delivery;

  private BareRows(Connection connection) throws SQLException {
    this.connection = connection;
    this.lead = connection.prepareStatement(
        "INSERT OR IGNORE INTO lr_leads (lead_id, payload, accepted_at) VALUES (?, ?, ?) RETURNING seq");
    this.delivery = connection.prepareStatement("INSERT INTO lr_deliveries (lead_id, destination, state, attempts,"
        + " due_at, accepted_at, retry_since, updated_at, lead_seq) VALUES (?, ?, 'PENDING', 0, ?, ?, ?, ?, ?)");
  }

  /**
   * Creates the journal's schema in {@code db} (if new), then opens it raw: WAL, the given {@code synchronous} level
   * ({@code FULL} as the journal runs, {@code NORMAL} to fill quickly), auto-commit off.
   */
  static BareRows open(Path db, String synchronous) throws SQLException {
    SqliteJournal.open(db).close();
    SQLiteDataSource source = new SQLiteDataSource();
    source.setUrl("jdbc:sqlite:" + db);
    Connection c = source.getConnection();
    try (Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA synchronous=" + synchronous);
      c.setAutoCommit(false);
      return new BareRows(c);
    } catch (SQLException e) {
      c.close();
      throw e;
    }
  }

  /** Inserts {@code l} and its pending delivery, every time column at {@code t} (epoch milliseconds). */
  void insert(Lead l, long t) throws SQLException {
    lead.setString(1, l.id().value());
    lead.setBytes(2, JdbcJournals.encodePayload(l));
    lead.setLong(3, t);
    long seq;
    try (java.sql.ResultSet rs = lead.executeQuery()) {
      if (!rs.next()) {
        return; // routed before: nothing new
      }
      seq = rs.getLong(1);
    }
    delivery.setString(1, l.id().value());
    delivery.setString(2, DESTINATION);
    for (int i = 3; i <= 6; i++) {
      delivery.setLong(i, t);
    }
    delivery.setLong(7, seq);
    delivery.executeUpdate();
  }

  /** Commits what was inserted since the last commit. */
  void commit() throws SQLException {
    connection.commit();
  }

  /** Runs a statement on the connection (e.g. a WAL checkpoint). */
  void execute(String sql) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute(sql);
    }
  }

  @Override
  public void close() throws SQLException {
    connection.close(); // closes the statements too
  }
}
