package io.leadrouter.internal.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteDialectTest {
  @TempDir Path dir;

  private static int pragma(Connection c, String name) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("PRAGMA " + name)) {
      rs.next();
      return rs.getInt(1);
    }
  }

  @Test
  void boundedTransaction_keepsScratchInMemory_bulkOnDisk_andLeavesTheTransactionModeAsItWas() throws Exception {
    SqliteDialect dialect = new SqliteDialect();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("d.db"))) {
      c.setAutoCommit(false);
      dialect.boundedTransaction(c, true);
      assertThat(pragma(c, "temp_store")).as("MEMORY").isEqualTo(2);
      assertThat(c.getAutoCommit()).isFalse();
      dialect.boundedTransaction(c, false);
      assertThat(pragma(c, "temp_store")).as("FILE: a bulk statement's journal stays on disk").isEqualTo(1);
      assertThat(c.getAutoCommit()).isFalse();
      dialect.boundedTransaction(c, true);
      assertThat(pragma(c, "temp_store")).isEqualTo(2);
    }
  }

  @Test
  void boundedTransaction_unchanged_issuesNoPragma() throws Exception {
    // switched only when the kind of transaction changes: the writer calls it before every transaction
    SqliteDialect dialect = new SqliteDialect();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("d.db"))) {
      dialect.boundedTransaction(c, true);
      try (Statement s = c.createStatement()) {
        s.execute("PRAGMA temp_store=FILE"); // behind the dialect's back
      }
      dialect.boundedTransaction(c, true);
      assertThat(pragma(c, "temp_store")).as("not set again").isEqualTo(1);
    }
  }
}
