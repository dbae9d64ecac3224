package io.leadrouter.journal.postgres.internal;

import io.leadrouter.journal.JournalException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Optional;

/**
 * What a DBA's settings do to the journal, said where the server's own message names neither the setting nor the
 * fix: a role or database made read-only, a hot standby, {@code statement_timeout}, {@code lock_timeout},
 * {@code idle_in_transaction_session_timeout}, a connection limit, a schema name PostgreSQL reserves.
 */
public final class DatabaseSettings {
  /**
   * The most connections one journal holds at once: at open, the schema lock, the writer and the {@code LISTEN}
   * connection; running, the writer, the {@code LISTEN} connection and the shared rate limits' connection.
   */
  public static final int CONNECTIONS = 3;

  /** The fix for a server refusing a connection with {@code too many connections} (SQLState 53300). */
  public static final String TOO_MANY_CONNECTIONS = "the server refuses more connections (max_connections, or the"
      + " CONNECTION LIMIT of the user or the database, is reached): one journal holds up to " + CONNECTIONS
      + " connections (the writer, the LISTEN connection, and the schema lock at open or the shared rate limits'"
      + " connection), besides those of the application: raise the limit or free connections";

  private DatabaseSettings() {}

  /**
   * Lifts the role's or database's statement, lock and idle-in-transaction timeouts for the current transaction of
   * the connection holding the schema lock: that transaction waits for another router's migration and stays open,
   * idle, while its own runs on the writer connection; a DBA's {@code idle_in_transaction_session_timeout} or
   * {@code statement_timeout} ended it (and the lock with it) or failed the open.
   */
  public static void holdingLock(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0;"
          + " SET LOCAL idle_in_transaction_session_timeout = 0");
    }
  }

  /**
   * Lifts the role's or database's statement, lock and idle-in-transaction timeouts for the session of the writer
   * connection while it creates or migrates the tables (an index built on a large table takes long; between the
   * statements of a migration the session is idle in its transaction); {@link #restoreTimeouts} puts the role's back.
   */
  public static void liftTimeouts(Connection c) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0");
    }
  }

  /** Puts back the timeouts {@link #liftTimeouts} lifted (the role's, database's or server's), outside a transaction. */
  public static void restoreTimeouts(Connection c) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      s.execute("RESET statement_timeout; RESET lock_timeout; RESET idle_in_transaction_session_timeout");
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * Raises the role's or database's {@code idle_in_transaction_session_timeout} for the writer's session to at least
   * {@code floor} (the journal's network timeout), outside a transaction. The writer's session is idle inside its
   * transactions only between its own statements, for a network round trip or while its host is busy: a DBA's timeout
   * shorter than that (20 ms, with the statements arriving 30 ms apart) ended the session in the middle of every
   * accept, and again after every reconnect. A longer timeout, or none, is left as it is; an abandoned transaction is
   * still ended.
   */
  public static void idleTimeoutAtLeast(Connection c, java.time.Duration floor) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    c.setAutoCommit(true);
    try (Statement s = c.createStatement()) {
      long current;
      try (ResultSet rs = s.executeQuery("SELECT setting::bigint FROM pg_settings"
          + " WHERE name = 'idle_in_transaction_session_timeout'")) {
        current = rs.next() ? rs.getLong(1) : 0;
      }
      if (current > 0 && current < floor.toMillis()) {
        s.execute("SET idle_in_transaction_session_timeout = " + Math.min(Integer.MAX_VALUE, floor.toMillis()));
      }
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  /**
   * Refuses a schema name PostgreSQL reserves ({@code order}, {@code user}, {@code select}, …): it cannot be written
   * unquoted, so {@code CREATE SCHEMA} failed with a bare syntax error.
   */
  public static void checkSchemaName(Connection c, String schema) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT catdesc FROM pg_get_keywords() WHERE word = ?"
        + " AND catcode IN ('R', 'T')")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          throw new JournalException("schema '" + schema + "' cannot be the journal's schema: it is a word PostgreSQL"
              + " reserves (" + rs.getString(1) + "): choose another name for the builder's schema (or the"
              + " descriptor's journal.schema), e.g. " + schema + "_journal");
        }
      }
    }
  }

  /**
   * Refuses a database the journal cannot write: a hot standby (a replica, or a former primary after a fail-over),
   * or {@code default_transaction_read_only} set for the role or the database; the server's own refusal, at the
   * first {@code route()}, was only "cannot execute INSERT in a read-only transaction".
   */
  public static void checkWritable(Connection c, String description) throws SQLException {
    boolean standby;
    boolean readOnly;
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT pg_is_in_recovery(),"
        + " current_setting('default_transaction_read_only') = 'on'")) {
      rs.next();
      standby = rs.getBoolean(1);
      readOnly = rs.getBoolean(2);
    }
    if (standby) {
      throw new JournalException("journal " + description + " cannot be written: the server is a hot standby (a"
          + " read-only replica, pg_is_in_recovery() is true): point the DataSource at the primary (with several"
          + " hosts in the URL, add targetServerType=primary)");
    }
    if (readOnly) {
      String user = SchemaCheck.currentUser(c);
      throw new JournalException("journal " + description + " cannot be written: default_transaction_read_only is"
          + " on for user " + user + " (set for the role, the database or the server): ALTER ROLE " + user
          + " SET default_transaction_read_only = off (or ALTER DATABASE " + SchemaCheck.currentDatabase(c)
          + " SET default_transaction_read_only = off), or give the journal a user that may write");
    }
  }

  /**
   * What to do about a refusal caused by a setting, or empty when {@code e} (or a cause) is no such refusal: the
   * text that follows the server's own message; {@code user} is the journal's user, named in the fix.
   */
  public static Optional<String> explain(Throwable e, String user) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException sql && sql.getSQLState() != null) {
        Optional<String> advice = advice(sql.getSQLState(), String.valueOf(sql.getMessage()), user);
        if (advice.isPresent()) {
          return advice;
        }
      }
    }
    return Optional.empty();
  }

  /** The database's own message (the deepest SQLException's), without the journal's wrapping. */
  public static String rootMessage(Throwable e) {
    String message = e.getMessage();
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.sql.SQLException) {
        message = t.getMessage();
      }
    }
    return message;
  }

  private static Optional<String> advice(String state, String message, String user) {
    return Optional.ofNullable(switch (state) {
      case "57014" -> message.contains("statement timeout")
          ? "statement_timeout (set for the journal's user, its database or the server) is shorter than a statement"
              + " of the journal: raise it for the journal's user (ALTER ROLE " + user
              + " SET statement_timeout = '5min'), or set it to 0; the journal bounds its waits by its own"
              + " networkTimeout"
          : null; // a cancel by hand (pg_cancel_backend): nothing to configure
      case "55P03" -> "lock_timeout (set for the journal's user, its database or the server) ended a wait for a lock"
          + " another router or session held: raise it for the journal's user (ALTER ROLE " + user
          + " SET lock_timeout = '1min'), or set it to 0";
      case "25P03" -> "idle_in_transaction_session_timeout ended the journal's connection: raise it for the"
          + " journal's user (ALTER ROLE " + user + " SET idle_in_transaction_session_timeout = '5min'), or set it"
          + " to 0";
      case "25006" -> "the database is read-only (a hot standby after a fail-over, or default_transaction_read_only"
          + " on): point the DataSource at the primary, or ALTER ROLE " + user + " SET default_transaction_read_only ="
          + " off";
      case "53300" -> TOO_MANY_CONNECTIONS;
      default -> null;
    });
  }
}
