package io.leadrouter.internal.descriptor;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import io.leadrouter.ConfigurationException;
import io.leadrouter.RouterDescriptor;
import io.leadrouter.RouterDescriptor.Format;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.reader.ReaderException;

/**
 * Reads descriptor text into a tree of maps, lists and text. Every scalar is kept exactly as written ({@code 1.10}
 * stays {@code 1.10}, {@code yes} stays {@code yes}), because sink settings reach providers as strings. Duplicate keys
 * are errors; size and nesting are bounded so that a hostile file cannot exhaust memory; YAML aliases are refused
 * (Jackson does not expand them, so they would silently turn into their anchor's name).
 */
final class DescriptorReader {
  /** Deepest nesting accepted; a real descriptor needs five levels ({@code sinks.crm.mapping.x}). */
  static final int MAX_NESTING = 20;

  private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) '(.*)'");
  /** Jackson quotes the unquoted word it could not read, which may be a secret pasted inline. */
  /** Jackson's words for a parsing limit passed: what, how much, the most allowed. */
  private static final Pattern LIMIT = Pattern.compile(
      "(Document nesting depth|Number value|Name|String value|Document) (?:length )?\\((\\d+)\\) exceeds the maximum"
          + " allowed \\((\\d+)");
  private static final Pattern UNRECOGNIZED = Pattern.compile("Unrecognized token '.*", Pattern.DOTALL);
  private static final StreamReadConstraints LIMITS = StreamReadConstraints.builder()
      .maxNestingDepth(MAX_NESTING)
      .maxDocumentLength(RouterDescriptor.MAX_SIZE)
      .maxStringLength(RouterDescriptor.MAX_SIZE)
      .maxNameLength(1024)
      .build();
  private static final JsonFactory JSON = JsonFactory.builder()
      .streamReadConstraints(LIMITS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final YAMLFactory YAML = YAMLFactory.builder()
      .loaderOptions(loaderOptions())
      .streamReadConstraints(LIMITS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private DescriptorReader() {}

  private static LoaderOptions loaderOptions() {
    LoaderOptions options = new LoaderOptions();
    options.setCodePointLimit(RouterDescriptor.MAX_SIZE);
    options.setNestingDepthLimit(MAX_NESTING);
    options.setMaxAliasesForCollections(0);
    options.setAllowDuplicateKeys(false);
    options.setAllowRecursiveKeys(false);
    return options;
  }

  /**
   * The document's root map. A document that cannot be read as a map (syntax error, naming line and column; empty;
   * a list) is thrown at once; refused aliases and extra documents are recorded in {@code problems}.
   *
   * @param origin the file name, or {@code descriptor} for text, used as the path of whole-document problems
   */
  static ObjectNode read(String text, Format format, String origin, Problems problems) {
    if (text.length() > RouterDescriptor.MAX_SIZE) {
      throw tooLarge(origin);
    }
    try (JsonParser parser = (format == Format.YAML ? YAML : JSON).createParser(text)) {
      try {
        if (parser.nextToken() == null) {
          throw new ConfigurationException(origin, "is empty", "define at least the sinks section");
        }
        JsonNode root = node(parser, "", problems);
        if (parser.nextToken() != null) {
          problems.add(origin, "holds more than one document",
              format == Format.YAML ? "keep one YAML document (remove the extra ---)" : "keep one JSON object");
        }
        if (!root.isObject()) {
          throw new ConfigurationException(origin, "is " + Values.describe(root) + ", not a map of sections",
              "start with the sections, e.g. sinks:");
        }
        return (ObjectNode) root;
      } catch (StreamConstraintsException e) {
        throw overLimit(e, parser, origin);
      }
    } catch (JsonProcessingException e) {
      throw malformed(e, format, origin, text);
    } catch (IOException e) {
      throw new IllegalStateException("reading from a string cannot fail", e);
    }
  }

  /**
   * A document over one of the parsing limits, named by the key where the parser stopped (Jackson's exception knows
   * neither the key nor the line), with the limit passed.
   */
  private static ConfigurationException overLimit(StreamConstraintsException e, JsonParser parser, String origin) {
    JsonStreamContext context = parser.getParsingContext();
    Matcher limit = LIMIT.matcher(String.valueOf(e.getOriginalMessage()));
    boolean name = limit.lookingAt() && limit.group(1).equals("Name");
    String path;
    if (context == null || context.inRoot()) {
      path = "";
    } else if (name || context.inObject() && context.getCurrentName() == null) {
      path = parentPath(context); // the map holding the key
    } else if (context.inArray()) {
      path = Problems.at(parentPath(context), Math.max(context.getCurrentIndex(), 0));
    } else {
      path = Problems.at(parentPath(context), context.getCurrentName());
    }
    JsonLocation location = parser.currentLocation();
    String at = location == null || location.getLineNr() < 1 ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    String what = !limit.lookingAt() ? "is nested too deep or too large"
        : switch (limit.group(1)) {
          case "Document nesting depth" -> "is nested deeper than " + MAX_NESTING + " levels";
          case "Number value" -> "is a number of " + limit.group(2) + " digits (at most " + limit.group(3) + ")";
          case "Name" -> "holds a key of " + limit.group(2) + " characters (at most " + limit.group(3) + ")";
          default -> "is too large (" + limit.group(2) + " characters, at most " + limit.group(3) + ")";
        };
    return new ConfigurationException(path.isEmpty() ? origin : path, what + at,
        "a descriptor needs only a few levels and short values: check the file there");
  }

  /** The problem for a descriptor over {@link RouterDescriptor#MAX_SIZE}. */
  static ConfigurationException tooLarge(String origin) {
    return new ConfigurationException(origin, "is larger than " + (RouterDescriptor.MAX_SIZE >> 20) + " MiB",
        "a descriptor is a few KiB: check that this is the right file");
  }

  /** Reads the value at the parser's current token, recursively; scalars become text as written. */
  private static JsonNode node(JsonParser parser, String path, Problems problems) throws IOException {
    switch (parser.currentToken()) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        while (parser.nextToken() == JsonToken.FIELD_NAME) {
          String key = parser.currentName();
          parser.nextToken();
          object.set(key, node(parser, Problems.at(path, key), problems));
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        while (parser.nextToken() != JsonToken.END_ARRAY) {
          array.add(node(parser, Problems.at(path, array.size()), problems));
        }
        return array;
      }
      case VALUE_NULL -> {
        return NullNode.getInstance();
      }
      default -> {
        if (parser instanceof YAMLParser yaml && yaml.isCurrentAlias()) {
          problems.add(path, "is a YAML alias (*" + parser.getText() + "), which descriptors do not support",
              "write the value out in full");
        }
        return TextNode.valueOf(parser.getText());
      }
    }
  }

  /** The key path of the map that {@code context} reads a key of: {@code sinks}, {@code routes[0]}; empty at the top. */
  private static String parentPath(JsonStreamContext context) {
    java.util.Deque<JsonStreamContext> outer = new java.util.ArrayDeque<>();
    for (JsonStreamContext c = context.getParent(); c != null && !c.inRoot(); c = c.getParent()) {
      outer.push(c);
    }
    String path = "";
    for (JsonStreamContext c : outer) {
      path = c.inArray() ? Problems.at(path, c.getCurrentIndex()) : Problems.at(path, c.getCurrentName());
    }
    return path;
  }

  /** Line {@code number} (from 1) of {@code text}; empty when there is no such line. */
  private static String line(String text, int number) {
    return number < 1 ? "" : text.lines().skip(number - 1).findFirst().orElse("");
  }

  /**
   * A control character, which SnakeYAML refuses before parsing with an error that has no mark (so Jackson places it
   * at line 1, column 1): located here by its first occurrence, which is where the reader stopped.
   */
  private static ConfigurationException controlCharacter(ReaderException e, String origin, String text) {
    int index = text.indexOf(e.getCodePoint());
    String at = "";
    if (index >= 0) {
      int lineStart = text.lastIndexOf('\n', index) + 1;
      long line = text.substring(0, lineStart).chars().filter(c -> c == '\n').count() + 1;
      at = " at line " + line + ", column " + (text.codePointCount(lineStart, index) + 1);
    }
    return new ConfigurationException(origin, "is not valid YAML" + at + ": holds the control character "
        + String.format("U+%04X", e.getCodePoint()), "remove it: a descriptor holds text only");
  }

  private static ConfigurationException malformed(JsonProcessingException e, Format format, String origin,
      String text) {
    if (e.getCause() instanceof ReaderException control) {
      return controlCharacter(control, origin, text);
    }
    String what = e.getOriginalMessage();
    JsonLocation location = e.getLocation();
    int line = location == null ? -1 : location.getLineNr();
    int column = location == null ? -1 : location.getColumnNr();
    if (e.getCause() instanceof MarkedYAMLException yaml && yaml.getProblemMark() != null) {
      // SnakeYAML's own message repeats the source with a caret over several lines; keep its problem and mark
      Mark mark = yaml.getProblemMark();
      line = mark.getLine() + 1;
      column = mark.getColumn() + 1;
      what = yaml.getContext() == null ? yaml.getProblem() : yaml.getContext() + ": " + yaml.getProblem();
    }
    String at = line < 1 ? "" : " at line " + line + ", column " + column;
    if (UNRECOGNIZED.matcher(what).matches()) {
      what = "a word that is no JSON value (quote text, write secrets as ${ENV_VAR})";
    }
    if (what.startsWith("Expected a field name")) {
      // YAML's "? [a, b]" key: Jackson's words end in a parser event's class name
      what = "a key that is a list or a map";
    }
    Matcher duplicate = DUPLICATE.matcher(what);
    if (duplicate.matches()) {
      // named by its key path as written (sinks.local), as every other problem is, with the line of the second one
      String key = e.getProcessor() instanceof JsonParser parser
          ? Problems.at(parentPath(parser.getParsingContext()), duplicate.group(1)) : duplicate.group(1);
      return new ConfigurationException(key, "is written twice" + at, "keep one of them");
    }
    String fix = format == Format.JSON ? "fix the JSON syntax there (a descriptor written in YAML is named .yaml)"
        : what.startsWith("while parsing a flow") && line(text, line).contains("${")
            ? "quote the reference there: inside {...} or [...] write \"${ENV_VAR}\""
            : "fix the YAML syntax there (indent with spaces, quote values containing ': ')";
    return new ConfigurationException(origin, "is not valid " + format + at + ": " + what, fix);
  }
}
