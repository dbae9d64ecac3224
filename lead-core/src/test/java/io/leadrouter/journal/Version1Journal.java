package io.leadrouter.journal;

import io.leadrouter.internal.journal.JournalSchema;
import io.leadrouter.internal.journal.SqliteDialect;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** SQLite journal files as LeadRouter's first schema wrote them, and what a migration left: for migration tests. */
final class Version1Journal {
  private Version1Journal() {}

  /** Creates {@code file} with the schema of version 1 (no trace column, no quarantine, ...), holding nothing. */
  static Path create(Path file) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      for (String ddl : JournalSchema.migration(1, new SqliteDialect())) {
        s.execute(ddl);
      }
      s.execute("INSERT INTO lr_schema (version) VALUES (1)");
    }
    return file;
  }

  /** Creates {@code file} with the schema as version {@code version} left it, holding nothing. */
  static Path create(Path file, int version) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement()) {
      for (int v = 1; v <= version; v++) {
        for (String ddl : JournalSchema.migration(v, new SqliteDialect())) {
          s.execute(ddl);
        }
      }
      s.execute("INSERT INTO lr_schema (version) VALUES (" + version + ")");
    }
    return file;
  }

  /** The newest schema version recorded in {@code file}. */
  static int schemaVersion(Path file) throws SQLException {
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT max(version) FROM lr_schema")) {
      rs.next();
      return rs.getInt(1);
    }
  }
}
