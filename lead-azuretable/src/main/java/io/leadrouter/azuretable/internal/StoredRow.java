package io.leadrouter.azuretable.internal;

import com.azure.data.tables.models.TableEntity;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A lead's row as the table already holds it, met on a redelivery: whether it holds the lead already (then nothing is
 * written, so the row's {@code Timestamp} stays and publishers' hourly {@code Timestamp gt <now-1h>} alerts do not
 * report the lead again), and the row that replaces it otherwise (the lead's columns, a stale one removed, plus every
 * column the publisher added).
 */
public final class StoredRow {
  /** The columns the sink writes for a lead (besides the keys); any other column is the publisher's. */
  public static final Set<String> LEAD_COLUMNS = Set.of("ActionCode", "CreatedTime", "CustomerInfo", "Description",
      "LeadSource", "OfferDisplayName", "Attributes");
  private static final String ETAG = "odata.etag";

  private StoredRow() {}

  /** Whether the stored row's lead columns are exactly the entity's (none more, none fewer, the same values). */
  public static boolean holds(TableEntity stored, TableEntity entity) {
    for (String column : LEAD_COLUMNS) {
      if (!same(entity.getProperty(column), stored.getProperty(column))) {
        return false;
      }
    }
    return true;
  }

  /**
   * The entity that replaces the stored row: the publisher's columns of the stored row, then the entity's; carrying
   * the stored row's ETag, so the write applies only if the row did not change since it was read.
   */
  public static TableEntity replacement(TableEntity stored, TableEntity entity) {
    TableEntity row = new TableEntity(entity.getPartitionKey(), entity.getRowKey());
    for (Map.Entry<String, Object> p : stored.getProperties().entrySet()) {
      String name = p.getKey();
      // the service's own columns and the OData annotations are not columns; the SDK writes a value's type itself
      if (p.getValue() != null && !LEAD_COLUMNS.contains(name) && !name.equals("PartitionKey")
          && !name.equals("RowKey") && !name.equals("Timestamp") && !name.startsWith("odata.")
          && !name.contains("@odata.")) {
        row.addProperty(name, p.getValue());
      }
    }
    entity.getProperties().forEach((name, value) -> {
      if (!name.equals("PartitionKey") && !name.equals("RowKey")) {
        row.addProperty(name, value);
      }
    });
    if (stored.getETag() != null) {
      row.addProperty(ETAG, stored.getETag());
    }
    return row;
  }

  private static boolean same(Object written, Object stored) {
    if (written instanceof OffsetDateTime w && stored instanceof OffsetDateTime s) {
      // Edm.DateTime keeps 100 ns ticks: a time written with finer digits reads back cut to them
      return ticks(w.toInstant()) == ticks(s.toInstant());
    }
    return Objects.equals(written, stored);
  }

  private static long ticks(Instant t) {
    return Math.multiplyExact(t.getEpochSecond(), 10_000_000L) + t.getNano() / 100;
  }
}
