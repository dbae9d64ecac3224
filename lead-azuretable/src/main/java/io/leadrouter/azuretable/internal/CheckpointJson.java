package io.leadrouter.azuretable.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.azuretable.PollerCheckpoint;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Set;
import java.util.TreeSet;

/** The stored form of a {@link PollerCheckpoint}: {@code {"timestamp":"...Z","seen":["pk/rk",...]}}. */
public final class CheckpointJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The earliest {@code Edm.DateTime} the Table service stores: no row's {@code Timestamp} is before it. */
  private static final Instant EARLIEST_ROW = Instant.parse("1601-01-01T00:00:00Z");

  private CheckpointJson() {}

  /** Encodes a checkpoint. */
  public static String write(PollerCheckpoint checkpoint) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("timestamp", checkpoint.timestamp().toString());
    checkpoint.seenKeys().forEach(root.putArray("seen")::add);
    return root.toString();
  }

  /**
   * Decodes a checkpoint.
   *
   * @throws IllegalStateException saying where the bad checkpoint is, so an operator can fix or delete it
   */
  public static PollerCheckpoint read(String json, String where) {
    try {
      JsonNode root = MAPPER.readTree(json);
      Set<String> seen = new TreeSet<>();
      root.path("seen").forEach(n -> seen.add(n.asText()));
      Instant timestamp = Instant.parse(root.path("timestamp").asText());
      if (timestamp.isBefore(EARLIEST_ROW)) { // no row has one: the poller's query would ask for a year it cannot write
        throw damaged(where, "its timestamp " + timestamp + " is before " + EARLIEST_ROW + ", the earliest a row of a "
            + "table can have", null);
      }
      return new PollerCheckpoint(timestamp, seen);
    } catch (JsonProcessingException | DateTimeParseException | NullPointerException e) {
      throw damaged(where, String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
    }
  }

  private static IllegalStateException damaged(String where, String why, Exception cause) {
    return new IllegalStateException("the poller checkpoint in " + where + " is damaged (" + why + "): fix or delete "
        + "it (deleting makes the poller start from the table's first row)", cause);
  }
}
