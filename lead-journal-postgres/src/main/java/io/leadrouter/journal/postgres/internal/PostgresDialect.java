package io.leadrouter.journal.postgres.internal;

import io.leadrouter.journal.spi.SqlDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * PostgreSQL: the journal's tables in one schema (the connection's schema is set to it), claims with
 * {@code FOR UPDATE SKIP LOCKED} so concurrent routers never claim the same delivery, accepted leads committed with
 * {@code synchronous_commit} on (claims and acknowledgements without waiting for the WAL flush), and a
 * {@code NOTIFY} per destination with fresh leads, so idle routers start them at once instead of at their next poll.
 */
public final class PostgresDialect implements SqlDialect {
  private final String schema;
  private final String channel;

  /** The dialect for the journal in {@code schema} (a plain lower-case identifier). */
  public PostgresDialect(String schema) {
    this.schema = Objects.requireNonNull(schema, "schema");
    this.channel = channel(schema);
  }

  /** The {@code LISTEN} channel announcing fresh leads of the journal in {@code schema} (at most 63 characters). */
  public static String channel(String schema) {
    String c = "lr_due_" + schema;
    return c.length() > 63 ? c.substring(0, 63) : c;
  }

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public String int64Type() {
    return "BIGINT";
  }

  @Override
  public String bytesType() {
    return "BYTEA";
  }

  @Override
  public String generatedKey() {
    return "BIGSERIAL PRIMARY KEY";
  }

  @Override
  public List<String> extraMigration(int version) {
    if (version == 1) {
      return List.of(
          // expired leases are looked up by every router every few seconds
          "CREATE INDEX lr_deliveries_lease ON lr_deliveries (lease_until) WHERE state = 'IN_FLIGHT'",
          // one fixed window of calls per rate-limited destination, shared by every router on this schema
          "CREATE TABLE lr_rate_limits (destination TEXT PRIMARY KEY, window_start BIGINT NOT NULL,"
              + " used INTEGER NOT NULL)");
    }
    if (version == 4) {
      // Delivered rows are deleted in batches by retention; vacuum them early (1 % dead instead of 20 %) so the
      // space is reused by new leads rather than the table growing with the backlog's history.
      return List.of(
          // The claim (state IN ('PENDING', 'PARKED') ... ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED) read every
          // due row of the destination and sorted them on each claim: the (destination, state, due_at) index gives
          // due_at order only within one state. This index holds only claimable rows, in due order: each claim
          // reads its n rows (skipping those other routers hold) and stops. Measured: 2,000 pending to a 20 ms
          // receiver, one instance, 81 deliveries/s before.
          "CREATE INDEX lr_deliveries_claim ON lr_deliveries (destination, due_at)"
              + " WHERE state IN ('PENDING', 'PARKED')",
          "DROP INDEX lr_deliveries_due",
          "ALTER TABLE lr_deliveries SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)",
          "ALTER TABLE lr_leads SET (autovacuum_vacuum_scale_factor = 0.01, autovacuum_vacuum_threshold = 1000)");
    }
    if (version == 8) {
      // deliveries keyed by the lead's sequence number instead of its random id (JournalSchema): an index keyed by
      // a random id puts every new lead on a page of its own; the lead's own index is the one that still is
      return List.of(
          "ALTER TABLE lr_leads ADD COLUMN seq BIGSERIAL",
          "ALTER TABLE lr_leads ADD CONSTRAINT lr_leads_seq_key UNIQUE (seq)",
          "ALTER TABLE lr_deliveries ADD COLUMN lead_seq BIGINT",
          "UPDATE lr_deliveries d SET lead_seq = l.seq FROM lr_leads l WHERE l.lead_id = d.lead_id",
          // a delivery whose lead row is missing could never be sent (no payload): a number no lead has
          "UPDATE lr_deliveries SET lead_seq = -id WHERE lead_seq IS NULL",
          "ALTER TABLE lr_deliveries ALTER COLUMN lead_seq SET NOT NULL",
          "ALTER TABLE lr_deliveries DROP CONSTRAINT IF EXISTS lr_deliveries_lead_id_destination_key",
          "ALTER TABLE lr_deliveries ADD CONSTRAINT lr_deliveries_lead_seq_destination_key"
              + " UNIQUE (lead_seq, destination)",
          // A rolling upgrade: routers of an older version still running on this schema insert deliveries without
          // the lead's number (refused by NOT NULL: each of their route() calls failed until they were replaced),
          // so the number is filled in for them. Names qualified: a caller's transaction has its own search_path.
          "CREATE FUNCTION " + schema + ".lr_deliveries_lead_seq() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
              + " SELECT seq INTO NEW.lead_seq FROM " + schema + ".lr_leads WHERE lead_id = NEW.lead_id;"
              + " RETURN NEW; END $$",
          "CREATE TRIGGER lr_deliveries_lead_seq BEFORE INSERT ON lr_deliveries FOR EACH ROW"
              + " WHEN (NEW.lead_seq IS NULL) EXECUTE PROCEDURE " + schema + ".lr_deliveries_lead_seq()",
          // and their leads take a number from the new sequence: whoever could use the deliveries' sequence (the
          // runtime users a DBA granted the sequences to before the upgrade) may use it too
          "DO $$ DECLARE g oid; BEGIN FOR g IN SELECT DISTINCT a.grantee FROM pg_class c JOIN pg_namespace n"
              + " ON n.oid = c.relnamespace, aclexplode(c.relacl) a WHERE n.nspname = '" + schema + "'"
              + " AND c.relname = 'lr_deliveries_id_seq' AND a.privilege_type = 'USAGE' LOOP"
              + " EXECUTE 'GRANT USAGE ON SEQUENCE " + schema + ".lr_leads_seq_seq TO '"
              + " || CASE WHEN g = 0 THEN 'PUBLIC' ELSE g::regrole::text END; END LOOP; END $$");
    }
    return List.of();
  }

  @Override
  public void afterErase(Connection connection) throws SQLException {
    // the deleted rows' versions stay in the table files until vacuumed; vacuum marks their space for reuse at once
    // (it does not zero it: see the README on what stays in PostgreSQL's files and WAL)
    try (Statement s = connection.createStatement()) {
      s.execute("VACUUM lr_deliveries, lr_leads, lr_quarantine");
    }
  }

  @Override
  public String claimLock() {
    // SKIP LOCKED: rows another router is claiming right now are left to it, so each is claimed exactly once
    return " FOR UPDATE OF d SKIP LOCKED";
  }

  @Override
  public String claimCustomerLock(String alias) {
    // the key exactly as tryLockCustomer computes it; the schema is a plain lower-case identifier (checked)
    return " AND (" + alias + ".order_key IS NULL OR pg_try_advisory_xact_lock(hashtext('lr_customer:" + schema
        + ":' || " + alias + ".destination), hashtext(" + alias + ".order_key)))";
  }

  @Override
  public boolean tryLockCustomer(Connection connection, String destination, String orderKey) throws SQLException {
    // Two routers accepting leads of one customer at the same moment would each see none of the other's (both
    // uncommitted) and write both in flight. The transaction-scoped lock makes the second write its delivery pending
    // instead (claimed once the first is done); without waiting, so transactions locking customers in different
    // orders cannot deadlock.
    try (PreparedStatement ps = connection.prepareStatement(
        "SELECT pg_try_advisory_xact_lock(hashtext(?), hashtext(?))")) {
      ps.setString(1, "lr_customer:" + schema + ":" + destination);
      ps.setString(2, orderKey);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getBoolean(1);
      }
    }
  }

  /**
   * How long a transaction accepting leads waits for a lock: a lead id inserted by another transaction that has not
   * ended makes the insert wait for it, and a caller's transaction ({@code route(lead, connection)}) may stay open
   * for as long as the application likes, with this router's writer, and every {@code route()}, claim and
   * settlement behind it, waiting too. Other routers' writers hold such a row for one commit.
   */
  public static final String ACCEPT_LOCK_TIMEOUT = "2s";

  @Override
  public void durability(Connection connection, boolean durable) throws SQLException {
    // per transaction: only accepted leads must wait for the WAL flush; a lost claim or acknowledgement only causes
    // a redelivery, which sinks make idempotent. Accepting transactions wait ACCEPT_LOCK_TIMEOUT at most for a lock.
    try (Statement s = connection.createStatement()) {
      s.execute(durable ? "SET LOCAL synchronous_commit TO on; SET LOCAL lock_timeout = '" + ACCEPT_LOCK_TIMEOUT
          + "'" : "SET LOCAL synchronous_commit TO off");
    }
  }

  @Override
  public boolean schemaExists(Connection connection) throws SQLException {
    try (PreparedStatement ps = connection.prepareStatement("SELECT count(*) FROM information_schema.tables"
        + " WHERE table_schema = ? AND table_name IN ('lr_schema', 'lr_leads', 'lr_deliveries')")) {
      ps.setString(1, schema);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getInt(1) > 0;
      }
    }
  }

  @Override
  public boolean acceptsCallerTransactions() {
    return true;
  }

  @Override
  public String tablePrefix() {
    return schema + ".";
  }

  @Override
  public void announceAccepted(Connection connection, Set<String> destinations) throws SQLException {
    // delivered to the listeners at commit, never for a rolled-back transaction; identical ones are merged
    try (PreparedStatement ps = connection.prepareStatement("SELECT pg_notify(?, ?)")) {
      for (String d : destinations) {
        ps.setString(1, channel);
        ps.setString(2, d);
        ps.executeQuery().close();
      }
    }
  }
}
