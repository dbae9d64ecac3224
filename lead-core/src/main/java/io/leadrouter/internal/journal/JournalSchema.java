package io.leadrouter.internal.journal;

import io.leadrouter.journal.spi.SqlDialect;
import java.util.ArrayList;
import java.util.List;

/**
 * The journal's schema, written once for every {@link SqlDialect}: the dialect supplies column types and its own
 * extras ({@link SqlDialect#extraMigration}). Version 2 keeps the route's W3C traceparent with the lead; version 3 adds the
 * quarantine, version 4 the lease's owner and epoch, which fence settlements: a router whose lease ended cannot record its result over the
 * new owner's; version 5 each delivery's customer key (a hash), so claims keep one customer at a time; version 6
 * the erasure receipts and the fallback spill (which deliveries were spilled, which are fallbacks); version 7 the
 * counters sinks keep across restarts (SinkCounters: Web-to-Lead's daily count); version 8 keys each delivery by its
 * lead's sequence number ({@code lr_leads.seq}, in acceptance order) instead of the lead id's text; version 9 when
 * each counter may be forgotten ({@code lr_counters.forget_after}, epoch milliseconds, null: kept), so the day counts
 * and settling waits of past days are pruned instead of kept for ever.
 *
 * <p>Why version 8: lead ids are random (GUIDs), so every index keyed by one puts each new lead on a page of its own.
 * A group commit of 64 leads then rewrites ~64 pages per such index, and the write-ahead log's checkpoint writes them
 * again. Deliveries were unique on {@code (lead_id, destination)}; they are now unique on {@code (lead_seq,
 * destination)}, which grows at its end like every other index of a fresh delivery, and lookups by lead id go
 * through the lead's own index ({@code lr_leads.lead_id}, the one index a random id still needs: it is how a lead
 * routed again is found). Measured with lead-bench {@code WriterCost} (see its README). {@code lr_deliveries.lead_id}
 * stays, unindexed, so reading a delivery needs no join.
 */
public final class JournalSchema {
  /** The newest schema version. */
  public static final int VERSION = 9;

  /** The rows that may still spill to a fallback; the spill query repeats it word for word (partial index). */
  public static final String UNSPILLED = "spilled_at IS NULL AND fallback_for IS NULL AND state <> 'DELIVERED'"
      + " AND state <> 'HANDED_OFF'";

  private JournalSchema() {}

  /** The statements taking the schema from {@code version - 1} to {@code version} (1 = from nothing). */
  public static List<String> migration(int version, SqlDialect d) {
    List<String> sql = new ArrayList<>();
    String int64 = d.int64Type();
    switch (version) {
      case 1 -> {
        sql.add("CREATE TABLE lr_schema (version INTEGER NOT NULL)");
        sql.add("CREATE TABLE lr_leads (lead_id TEXT PRIMARY KEY, payload " + d.bytesType() + " NOT NULL,"
            + " accepted_at " + int64 + " NOT NULL)");
        sql.add("CREATE INDEX lr_leads_accepted ON lr_leads (accepted_at)");
        sql.add("CREATE TABLE lr_deliveries (id " + d.generatedKey() + ", lead_id TEXT NOT NULL,"
            + " destination TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,"
            + " due_at " + int64 + " NOT NULL, lease_until " + int64 + ", accepted_at " + int64 + " NOT NULL,"
            + " retry_since " + int64 + " NOT NULL, updated_at " + int64 + " NOT NULL, last_error TEXT,"
            + " diagnosis_code TEXT, diagnosis_message TEXT, diagnosis_fix TEXT, outcome TEXT, record_id TEXT,"
            + " UNIQUE (lead_id, destination))");
        sql.add("CREATE INDEX lr_deliveries_due ON lr_deliveries (destination, state, due_at)");
        sql.add("CREATE INDEX lr_deliveries_state ON lr_deliveries (state, destination, updated_at)");
        sql.add("CREATE TABLE lr_destinations (name TEXT PRIMARY KEY, parked_until " + int64 + ", park_reason TEXT)");
      }
      case 2 -> {
        // the W3C traceparent of the route() call, so a later delivery joins the accepting request's trace
        sql.add("ALTER TABLE lr_leads ADD COLUMN trace_context TEXT");
      }
      case 3 -> {
        // payloads that could not be read unambiguously, kept as received (#16)
        sql.add("CREATE TABLE lr_quarantine (id " + d.generatedKey() + ", received_at " + int64 + " NOT NULL,"
            + " origin TEXT NOT NULL, diagnosis_code TEXT NOT NULL, diagnosis_message TEXT NOT NULL,"
            + " diagnosis_fix TEXT NOT NULL, payload " + d.bytesType() + " NOT NULL)");
      }
      case 4 -> {
        // who holds a claim, and which claim of the row it is: settlements name both, so a stale one matches nothing
        sql.add("ALTER TABLE lr_deliveries ADD COLUMN lease_owner TEXT");
        sql.add("ALTER TABLE lr_deliveries ADD COLUMN lease_epoch " + int64 + " NOT NULL DEFAULT 0");
      }
      case 5 -> {
        // one customer at a time per destination (#17): a hash of the customer's key (CustomerKey), and an index
        // of each destination's open deliveries per customer, which the claim's NOT EXISTS reads
        sql.add("ALTER TABLE lr_deliveries ADD COLUMN order_key TEXT");
        sql.add("CREATE INDEX lr_deliveries_customer ON lr_deliveries (destination, order_key, id)"
            + " WHERE state IN ('PENDING', 'PARKED', 'IN_FLIGHT')");
      }
      case 6 -> {
        // erasure receipts: never personal data, only the kind of identifier and the rows removed (#22)
        sql.add("CREATE TABLE lr_erasure (id " + d.generatedKey() + ", erased_at " + int64 + " NOT NULL,"
            + " subject TEXT NOT NULL, rows_erased TEXT NOT NULL, not_erased TEXT NOT NULL DEFAULT '')");
        // fallback spill (#22): a delivery is spilled once (spilled_at); a fallback delivery names the one it stands in for
        sql.add("ALTER TABLE lr_deliveries ADD COLUMN fallback_for TEXT");
        sql.add("ALTER TABLE lr_deliveries ADD COLUMN spilled_at " + int64);
        // only deliveries that may still spill: the spill check reads the oldest of one destination and stops
        sql.add("CREATE INDEX lr_deliveries_unspilled ON lr_deliveries (destination, accepted_at)"
            + " WHERE " + UNSPILLED);
      }
      case 7 -> {
        // counters a sink keeps across restarts, per destination (#17: Web-to-Lead's 500 a day)
        sql.add("CREATE TABLE lr_counters (destination TEXT NOT NULL, name TEXT NOT NULL, value " + int64
            + " NOT NULL, PRIMARY KEY (destination, name))");
      }
      case 8 -> {
        // no statement common to every database: SQLite cannot drop a constraint, so it rebuilds both tables
        // (SqliteDialect); PostgreSQL alters them in place, keeping its own indexes and settings (PostgresDialect)
      }
      case 9 -> {
        // when a counter's purpose has passed (SinkCounters' forgetAfter): one row per day or per lost create was
        // kept for ever. Nullable, so a router of the previous version still writes its rows (kept) during an upgrade
        sql.add("ALTER TABLE lr_counters ADD COLUMN forget_after " + int64);
      }
      default -> throw new IllegalArgumentException("no migration to version " + version);
    }
    sql.addAll(d.extraMigration(version));
    return sql;
  }
}
