package io.leadrouter.journal.postgres.internal;

import io.leadrouter.journal.JournalException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What opening the journal checks in its schema before and after creating or migrating it, so a database the
 * journal cannot use is refused with what to fix (the grant to give, the schema to restore or drop) instead of a bare
 * {@code permission denied} or {@code relation already exists}.
 */
public final class SchemaCheck {
  /** The journal's tables (every version so far keeps them all; newer versions may add more). */
  static final List<String> TABLES = List.of("lr_schema", "lr_leads", "lr_deliveries", "lr_destinations",
      "lr_rate_limits", "lr_quarantine", "lr_erasure", "lr_counters");
  private static final String PRIVILEGE_DENIED = "42501";

  private final String schema;
  private final String description;

  /**
   * @param schema the journal's schema
   * @param description the journal as messages name it (URL without its query, schema)
   */
  public SchemaCheck(String schema, String description) {
    this.schema = schema;
    this.description = description;
  }

  /** Whether the schema exists (read from the catalog: no privilege needed, unlike {@code CREATE SCHEMA IF ...}). */
  public static boolean schemaExists(Connection c, String schema) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_namespace WHERE nspname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** Creates the schema; a user who may not is told how to get it created. */
  public static void createSchema(Connection c, String schema) throws SQLException {
    String user = currentUser(c); // asked first: a failed CREATE aborts the transaction
    String database = currentDatabase(c);
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    } catch (SQLException e) {
      if (!PRIVILEGE_DENIED.equals(e.getSQLState())) {
        throw e;
      }
      throw new JournalException("cannot create the journal's schema " + schema + " in database " + database + ": "
          + e.getMessage() + " (user " + user + " lacks CREATE on the database): create it once as a privileged"
          + " user (CREATE SCHEMA " + schema + " AUTHORIZATION " + user + "), or GRANT CREATE ON DATABASE " + database
          + " TO " + user, e);
    }
  }

  /**
   * Before migrating: the user may use the schema, may read and write the journal's tables already there, and the
   * tables there are a journal's (a version table with a version, if any table is there).
   */
  public void beforeMigration(Connection c) throws SQLException {
    String user = currentUser(c);
    if (!has(c, "SELECT has_schema_privilege(?, 'USAGE')", schema)) {
      throw new JournalException("journal " + description + ": user " + user + " may not use schema " + schema
          + " (no USAGE privilege): GRANT USAGE ON SCHEMA " + schema + " TO " + user);
    }
    Set<String> present = tables(c);
    if (present.isEmpty()) {
      if (!has(c, "SELECT has_schema_privilege(?, 'CREATE')", schema)) {
        throw new JournalException("journal " + description + ": schema " + schema + " holds no journal yet and user "
            + user + " may not create its tables (no CREATE privilege on the schema): GRANT CREATE ON SCHEMA "
            + schema + " TO " + user + ", or open it once as the schema's owner");
      }
      return;
    }
    List<String> denied = new ArrayList<>();
    for (String t : present) {
      for (String privilege : List.of("SELECT", "INSERT", "UPDATE", "DELETE")) {
        try (PreparedStatement ps = c.prepareStatement("SELECT has_table_privilege(?, ?)")) {
          ps.setString(1, schema + "." + t);
          ps.setString(2, privilege);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            if (!rs.getBoolean(1)) {
              denied.add(t + " (" + privilege + ")");
            }
          }
        }
      }
    }
    // a new lead's and a new delivery's numbers come from sequences (lr_leads_seq_seq is new in schema version 8:
    // a user granted USAGE on the sequences before an upgrade lacks it on this one)
    try (PreparedStatement ps = c.prepareStatement("SELECT c.relname FROM pg_class c JOIN pg_namespace n"
        + " ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname LIKE 'lr\\_%'"
        // CASE: the planner may test the privilege before the kind, and asking it of a table is an error
        + " AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, 'USAGE') ELSE false END"
        + " ORDER BY c.relname")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          denied.add(rs.getString(1) + " (USAGE)");
        }
      }
    }
    if (!denied.isEmpty()) {
      throw new JournalException("journal " + description + ": user " + user + " may not read and write the"
          + " journal's tables: no privilege on " + String.join(", ", denied) + ": GRANT SELECT, INSERT, UPDATE,"
          + " DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + user + "; GRANT USAGE ON ALL SEQUENCES IN SCHEMA "
          + schema + " TO " + user);
    }
    if (!present.contains("lr_schema")) {
      throw damaged("it holds journal tables (" + String.join(", ", present) + ") but no lr_schema, the table"
          + " recording their version");
    }
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema
        + ".lr_schema")) {
      rs.next();
      if (rs.getLong(1) == 0) {
        throw damaged("its lr_schema table records no version");
      }
    }
  }

  /** After migrating: every table of the journal is there (a version table saying "done" proves nothing alone). */
  public void afterMigration(Connection c) throws SQLException {
    Set<String> missing = new TreeSet<>(TABLES);
    missing.removeAll(tables(c));
    if (!missing.isEmpty()) {
      throw damaged("its lr_schema records a version whose tables are not all there (missing: "
          + String.join(", ", missing) + ")");
    }
  }

  /**
   * The message for a migration that failed: a privilege missing, or tables that do not match their recorded
   * version; empty for other failures.
   */
  public java.util.Optional<String> explainMigrationFailure(SQLException e, Connection c) {
    String state = e.getSQLState();
    if (PRIVILEGE_DENIED.equals(state)) {
      String user;
      try {
        user = currentUser(c);
      } catch (SQLException again) {
        user = "the journal's user";
      }
      String needs = "journal " + description + ": the journal's tables need creating or migrating to this version,"
          + " which user " + user + " may not do (" + e.getMessage() + "): open it once with this version as ";
      // altering a table takes its owner: CREATE on the schema (the fix for a new table) does not make the user one
      java.util.Optional<String> owner = tablesOwner(c);
      if (owner.isPresent() && !owner.get().equals(user)) {
        return java.util.Optional.of(needs + "the owner of the journal's tables, " + owner.get() + " (or a"
            + " superuser); user " + user + " can then use it with the privileges it has");
      }
      return java.util.Optional.of(needs + "the schema's owner, or GRANT CREATE ON SCHEMA " + schema + " TO " + user);
    }
    // 42P07 duplicate table, 42701 duplicate column, 42P01 undefined table, 42703 undefined column, 42704 undefined
    // object (an index): the tables are not those of the version lr_schema records
    if (Set.of("42P07", "42701", "42P01", "42703", "42704").contains(state)) {
      return java.util.Optional.of(damaged("migrating it failed (" + e.getMessage() + "): its tables do not"
          + " match the version its lr_schema records").getMessage());
    }
    return java.util.Optional.empty();
  }

  /** The owner of the journal's leads table, if it is there and the catalog can be read. */
  private java.util.Optional<String> tablesOwner(Connection c) {
    try (PreparedStatement ps = c.prepareStatement("SELECT tableowner FROM pg_tables WHERE schemaname = ?"
        + " AND tablename = 'lr_leads'")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? java.util.Optional.of(rs.getString(1)) : java.util.Optional.empty();
      }
    } catch (SQLException e) {
      return java.util.Optional.empty();
    }
  }

  private JournalException damaged(String what) {
    return new JournalException("journal " + description + " is not a LeadRouter journal in a state this version can"
        + " open: " + what + ". It was changed by hand or restored in part: restore schema " + schema + " from a"
        + " backup, or, if it holds nothing to keep, drop it (DROP SCHEMA " + schema + " CASCADE) to start an empty"
        + " journal, or choose another schema");
  }

  /** The journal's tables present in the schema (from the catalog, whatever the user's privileges). */
  private Set<String> tables(Connection c) throws SQLException {
    Set<String> present = new TreeSet<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT tablename FROM pg_tables WHERE schemaname = ?")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          if (TABLES.contains(rs.getString(1))) {
            present.add(rs.getString(1));
          }
        }
      }
    }
    return present;
  }

  private static boolean has(Connection c, String sql, String arg) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, arg);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /**
   * The user {@code c} logged in as, read from the driver (it asks nothing of the server, so {@code c} may be broken
   * or in an aborted transaction), or {@code unknown}.
   */
  public static String loginUser(Connection c, String unknown) {
    try {
      return c.getMetaData().getUserName();
    } catch (SQLException | RuntimeException e) {
      return unknown;
    }
  }

  static String currentUser(Connection c) throws SQLException {
    return scalar(c, "SELECT current_user");
  }

  static String currentDatabase(Connection c) throws SQLException {
    return scalar(c, "SELECT current_database()");
  }

  private static String scalar(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
