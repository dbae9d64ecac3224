package io.leadrouter.internal.descriptor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.internal.Spelling;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import io.leadrouter.spi.SinkConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;

/**
 * Reads typed values from a descriptor tree (whose scalars are all text), recording one problem with the node's
 * path for each value that is missing its shape or syntax, and returning empty for it.
 */
final class Values {
  private static final String DURATION_FIX = "write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S";
  /** Longest duration a descriptor may set: 100 years; anything longer is a typo that would overflow at run time. */
  static final Duration MAX_DURATION = SinkConfig.MAX_DURATION;

  private Values() {}

  /** How a node reads in a message: {@code a map}, {@code a list}, {@code a value}, {@code empty}. */
  static String describe(JsonNode node) {
    if (node.isObject()) {
      return "a map";
    }
    if (node.isArray()) {
      return "a list";
    }
    return node.isNull() ? "empty" : "a value";
  }

  /** Whether the node is absent, null or empty text: the key was written without a value. */
  static boolean isEmpty(JsonNode node) {
    return node == null || node.isNull() || (node.isTextual() && node.asText().isBlank());
  }

  /** A map node; an empty one for an absent or valueless key; empty (with a problem) for anything else. */
  static Optional<ObjectNode> map(JsonNode node, String path, String fix, Problems problems) {
    if (isEmpty(node)) {
      return Optional.of(JsonNodeFactory.instance.objectNode());
    }
    if (node.isObject()) {
      return Optional.of((ObjectNode) node);
    }
    problems.add(path, "is " + describe(node) + ", expected a map", fix);
    return Optional.empty();
  }

  /** Records every key of {@code node} that is not in {@code allowed}, naming the allowed ones. */
  static void onlyKeys(ObjectNode node, String path, String what, List<String> allowed, Problems problems) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        String oneOf = "use one of " + String.join(", ", allowed);
        problems.add(Problems.at(path, key), "is not " + what,
            Spelling.didYouMean(key, allowed).map(s -> s + " otherwise " + oneOf).orElse(oneOf));
      }
    }
  }

  /** A single text value, stripped; empty when absent or blank; a problem when a map or list. */
  static Optional<String> text(JsonNode node, String path, Problems problems) {
    if (isEmpty(node)) {
      return Optional.empty();
    }
    if (node.isContainerNode()) {
      problems.add(path, "is " + describe(node) + ", expected a single value", "write one value");
      return Optional.empty();
    }
    return Optional.of(node.asText().strip());
  }

  /** A list of non-empty texts; a single value counts as a list of one; empty for an absent key. */
  static List<String> texts(JsonNode node, String path, Problems problems) {
    List<String> out = new ArrayList<>();
    if (isEmpty(node)) {
      return out;
    }
    if (!node.isArray()) {
      text(node, path, problems).ifPresent(out::add);
      return out;
    }
    for (int i = 0; i < node.size(); i++) {
      String at = Problems.at(path, i);
      if (isEmpty(node.get(i))) {
        problems.add(at, "is empty", "remove it or write a value");
      } else {
        text(node.get(i), at, problems).ifPresent(out::add);
      }
    }
    return out;
  }

  /** A positive duration in the syntax of {@link SinkConfig#parseDuration}. */
  static Optional<Duration> duration(JsonNode node, String path, Problems problems) {
    return text(node, path, problems).flatMap(text -> {
      Optional<Duration> parsed = SinkConfig.parseDuration(text);
      if (parsed.isEmpty() || parsed.get().isNegative()) {
        problems.add(path, "'" + text + "'" + (negative(text) ? " is negative" : " is not a duration"),
            DURATION_FIX);
        return Optional.empty();
      }
      if (parsed.get().isZero()) {
        problems.add(path, "'" + text + "' is not a positive duration", DURATION_FIX);
        return Optional.empty();
      }
      if (parsed.get().compareTo(MAX_DURATION) > 0) {
        problems.add(path, "'" + text + "' is longer than 100 years", "write at most 36500d, e.g. 30d");
        return Optional.empty();
      }
      return parsed;
    });
  }

  /** Whether {@code text} is a duration below zero: {@code PT-5S}, or {@code -5s} (the short form reads no sign). */
  private static boolean negative(String text) {
    return SinkConfig.parseDuration(text).map(Duration::isNegative).orElse(false)
        || text.startsWith("-") && SinkConfig.parseDuration(text.substring(1)).isPresent();
  }

  /** A whole number from {@code min} to {@code max}. */
  static Optional<Integer> integer(JsonNode node, String path, int min, int max, Problems problems) {
    return text(node, path, problems).flatMap(text -> {
      String range = "use a value from " + min + " to " + max;
      try {
        int value = Integer.parseInt(text);
        if (value < min || value > max) {
          problems.add(path, value + " is out of range", range);
          return Optional.empty();
        }
        return Optional.of(value);
      } catch (NumberFormatException e) {
        problems.add(path, "'" + text + "' is not a whole number", range);
        return Optional.empty();
      }
    });
  }

  /** A rate limit {@code permits/period}, e.g. {@code 100/20s}; {@code 10/s} means ten per second. */
  static Optional<RateLimit> rateLimit(JsonNode node, String path, Problems problems) {
    return text(node, path, problems).flatMap(text -> {
      int slash = text.indexOf('/');
      if (slash > 0) {
        String period = text.substring(slash + 1).strip();
        Optional<Duration> duration = SinkConfig.parseDuration(
            !period.isEmpty() && Character.isLetter(period.charAt(0)) && !period.startsWith("P") ? "1" + period
                : period);
        try {
          int permits = Integer.parseInt(text.substring(0, slash).strip());
          if (permits > 0 && duration.isPresent() && duration.get().compareTo(RateLimit.MAX_PERIOD) > 0) {
            problems.add(path, "'" + text + "' has a period longer than 366 days, which no limit can keep",
                "write a period of at most 366d; for a daily quota write e.g. 10000/1d");
            return Optional.empty();
          }
          if (permits > 0 && duration.isPresent() && !duration.get().isNegative() && !duration.get().isZero()) {
            return Optional.of(new RateLimit(permits, duration.get()));
          }
        } catch (NumberFormatException e) {
          // reported below, with the expected form
        }
      }
      problems.add(path, "'" + text + "' is not a rate limit", "write permits/period, e.g. 100/20s or 10/s");
      return Optional.empty();
    });
  }

  /** A duration as a descriptor would write it: {@code 500ms}, {@code 30s}, {@code 15m}, {@code 2h}, {@code 3d}. */
  static String human(Duration d) {
    long ms = d.toMillis();
    if (ms % 1000 != 0) {
      return ms + "ms";
    }
    long s = ms / 1000;
    if (s != 0 && s % 86_400 == 0) {
      return s / 86_400 + "d";
    }
    if (s != 0 && s % 3600 == 0) {
      return s / 3600 + "h";
    }
    return s != 0 && s % 60 == 0 ? s / 60 + "m" : s + "s";
  }
}
