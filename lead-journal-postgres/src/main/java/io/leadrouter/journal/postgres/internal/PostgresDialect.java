package io.leadrouter.journal.postgres.internal;

import io.leadrouter.internal.journal.SqlDialect;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Objects;

/**
 * PostgreSQL: the journal's tables in one schema (the connection's schema is set to it), claims with
 * {@code FOR UPDATE SKIP LOCKED} so concurrent routers never claim the same delivery, accepted leads committed with
 * {@code synchronous_commit} on and claims and acknowledgements without waiting for the WAL flush.
 */
public final class PostgresDialect implements SqlDialect {
  private final String schema;

  /** The dialect for the journal in {@code schema} (a plain lower-case identifier). */
  public PostgresDialect(String schema) {
    this.schema = Objects.requireNonNull(schema, "schema");
  }

  @Override
  public String name() {
    return "PostgreSQL";
  }

  @Override
  public int schemaVersion() {
    return 3;
  }

  @Override
  public List<String> migration(int version) {
    if (version == 2) {
      // the W3C traceparent of the route() call, so a later delivery joins the accepting request's trace
      return List.of("ALTER TABLE lr_leads ADD COLUMN trace_context TEXT");
    }
    if (version == 3) {
      // payloads that could not be read unambiguously, kept as received (#16)
      return List.of("CREATE TABLE lr_quarantine (id BIGSERIAL PRIMARY KEY, received_at BIGINT NOT NULL,"
          + " origin TEXT NOT NULL, diagnosis_code TEXT NOT NULL, diagnosis_message TEXT NOT NULL,"
          + " diagnosis_fix TEXT NOT NULL, payload BYTEA NOT NULL)");
    }
    if (version != 1) {
      throw new IllegalArgumentException("no migration to version " + version);
    }
    return List.of(
        "CREATE TABLE lr_schema (version INTEGER NOT NULL)",
        "CREATE TABLE lr_leads (lead_id TEXT PRIMARY KEY, payload BYTEA NOT NULL, accepted_at BIGINT NOT NULL)",
        "CREATE INDEX lr_leads_accepted ON lr_leads (accepted_at)",
        "CREATE TABLE lr_deliveries (id BIGSERIAL PRIMARY KEY, lead_id TEXT NOT NULL, destination TEXT NOT NULL,"
            + " state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, due_at BIGINT NOT NULL,"
            + " lease_until BIGINT, accepted_at BIGINT NOT NULL, retry_since BIGINT NOT NULL,"
            + " updated_at BIGINT NOT NULL, last_error TEXT, diagnosis_code TEXT, diagnosis_message TEXT,"
            + " diagnosis_fix TEXT, outcome TEXT, record_id TEXT, UNIQUE (lead_id, destination))",
        "CREATE INDEX lr_deliveries_due ON lr_deliveries (destination, state, due_at)",
        "CREATE INDEX lr_deliveries_state ON lr_deliveries (state, destination, updated_at)",
        "CREATE INDEX lr_deliveries_lease ON lr_deliveries (lease_until) WHERE state = 'IN_FLIGHT'",
        "CREATE TABLE lr_destinations (name TEXT PRIMARY KEY, parked_until BIGINT, park_reason TEXT)",
        // one fixed window of calls per rate-limited destination, shared by every router on this schema
        "CREATE TABLE lr_rate_limits (destination TEXT PRIMARY KEY, window_start BIGINT NOT NULL,"
            + " used INTEGER NOT NULL)");
  }

  @Override
  public String insertLeadIgnoringDuplicate() {
    return "INSERT INTO lr_leads (lead_id, payload, accepted_at, trace_context) VALUES (?, ?, ?, ?)"
        + " ON CONFLICT (lead_id) DO NOTHING";
  }

  @Override
  public String selectDue() {
    // SKIP LOCKED: rows another router is claiming right now are left to it, so each is claimed exactly once
    return "SELECT d.id, d.lead_id, d.attempts, d.retry_since, l.payload, l.trace_context FROM lr_deliveries d"
        + " JOIN lr_leads l ON l.lead_id = d.lead_id"
        + " WHERE d.destination = ? AND d.state IN ('PENDING', 'PARKED') AND d.due_at <= ?"
        + " ORDER BY d.due_at LIMIT ? FOR UPDATE OF d SKIP LOCKED";
  }

  @Override
  public void durability(Connection connection, boolean durable) throws SQLException {
    // per transaction: only accepted leads must wait for the WAL flush; a lost claim or acknowledgement only causes
    // a redelivery, which sinks make idempotent
    try (Statement s = connection.createStatement()) {
      s.execute(durable ? "SET LOCAL synchronous_commit TO on" : "SET LOCAL synchronous_commit TO off");
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
}
