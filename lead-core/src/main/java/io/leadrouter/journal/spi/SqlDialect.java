package io.leadrouter.journal.spi;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What differs between the databases the JDBC journal runs on (SQLite in lead-core, PostgreSQL in
 * lead-journal-postgres). The schema and every statement are written once, in lead-core; a dialect supplies only
 * column types, the claim query's locking, per-transaction durability and the extras only its database has (row
 * locks, wake-up notifications, tables for shared rate limits).
 *
 * <p>Every table is named {@code lr_*}, unqualified: the connection given to the journal must resolve them (PostgreSQL:
 * its schema is set). Only statements run on a caller's own connection ({@link #tablePrefix()}) are qualified.
 */
public interface SqlDialect {

  /** The database's name, for messages. */
  String name();

  /** The type of a 64-bit integer column (times are epoch milliseconds), e.g. {@code BIGINT}. */
  String int64Type();

  /** The type of a byte-string column (the lead's payload), e.g. {@code BYTEA}. */
  String bytesType();

  /** A generated 64-bit primary key column's type and constraint, e.g. {@code BIGSERIAL PRIMARY KEY}. */
  String generatedKey();

  /**
   * Statements only this database needs at schema version {@code version}, run after the common ones in the same
   * transaction (indexes only it can use, tables only it fills); none by default.
   *
   * <p>Version 8 has no common statement: each database brings its tables to that version its own way. It adds
   * {@code lr_leads.seq} (a generated 64-bit number, unique, never given twice) and {@code lr_deliveries.lead_seq}
   * (the seq of the delivery's lead, filled for every existing row), and replaces the uniqueness of deliveries on
   * {@code (lead_id, destination)} by uniqueness on {@code (lead_seq, destination)}; {@code lr_deliveries.lead_id}
   * stays, without an index.
   */
  default List<String> extraMigration(int version) {
    return List.of();
  }

  /**
   * The query selecting due deliveries of one destination, oldest due first; parameters: destination, now, limit.
   * Columns: id, lead_id, attempts, retry_since, payload, trace_context, lease_epoch and (schema 6) fallback_for, the
   * destination a fallback delivery stands in for (a query without it claims no delivery as a fallback). The default
   * is the plain query, joining each delivery to its lead by {@code lead_seq} (schema 8), followed by
   * {@link #claimLock()}; a dialect may write it otherwise when its planner needs it (SQLite).
   */
  default String selectDue() {
    return selectDue(false);
  }

  /**
   * {@link #selectDue()}; when {@code oneCustomerAtATime}, only a customer's oldest open delivery is due, and only
   * while none of that customer's deliveries is in flight ({@link #headOfCustomer(String)}).
   */
  default String selectDue(boolean oneCustomerAtATime) {
    return "SELECT d.id, d.lead_id, d.attempts, d.retry_since, l.payload, l.trace_context, d.lease_epoch,"
        + " d.fallback_for FROM lr_deliveries d"
        + " JOIN lr_leads l ON l.seq = d.lead_seq"
        + " WHERE d.destination = ? AND d.state IN ('PENDING', 'PARKED') AND d.due_at <= ?"
        + (oneCustomerAtATime ? " AND " + headOfCustomer("d") + claimCustomerLock("d") : "")
        + " ORDER BY d.due_at LIMIT ?" + claimLock();
  }

  /**
   * What the claim of an ordered destination appends to its {@code WHERE} so that it never takes a customer's
   * delivery while another transaction is writing one of that customer's fresh deliveries already in flight (the
   * other transaction's row is not visible yet, so {@link #headOfCustomer} alone cannot see it): the same lock as
   * {@link #tryLockCustomer}, taken without waiting (a customer whose lock is held is skipped this round). Nothing
   * for a database with one writer (the default).
   */
  default String claimCustomerLock(String alias) {
    return "";
  }

  /**
   * The claim's condition for one customer at a time, on the delivery row {@code alias}: no other open delivery of
   * the same customer to the same destination was accepted before it, and none is in flight. Rows without a key
   * (written before schema version 5) are not ordered. Claimed this way, the head of a customer's queue is a single
   * row, so routers claiming concurrently (row locks) can never both take one of that customer's deliveries.
   */
  static String headOfCustomer(String alias) {
    return "(" + alias + ".order_key IS NULL OR NOT EXISTS (SELECT 1 FROM lr_deliveries o"
        + " WHERE o.destination = " + alias + ".destination AND o.order_key = " + alias + ".order_key"
        + " AND o.state IN ('PENDING', 'PARKED', 'IN_FLIGHT') AND o.id <> " + alias + ".id"
        + " AND (o.id < " + alias + ".id OR o.state = 'IN_FLIGHT')))";
  }

  /**
   * Before a fresh delivery of a customer is written already claimed (in flight), makes sure no other transaction is
   * doing the same for that customer right now: false means one may be, and the delivery is written pending
   * instead. Databases with one writer need nothing (the default: true); PostgreSQL takes a transaction-scoped
   * advisory lock without waiting.
   */
  default boolean tryLockCustomer(Connection connection, String destination, String orderKey) throws SQLException {
    return true;
  }

  /**
   * What the claim query appends to lock the delivery rows it selects, so that concurrent routers never claim the
   * same row (e.g. {@code " FOR UPDATE OF d SKIP LOCKED"}); nothing for a database with one writer.
   */
  default String claimLock() {
    return "";
  }

  /**
   * Runs on the journal's connection, in auto-commit mode, before the transaction that erases a person (or drops
   * payloads): SQLite switches {@code secure_delete} on so the freed bytes are overwritten. Nothing by default.
   */
  default void beforeErase(Connection connection) throws SQLException {}

  /**
   * Runs in auto-commit mode after that transaction committed: SQLite copies the write-ahead log into the database
   * and truncates it ({@code wal_checkpoint(TRUNCATE)}), so no old copy of the erased rows stays in the log;
   * PostgreSQL vacuums the tables. Nothing by default.
   */
  default void afterErase(Connection connection) throws SQLException {}

  /**
   * Runs in auto-commit mode after the transaction that erased a person committed, instead of {@link #afterErase}:
   * also removes the copies of their data the database kept from before (SQLite: what earlier deletes and moves left in
   * free pages and free space, such as a quarantined payload released by its replay or the tables an upgrade rebuilt,
   * which {@code secure_delete} during the erasure does not reach). {@link #afterErase} by default.
   */
  default void afterPersonErased(Connection connection) throws SQLException {
    afterErase(connection);
  }

  /**
   * Ends a transaction that failed, leaving the connection in a transaction again for the next one
   * ({@link Connection#rollback} by default). SQLite ends a transaction itself on a full disk or an I/O error, and its
   * driver's {@code rollback} then fails without beginning the next one.
   */
  default void rollback(Connection connection) throws SQLException {
    connection.rollback();
  }

  /** Whether a transaction with accepted leads must reach the disk before commit returns (set per transaction). */
  void durability(Connection connection, boolean durable) throws SQLException;

  /**
   * Called with {@link #durability} before each of the writer's transactions: whether every operation in it changes a
   * bounded number of rows (accepts, claims, settlements and lease renewals, at most a batch of each), as opposed to a
   * bulk statement such as a replay of every dead letter. SQLite keeps the scratch data of a bounded transaction (the
   * statement journals that let one statement roll back alone) in memory rather than in temporary files, which was
   * over a third of the writer's writes per lead; a bulk statement keeps them on disk, so its memory stays bounded.
   * Nothing by default.
   */
  default void boundedTransaction(Connection connection, boolean bounded) throws SQLException {}

  /** Whether the schema's tables exist. */
  boolean schemaExists(Connection connection) throws SQLException;

  /**
   * Whether leads may be accepted in the caller's own transaction ({@code LeadRouter.route(lead, connection)}): only
   * when the journal lives in the caller's database. No by default.
   */
  default boolean acceptsCallerTransactions() {
    return false;
  }

  /** What qualifies the journal's tables on a caller's connection, e.g. {@code "leadrouter."}; none by default. */
  default String tablePrefix() {
    return "";
  }

  /**
   * Runs inside a transaction that accepted leads for {@code destinations}, before its commit: tells other routers
   * on the same database (PostgreSQL: {@code NOTIFY}). Nothing by default: a database only this process uses needs
   * no announcement.
   */
  default void announceAccepted(Connection connection, Set<String> destinations) throws SQLException {}

  /**
   * When {@code e} (or a cause) says the database file itself is damaged, what to tell the operator: what happened to
   * {@code description} and how to recover; empty for every other failure (the default). A damaged journal stops all
   * intake.
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
