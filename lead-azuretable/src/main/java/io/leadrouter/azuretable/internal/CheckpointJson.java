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
      return new PollerCheckpoint(Instant.parse(root.path("timestamp").asText()), seen);
    } catch (JsonProcessingException | DateTimeParseException | NullPointerException e) {
      throw new IllegalStateException("the poller checkpoint in " + where + " is damaged (" + String.valueOf(
          e.getMessage()).lines().findFirst().orElse("") + "): fix or delete it (deleting makes the poller start "
          + "from the table's first row)", e);
    }
  }
}
