package io.leadrouter.azuretable;

import java.time.Instant;
import java.util.Collections;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * How far {@link AzureTableLeadPoller} has read: the {@code Timestamp} of the last row taken, and the keys
 * ({@code PartitionKey/RowKey}) of the rows taken at exactly that timestamp. The next poll asks for
 * {@code Timestamp ge timestamp} and skips those keys, so rows sharing a timestamp (an entity-group transaction
 * gives all its rows one) are neither skipped nor repeated.
 *
 * @param timestamp the newest row timestamp taken
 * @param seenKeys keys of the rows taken at exactly {@code timestamp}
 */
public record PollerCheckpoint(Instant timestamp, Set<String> seenKeys) {
  /** Where a poller with no checkpoint starts: every row in the table. */
  public static final PollerCheckpoint BEGINNING = new PollerCheckpoint(Instant.EPOCH, Set.of());

  /** Checks parts and copies the keys (sorted). */
  public PollerCheckpoint {
    Objects.requireNonNull(timestamp, "timestamp");
    seenKeys = Collections.unmodifiableSet(new TreeSet<>(seenKeys));
  }

  /** The key of a row: {@code PartitionKey/RowKey} ({@code /} cannot occur in either). */
  public static String key(String partitionKey, String rowKey) {
    return partitionKey + "/" + rowKey;
  }

  /** Whether the row at {@code rowTimestamp} with {@code key} was already taken. */
  public boolean covers(Instant rowTimestamp, String key) {
    return rowTimestamp.isBefore(timestamp) || rowTimestamp.equals(timestamp) && seenKeys.contains(key);
  }

  /** The checkpoint after also taking the row at {@code rowTimestamp} with {@code key}. */
  public PollerCheckpoint advance(Instant rowTimestamp, String key) {
    if (rowTimestamp.isAfter(timestamp)) {
      return new PollerCheckpoint(rowTimestamp, Set.of(key));
    }
    Set<String> seen = new TreeSet<>(seenKeys);
    seen.add(key);
    return new PollerCheckpoint(timestamp, seen);
  }
}
