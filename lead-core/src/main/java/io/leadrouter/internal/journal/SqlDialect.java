package io.leadrouter.internal.journal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/** What differs between the databases the JDBC journal runs on (SQLite, PostgreSQL). */
public interface SqlDialect {

  /** The database's name, for messages. */
  String name();

  /** The statements creating schema version {@code version} from {@code version - 1} (1 = from nothing). */
  List<String> migration(int version);

  /** The newest schema version this code knows. */
  int schemaVersion();

  /**
   * {@code INSERT} of a lead row that does nothing (count 0) when the id exists; parameters: id, payload, time,
   * trace context (nullable).
   */
  String insertLeadIgnoringDuplicate();

  /**
   * The query selecting due deliveries of one destination, oldest due first; parameters: destination, now, limit.
   * Columns: id, lead_id, attempts, retry_since, payload, trace_context. Dialects with row locks add them here.
   */
  String selectDue();

  /** Whether a transaction with accepted leads must reach the disk before commit returns (set per transaction). */
  void durability(Connection connection, boolean durable) throws SQLException;

  /** Whether the schema's tables exist. */
  boolean schemaExists(Connection connection) throws SQLException;

  /**
   * When {@code e} (or a cause) says the database file itself is damaged, what to tell the operator: what happened to
   * {@code description} and how to recover; empty for every other failure. A damaged journal stops all intake.
   */
  default Optional<String> damage(Throwable e, String description) {
    return Optional.empty();
  }

  /** What to tell the operator when {@code description} is found damaged ({@code finding}): what, and the recovery. */
  default String damaged(String description, String finding) {
    return "journal " + description + " is damaged (" + finding + "). Intake is stopped: no lead is accepted or"
        + " delivered from it, since one stored on it might be lost. Restore the database from a backup";
  }
}
