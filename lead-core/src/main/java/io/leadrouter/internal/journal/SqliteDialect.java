package io.leadrouter.internal.journal;

import io.leadrouter.journal.spi.SqlDialect;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** SQLite: WAL mode, one writer; accepted leads committed with {@code synchronous=FULL}. */
public final class SqliteDialect implements SqlDialect {
  private boolean durable;
  private boolean known;

  @Override
  public String name() {
    return "SQLite";
  }

  @Override
  public String int64Type() {
    return "INTEGER";
  }

  @Override
  public String bytesType() {
    return "BLOB";
  }

  @Override
  public String generatedKey() {
    return "INTEGER PRIMARY KEY";
  }

  @Override
  public String selectDue() {
    // One index range per state, each already in due_at order, so only 2 x limit rows are sorted: with
    // "state IN (...) ORDER BY due_at" SQLite sorted every due row of the destination on every claim (36 ms at
    // 50,000 pending). ?1..?3 keep the dialect's parameters: destination, now, limit.
    return "SELECT d.id, d.lead_id, d.attempts, d.retry_since, l.payload, d.lease_epoch FROM ("
        + due("PENDING") + " UNION ALL " + due("PARKED") + ") d"
        + " JOIN lr_leads l ON l.lead_id = d.lead_id ORDER BY d.due_at LIMIT ?3";
  }

  private static String due(String state) {
    return "SELECT * FROM (SELECT id, lead_id, attempts, retry_since, due_at, lease_epoch FROM lr_deliveries"
        + " WHERE destination = ?1 AND state = '" + state + "' AND due_at <= ?2 ORDER BY due_at LIMIT ?3)";
  }

  @Override
  public void durability(Connection connection, boolean durable) throws SQLException {
    if (known && this.durable == durable) {
      return;
    }
    // Only accepted leads need FULL (fsync at commit); claims and acks lost to a power cut only cause a
    // redelivery, which sinks make idempotent.
    boolean autoCommit = connection.getAutoCommit();
    connection.setAutoCommit(true); // the pragma is set between transactions, never inside one
    try (Statement s = connection.createStatement()) {
      s.execute(durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    } finally {
      connection.setAutoCommit(autoCommit);
    }
    this.durable = durable;
    this.known = true;
  }

  @Override
  public boolean schemaExists(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            + " AND name IN ('lr_schema', 'lr_leads', 'lr_deliveries')")) {
      rs.next();
      return rs.getInt(1) > 0;
    }
  }
}
