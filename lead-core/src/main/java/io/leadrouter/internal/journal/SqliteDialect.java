package io.leadrouter.internal.journal;

import io.leadrouter.journal.spi.SqlDialect;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

/** SQLite: WAL mode, one writer; accepted leads committed with {@code synchronous=FULL}. */
public final class SqliteDialect implements SqlDialect {
  private final Switch synchronous = new Switch("PRAGMA synchronous=FULL", "PRAGMA synchronous=NORMAL");
  private final Switch tempStore = new Switch("PRAGMA temp_store=MEMORY", "PRAGMA temp_store=FILE");

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

  /**
   * Version 8 ({@link JournalSchema}): SQLite cannot drop a table's constraint, so both tables are rebuilt, in the
   * migration's one transaction (a crash leaves version 7 untouched). {@code lr_leads.seq} takes each lead's rowid,
   * so the acceptance order is kept; {@code AUTOINCREMENT} on both keys means no number is ever given twice, not even
   * after the newest lead was erased (a settlement still on its way for an erased delivery then finds no row, never a
   * newer delivery that took the same id). The rebuild copies every row once: measured 41 s for a million pending
   * leads on a loaded 2-core machine, once; the file grows by the copy, whose freed pages later leads reuse.
   */
  @Override
  public List<String> extraMigration(int version) {
    if (version == 1) {
      // a file created by a journal whose every connection runs secure_delete: nothing was ever deleted unwritten
      return List.of("PRAGMA user_version = " + OVERWRITTEN_SINCE_CREATED);
    }
    if (version != 8) {
      return List.of();
    }
    return List.of(
        "CREATE TABLE lr_leads_v8 (seq INTEGER PRIMARY KEY AUTOINCREMENT, lead_id TEXT NOT NULL UNIQUE,"
            + " payload BLOB NOT NULL, accepted_at INTEGER NOT NULL, trace_context TEXT)",
        "INSERT INTO lr_leads_v8 (seq, lead_id, payload, accepted_at, trace_context)"
            + " SELECT rowid, lead_id, payload, accepted_at, trace_context FROM lr_leads ORDER BY rowid",
        "DROP TABLE lr_leads",
        "ALTER TABLE lr_leads_v8 RENAME TO lr_leads",
        "CREATE INDEX lr_leads_accepted ON lr_leads (accepted_at)",
        "CREATE TABLE lr_deliveries_v8 (id INTEGER PRIMARY KEY AUTOINCREMENT, lead_seq INTEGER NOT NULL,"
            + " lead_id TEXT NOT NULL, destination TEXT NOT NULL, state TEXT NOT NULL,"
            + " attempts INTEGER NOT NULL DEFAULT 0, due_at INTEGER NOT NULL, lease_until INTEGER,"
            + " accepted_at INTEGER NOT NULL, retry_since INTEGER NOT NULL, updated_at INTEGER NOT NULL,"
            + " last_error TEXT, diagnosis_code TEXT, diagnosis_message TEXT, diagnosis_fix TEXT, outcome TEXT,"
            + " record_id TEXT, lease_owner TEXT, lease_epoch INTEGER NOT NULL DEFAULT 0, order_key TEXT,"
            + " fallback_for TEXT, spilled_at INTEGER, UNIQUE (lead_seq, destination))",
        // a delivery whose lead row is missing could never be sent (no payload): it keeps a number no lead has
        "INSERT INTO lr_deliveries_v8 (id, lead_seq, lead_id, destination, state, attempts, due_at, lease_until,"
            + " accepted_at, retry_since, updated_at, last_error, diagnosis_code, diagnosis_message, diagnosis_fix,"
            + " outcome, record_id, lease_owner, lease_epoch, order_key, fallback_for, spilled_at)"
            + " SELECT d.id, coalesce(l.seq, -d.id), d.lead_id, d.destination, d.state, d.attempts, d.due_at,"
            + " d.lease_until, d.accepted_at, d.retry_since, d.updated_at, d.last_error, d.diagnosis_code,"
            + " d.diagnosis_message, d.diagnosis_fix, d.outcome, d.record_id, d.lease_owner, d.lease_epoch,"
            + " d.order_key, d.fallback_for, d.spilled_at"
            + " FROM lr_deliveries d LEFT JOIN lr_leads l ON l.lead_id = d.lead_id ORDER BY d.id",
        "DROP TABLE lr_deliveries",
        "ALTER TABLE lr_deliveries_v8 RENAME TO lr_deliveries",
        "CREATE INDEX lr_deliveries_due ON lr_deliveries (destination, state, due_at)",
        "CREATE INDEX lr_deliveries_state ON lr_deliveries (state, destination, updated_at)",
        "CREATE INDEX lr_deliveries_customer ON lr_deliveries (destination, order_key, id)"
            + " WHERE state IN ('PENDING', 'PARKED', 'IN_FLIGHT')",
        "CREATE INDEX lr_deliveries_unspilled ON lr_deliveries (destination, accepted_at) WHERE "
            + JournalSchema.UNSPILLED);
  }

  @Override
  public String selectDue(boolean oneCustomerAtATime) {
    return oneCustomerAtATime ? SELECT_DUE_BY_CUSTOMER : SELECT_DUE; // built once: the claim runs it per round
  }

  private static final String SELECT_DUE = buildSelectDue(false);
  private static final String SELECT_DUE_BY_CUSTOMER = buildSelectDue(true);

  private static String buildSelectDue(boolean oneCustomerAtATime) {
    // One index range per state, each already in due_at order, so only 2 x limit rows are sorted: with
    // "state IN (...) ORDER BY due_at" SQLite sorted every due row of the destination on every claim (36 ms at
    // 50,000 pending). ?1..?3 keep the dialect's parameters: destination, now, limit.
    return "SELECT d.id, d.lead_id, d.attempts, d.retry_since, l.payload, l.trace_context, d.lease_epoch,"
        + " d.fallback_for FROM ("
        + due("PENDING", oneCustomerAtATime) + " UNION ALL " + due("PARKED", oneCustomerAtATime) + ") d"
        + " JOIN lr_leads l ON l.seq = d.lead_seq ORDER BY d.due_at LIMIT ?3";
  }

  private static String due(String state, boolean oneCustomerAtATime) {
    return "SELECT * FROM (SELECT id, lead_id, lead_seq, attempts, retry_since, due_at, lease_epoch, fallback_for"
        + " FROM lr_deliveries x"
        + " WHERE destination = ?1 AND state = '" + state + "' AND due_at <= ?2"
        + (oneCustomerAtATime ? " AND " + SqlDialect.headOfCustomer("x") : "") + " ORDER BY due_at LIMIT ?3)";
  }

  @Override
  public void durability(Connection connection, boolean durable) throws SQLException {
    // Only accepted leads need FULL (fsync at commit); claims and acks lost to a power cut only cause a
    // redelivery, which sinks make idempotent.
    synchronous.set(connection, durable);
  }

  /**
   * {@code temp_store=MEMORY} for a bounded transaction: the statement journals of its updates (the pages a statement
   * changed, kept so it can roll back alone) no longer go to a temporary file that is created, written and deleted
   * per transaction (5.8 of the writer's 12.8 writes per lead, measured with lead-bench's WriterCost at 64 callers).
   * {@code FILE} otherwise: a statement changing a million rows keeps its journal on disk, not in memory.
   */
  @Override
  public void boundedTransaction(Connection connection, boolean bounded) throws SQLException {
    tempStore.set(connection, bounded);
  }

  /**
   * A pragma with two settings, switched only when the other one is wanted (the writer asks before every transaction),
   * and always between transactions, never inside one, the connection's commit mode left as it was.
   */
  private static final class Switch {
    private final String on;
    private final String off;
    private Boolean current;
    // the connection current was set on: a new one (the journal opened again) starts from its own settings
    private Connection of;

    Switch(String on, String off) {
      this.on = on;
      this.off = off;
    }

    void set(Connection connection, boolean wanted) throws SQLException {
      if (connection != of) {
        current = null;
        of = connection;
      }
      if (current != null && current == wanted) {
        return;
      }
      boolean autoCommit = connection.getAutoCommit();
      try (Statement s = switchedToAutoCommit(connection).createStatement()) {
        s.execute(wanted ? on : off);
      } finally {
        connection.setAutoCommit(autoCommit);
      }
      current = wanted;
    }
  }

  /**
   * {@code connection} in auto-commit mode. Called inside the {@code try} whose {@code finally} restores the mode: the
   * driver counts the mode as switched even when the commit it runs for it fails.
   */
  private static Connection switchedToAutoCommit(Connection connection) throws SQLException {
    connection.setAutoCommit(true);
    return connection;
  }

  /**
   * SQLite rolls a transaction back itself when a write fails for lack of space ({@code SQLITE_FULL}) or with an I/O
   * error; sqlite-jdbc's {@code rollback()} then fails ("no transaction is active") before it begins the next
   * transaction, so every later statement committed on its own (a lead without its deliveries) and every commit
   * failed, long after the disk had room again. The next transaction is begun here instead.
   */
  @Override
  public void rollback(Connection connection) throws SQLException {
    try {
      connection.rollback();
    } catch (SQLException e) {
      if (!String.valueOf(e.getMessage()).contains("no transaction is active")) {
        throw e;
      }
      try (Statement s = connection.createStatement()) {
        s.execute("BEGIN");
      }
    }
  }

  /**
   * SQLite's {@code user_version} of a journal file in which nothing deleted was ever left unwritten: created by a
   * journal whose connections all run {@code secure_delete} ({@link io.leadrouter.journal.SqliteJournal}), or
   * vacuumed once by the first erasure of a person after an older version had written it.
   */
  static final int OVERWRITTEN_SINCE_CREATED = 1;

  @Override
  public void beforeErase(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      s.execute("PRAGMA secure_delete=ON"); // set on every connection already; said again where it matters most
    }
  }

  /**
   * Every connection of the journal runs {@code secure_delete} (deleted and moved rows, freed pages: overwritten with
   * zeros when they are deleted), so a person's erasure only has to empty the log of the pages as they were
   * ({@link #afterErase}): it used to {@code VACUUM} the whole file each time, on the writer's connection, while
   * {@code route()} waited. A file an older version wrote (its deletes and moves left in free pages and free space,
   * the tables an upgrade rebuilt) is vacuumed once, by its first person's erasure, and then marked.
   */
  @Override
  public void afterPersonErased(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement()) {
      int version;
      try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
        version = rs.next() ? rs.getInt(1) : 0;
      }
      if (version != OVERWRITTEN_SINCE_CREATED) {
        s.execute("VACUUM");
        s.execute("PRAGMA user_version = " + OVERWRITTEN_SINCE_CREATED);
      }
    }
    afterErase(connection);
  }

  @Override
  public void afterErase(Connection connection) throws SQLException {
    try (Statement s = connection.createStatement();
        // the log still holds the pages as they were before: copy the new ones into the file, empty the log
        ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
      if (rs.next() && rs.getInt(1) != 0) {
        // the erasing transaction committed: the caller is told (ErasureNotFlushedException) to erase again
        throw new SQLException("another connection reading the journal file (a sqlite3 shell, 'leadrouter"
            + " inspect', a backup) blocked the checkpoint that overwrites them in the file and empties its -wal"
            + " file");
      }
    }
  }

  /**
   * What a failed write means and what to do, for SQLite's answers that say neither: {@code SQLITE_FULL}, any
   * {@code SQLITE_IOERR} (a write past the process's file-size limit fails with one, as a failing disk does) and
   * {@code SQLITE_READONLY}; "" for anything else. The free space and the file-size limit are looked up only then,
   * never on the way of a lead that is written.
   */
  public static String advice(String message, String file) {
    if (message.contains("SQLITE_READONLY")) {
      return " (the file or its folder is read-only for this user: make both writable again; routing works again"
          + " by itself then)";
    }
    boolean full = message.contains("SQLITE_FULL");
    if (!full && !message.contains("SQLITE_IOERR")) {
      return "";
    }
    Path folder = Path.of(file).toAbsolutePath().getParent();
    long free = -1;
    try {
      free = Files.getFileStore(folder).getUsableSpace();
    } catch (IOException | RuntimeException e) {
      // the folder is gone or unreadable: said without the number
    }
    String room = free < 0 ? "" : " (" + bytes(free) + " free in " + folder + " now)";
    String again = "; routing works again by itself once the journal can write (no restart), and the leads"
        + " accepted before stay in the journal";
    if (full || (free >= 0 && free < LOW_SPACE)) {
      return ". The disk holding the journal is full" + room + ": free space there (its -wal file grows to about"
          + " 40 MB before the log is copied into the journal file)" + again;
    }
    String limit = fileSizeLimit();
    if (!limit.isEmpty()) {
      return ". A write to the journal's files failed: one of them reached this process's file-size limit"
          + " (ulimit -f: " + limit + "): raise or remove the limit for the user running LeadRouter" + again;
    }
    return ". A write to the journal's files failed" + room + ": check the disk (the system log, e.g. dmesg), that"
        + " " + folder + " is still mounted and writable, and that the files are not immutable (lsattr)" + again;
  }

  /** Free space below which a write failure is taken for a full disk. */
  private static final long LOW_SPACE = 64L << 20;

  private static String bytes(long n) {
    return n >= 10L << 20 ? (n >> 20) + " MiB" : n >= 10L << 10 ? (n >> 10) + " KiB" : n + " bytes";
  }

  /** This process's file-size limit (Linux' /proc/self/limits), or "" where there is none or it cannot be read. */
  private static String fileSizeLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max file size")) {
          String soft = line.substring("Max file size".length()).strip().split("\\s+")[0];
          return soft.equals("unlimited") ? "" : bytes(Long.parseLong(soft));
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or not readable: the message names the limit as a possibility only
    }
    return "";
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

  @Override
  public Optional<String> damage(Throwable e, String description) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof SQLException s && isDamage(s)) {
        return Optional.of(damaged(description, s.getMessage()));
      }
    }
    return Optional.empty();
  }

  // sqlite-jdbc's SQLiteException carries the primary result code in getErrorCode(); older paths only in the text
  private static boolean isDamage(SQLException e) {
    int primary = e.getErrorCode() & 0xff;
    String m = String.valueOf(e.getMessage());
    return (e.getClass().getName().startsWith("org.sqlite.") && (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB))
        || m.contains("SQLITE_CORRUPT") || m.contains("SQLITE_NOTADB");
  }

  private static final int SQLITE_CORRUPT = 11;
  private static final int SQLITE_NOTADB = 26;

  /**
   * The message for a damaged journal file: what was found, that intake stopped, and the recovery (SQLite's
   * {@code .recover} into a new file, the damaged file and its WAL moved away, then start on the recovered file).
   */
  @Override
  public String damaged(String file, String finding) {
    return "journal " + file + " is damaged (" + finding + "). Intake is stopped: no lead is accepted or delivered"
        + " from this file, since one stored on it might be lost. To recover: stop the router; run"
        + " sqlite3 " + file + " \".recover\" | sqlite3 " + file + ".recovered"
        + " (sqlite3 3.29 or newer; rows it cannot place go to its lost_and_found table); move " + file
        + " and its -wal and -shm files away; move " + file + ".recovered to " + file
        + " (or point the journal at it); start again: pending leads continue, and dead letters can be replayed";
  }
}
