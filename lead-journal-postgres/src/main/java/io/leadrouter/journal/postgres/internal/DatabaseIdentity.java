package io.leadrouter.journal.postgres.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Which database a connection is on: the database's name and the server's system identifier (fixed when the cluster
 * was created; the same through restarts and on its physical replicas). Two connections with the same identity write
 * to the same tables, whichever host name, port or proxy each came through. Where the user may not read the system
 * identifier ({@code pg_control_system()} revoked), only the names are compared.
 */
public record DatabaseIdentity(String database, String system) {
  private static final String UNKNOWN = "";

  /**
   * The identity of {@code connection}'s database. Runs only statements that cannot fail, so it never aborts the
   * transaction it runs in (a caller's).
   */
  public static DatabaseIdentity of(Connection connection) throws SQLException {
    String database;
    boolean readable;
    try (Statement s = connection.createStatement(); ResultSet rs = s.executeQuery("SELECT current_database(),"
        + " has_function_privilege('pg_control_system()', 'EXECUTE')")) {
      rs.next();
      database = rs.getString(1);
      readable = rs.getBoolean(2);
    }
    if (!readable) {
      return new DatabaseIdentity(database, UNKNOWN);
    }
    try (Statement s = connection.createStatement();
        ResultSet rs = s.executeQuery("SELECT system_identifier FROM pg_control_system()")) {
      rs.next();
      return new DatabaseIdentity(database, rs.getString(1));
    }
  }

  /** Whether both are certainly the same database (names equal, and servers equal where both are known). */
  public boolean sameAs(DatabaseIdentity other) {
    return database.equals(other.database)
        && (system.equals(UNKNOWN) || other.system.equals(UNKNOWN) || system.equals(other.system));
  }

  @Override
  public String toString() {
    return "database " + database + (system.equals(UNKNOWN) ? "" : " of server " + system);
  }
}
