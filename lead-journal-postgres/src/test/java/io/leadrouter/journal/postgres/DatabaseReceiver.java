package io.leadrouter.journal.postgres;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;

/**
 * The drills' destination: records each delivery in a table of its own ({@code <schema>.lr_received}: lead id and
 * how many times it arrived), outside the journal, so a parent process can check what a killed child delivered.
 */
final class DatabaseReceiver extends TestDestination {
  private final DataSource dataSource;
  private final String table;
  private Connection connection;

  DatabaseReceiver(DataSource dataSource, String schema) {
    super(SinkCapabilities.builder().maxConcurrency(4).build());
    this.dataSource = dataSource;
    this.table = schema + ".lr_received";
  }

  /** Creates the receiving table (once per schema). */
  static void create(Connection c, String schema) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
      s.execute("CREATE TABLE IF NOT EXISTS " + schema + ".lr_received (lead_id TEXT PRIMARY KEY, n INT NOT NULL)");
    }
  }

  @Override
  public synchronized DeliveryResult deliver(Lead lead) throws TransientDeliveryException {
    try {
      if (connection == null) {
        connection = dataSource.getConnection();
        connection.setAutoCommit(true);
      }
      try (PreparedStatement ps = connection.prepareStatement("INSERT INTO " + table + " VALUES (?, 1)"
          + " ON CONFLICT (lead_id) DO UPDATE SET n = " + table + ".n + 1")) {
        ps.setString(1, lead.id().value());
        ps.executeUpdate();
      }
      return DeliveryResult.created(lead.id().value());
    } catch (SQLException e) {
      try {
        if (connection != null) {
          connection.close();
        }
      } catch (SQLException ignored) {
        // broken already
      }
      connection = null;
      throw new TransientDeliveryException("receiver database: " + e.getMessage());
    }
  }
}
