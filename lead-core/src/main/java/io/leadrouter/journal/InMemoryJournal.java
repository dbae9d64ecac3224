package io.leadrouter.journal;

import io.leadrouter.internal.journal.JdbcJournal;
import io.leadrouter.internal.journal.SqliteDialect;
import java.sql.Connection;
import java.sql.SQLException;
import org.slf4j.LoggerFactory;

/**
 * A journal in memory, FOR TESTS ONLY: accepted leads are lost when the process ends. It is the same SQL journal as
 * {@link SqliteJournal} over an in-memory SQLite database, so it behaves the same in every other respect.
 */
public final class InMemoryJournal {
  private InMemoryJournal() {}

  /** A new, empty in-memory journal (tests only). */
  public static LeadJournal create() {
    LoggerFactory.getLogger(InMemoryJournal.class)
        .warn("using an in-memory journal: accepted leads are lost when the process ends (tests only)");
    try {
      // the driver's own DataSource, as SqliteJournal opens files: DriverManager does not see a driver held by an
      // isolated class loader (an application server, a plugin host) and answered "No suitable driver"
      Connection c = SqliteJournal.driverConnection("jdbc:sqlite::memory:", "Nothing");
      return new JdbcJournal("in memory (tests only: leads are lost when the process ends)", c, new SqliteDialect(),
          1024, null);
    } catch (SQLException e) {
      throw new JournalException("cannot create an in-memory journal: " + e.getMessage(), e);
    }
  }
}
