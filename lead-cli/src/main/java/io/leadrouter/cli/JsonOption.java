package io.leadrouter.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * The {@code --json} option of the commands that print a table ({@code inspect}, {@code erase}), and how they print
 * JSON instead: one indented document, so the two commands' output reads alike.
 */
final class JsonOption {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Option(names = "--json", description = "print JSON instead of a table")
  boolean json;

  /** A new JSON object to fill. */
  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** A new JSON array to fill. */
  static ArrayNode array() {
    return JSON.createArrayNode();
  }

  /** Prints {@code document}, indented. */
  static void print(PrintWriter out, JsonNode document) throws JsonProcessingException {
    out.println(JSON.writeValueAsString(document));
  }
}
