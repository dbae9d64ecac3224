package io.leadrouter.azuretable.internal;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Optional;

/**
 * The Table service's size limits, checked before sending so an oversized lead fails at once with a clear reason
 * instead of a service error. Sizes follow the documented formula ("Understanding the Table service data model":
 * {@code 4 + 2 * len(PartitionKey + RowKey) + sum(8 + 2 * len(name) + size(value))}, strings {@code 4 + 2 * len}).
 */
public final class EntityLimits {
  /** Largest entity: 1 MiB. */
  public static final int MAX_ENTITY_BYTES = 1 << 20;
  /** Largest string property: 64 KiB (UTF-16). */
  public static final int MAX_STRING_BYTES = 64 * 1024;
  /** Most custom properties. */
  public static final int MAX_PROPERTIES = 252;
  /** Most entities in one entity-group transaction. */
  public static final int MAX_BATCH_ENTITIES = 100;
  /** Largest transaction payload: under 4 MiB; we keep 64 KiB for the multipart framing. */
  public static final int MAX_BATCH_BYTES = (4 << 20) - (64 << 10);
  private static final int OPERATION_OVERHEAD_BYTES = 1024;

  private EntityLimits() {}

  /** The earliest {@code Edm.DateTime} the Table service stores: 1601-01-01T00:00:00Z. */
  public static final Instant MIN_DATE_TIME = Instant.parse("1601-01-01T00:00:00Z");
  /** The latest {@code Edm.DateTime} the Table service stores: the end of 9999-12-31 UTC. */
  public static final Instant MAX_DATE_TIME = Instant.parse("9999-12-31T23:59:59.9999999Z");

  /**
   * A limit an entity breaks.
   *
   * @param property the property at fault, or empty when the entity as a whole is over a limit
   * @param message what is over which limit (names the property and its size; never its value)
   * @param outOfRange whether a value lies outside the type's range (rather than being too large)
   */
  public record Violation(Optional<String> property, String message, boolean outOfRange) {}

  /** Why the entity is over a limit, if it is (names the property and its size; never its value). */
  public static Optional<Violation> violation(String partitionKey, String rowKey, Map<String, Object> properties) {
    long size = 4 + 2L * (partitionKey.length() + rowKey.length());
    int custom = 0;
    for (Map.Entry<String, Object> p : properties.entrySet()) {
      String name = p.getKey();
      if (name.equals("PartitionKey") || name.equals("RowKey")) {
        continue;
      }
      custom++;
      long value = valueBytes(p.getValue());
      if (p.getValue() instanceof String s && value - 4 > MAX_STRING_BYTES) {
        return Optional.of(new Violation(Optional.of(name), "property " + name + " is " + (value - 4)
            + " bytes (UTF-16: " + s.length() + " UTF-16 code units, 2 bytes each), over the limit of "
            + MAX_STRING_BYTES + " bytes (" + MAX_STRING_BYTES / 2 + " code units) for a string", false));
      }
      if (p.getValue() instanceof OffsetDateTime t
          && (t.toInstant().isBefore(MIN_DATE_TIME) || t.toInstant().isAfter(MAX_DATE_TIME))) {
        return Optional.of(new Violation(Optional.of(name), "property " + name + " is " + t.toInstant()
            + ", outside the dates the Table service stores (Edm.DateTime, " + MIN_DATE_TIME + " to 9999-12-31 UTC):"
            + " the service would answer 400 OutOfRangeInput", true));
      }
      size += 8 + 2L * name.length() + value;
    }
    if (custom > MAX_PROPERTIES) {
      return Optional.of(new Violation(Optional.empty(), "the entity has " + custom
          + " properties, over the limit of " + MAX_PROPERTIES, false));
    }
    if (size > MAX_ENTITY_BYTES) {
      return Optional.of(new Violation(Optional.empty(), "the entity is " + size + " bytes, over the limit of "
          + MAX_ENTITY_BYTES + " bytes", false));
    }
    return Optional.empty();
  }

  /**
   * The entity's size as the service counts it (the formula above, strings in UTF-16), its keys and every property
   * given (a read entity's {@code Timestamp} and annotations included): what a read row weighs, for bounding how many
   * are held at once.
   */
  public static long entityBytes(Map<String, Object> properties) {
    long size = 4;
    for (Map.Entry<String, Object> p : properties.entrySet()) {
      size += 8 + 2L * p.getKey().length() + valueBytes(p.getValue());
    }
    return size;
  }

  /** An upper estimate of the entity's bytes in a transaction's JSON payload (UTF-8, escapes counted). */
  public static long payloadBytes(Map<String, Object> properties) {
    long size = OPERATION_OVERHEAD_BYTES;
    for (Map.Entry<String, Object> p : properties.entrySet()) {
      size += jsonStringBytes(p.getKey()) + 8;
      Object v = p.getValue();
      if (v instanceof OffsetDateTime) {
        size += 80; // the value plus its "@odata.type":"Edm.DateTime" annotation
      } else {
        size += jsonStringBytes(String.valueOf(v));
      }
    }
    return size;
  }

  private static long valueBytes(Object v) {
    if (v == null) {
      return 0;
    }
    if (v instanceof String s) {
      return 4 + 2L * s.length();
    }
    if (v instanceof byte[] b) {
      return 4 + b.length;
    }
    if (v instanceof Boolean) {
      return 1;
    }
    if (v instanceof Integer) {
      return 4;
    }
    if (v instanceof java.util.UUID) {
      return 16;
    }
    return 8; // DateTime, Int64, Double
  }

  private static long jsonStringBytes(String s) {
    long n = 2;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == '"' || c == '\\') {
        n += 6;
      } else if (c < 0x80) {
        n += 1;
      } else {
        n += 3; // at most 3 UTF-8 bytes per UTF-16 unit (a surrogate pair is 4 bytes for 2 units)
      }
    }
    return n;
  }
}
