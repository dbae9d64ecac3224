package io.leadrouter.internal.descriptor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.DeliveryPolicy;
import io.leadrouter.RouterDescriptor.SinkDescriptor;
import io.leadrouter.spi.SinkCapabilities.RateLimit;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.spi.Secret;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the {@code sinks} section: per sink its type, its other settings flattened into a {@link SinkConfig} (nested
 * maps as dotted keys, lists comma-separated, references resolved into secrets) and the reserved {@code delivery}
 * map as a {@link DeliveryPolicy}. Which settings a type accepts is its provider's business, not checked here.
 */
final class SinkSection {
  /** The settings of the reserved {@code delivery} map, in the order messages list them. */
  static final List<String> DELIVERY_KEYS = List.of("maxConcurrency", "maxBatchSize", "rateLimit", "initialBackoff",
      "maxBackoff", "maxRetryAfter", "giveUpAfter", "breakerFailureRate", "breakerOpenFor", "fallback", "fallbackAfter",
      "payloadRetention");

  /** Delivery settings also accepted beside {@code type}, as the issue writes them ({@code fallback: archive}). */
  static final List<String> SINK_LEVEL_DELIVERY_KEYS = List.of("fallback", "fallbackAfter", "payloadRetention");

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_-]*");
  private static final String TYPE = "type";
  private static final String DELIVERY = "delivery";

  private SinkSection() {}

  /**
   * The sinks that are valid, by name in the order written; every problem found is recorded. {@code settings}
   * receives the settings of every sink that names a type, valid or not, so that its provider can still check them
   * when the descriptor has problems of its own ({@link SinkSettingsCheck}).
   */
  static Map<String, SinkDescriptor> read(JsonNode section, References references, Problems problems,
      Map<String, SinkConfig> settings) {
    Map<String, SinkDescriptor> sinks = new LinkedHashMap<>();
    Optional<ObjectNode> map = Values.map(section, "sinks", "list the sinks by name, each with its settings",
        problems);
    if (map.isEmpty()) {
      return sinks;
    }
    if (map.get().isEmpty()) {
      problems.add("sinks", "defines no sink",
          "define at least one, e.g. local with type: file and path: out/leads.ndjson");
    }
    map.get().fields().forEachRemaining(e -> sink(e.getKey(), e.getValue(), references, problems, settings)
        .ifPresent(sink -> sinks.put(sink.name(), sink)));
    return sinks;
  }

  private static Optional<SinkDescriptor> sink(String name, JsonNode node, References references, Problems problems,
      Map<String, SinkConfig> checkable) {
    String path = Problems.at("sinks", name);
    int before = problems.count();
    if (!NAME.matcher(name).matches()) {
      problems.add(path, "'" + name + "' is not a valid sink name",
          "use lower-case letters, digits, _ and -, starting with a letter");
    }
    Optional<ObjectNode> settings = Values.map(node, path, "write the sink's settings under its name, starting with "
        + "type", problems);
    if (settings.isEmpty()) {
      return Optional.empty();
    }
    String typePath = Problems.at(path, TYPE);
    if (Values.isEmpty(settings.get().get(TYPE))) {
      problems.add(typePath, "is required", "set the sink's type, e.g. file, https or dynamics");
    }
    String type = Values.text(settings.get().get(TYPE), typePath, problems).orElse("");
    SinkConfig.Builder config = SinkConfig.builder(name, type).baseDirectory(references.baseDir());
    settings.get().fields().forEachRemaining(e -> {
      if (!e.getKey().equals(TYPE) && !e.getKey().equals(DELIVERY)
          && !SINK_LEVEL_DELIVERY_KEYS.contains(e.getKey())) {
        setting(e.getKey(), e.getValue(), path, config, references, problems);
      }
    });
    JsonNode deliveryNode = settings.get().get(DELIVERY);
    for (String key : SINK_LEVEL_DELIVERY_KEYS) {
      JsonNode v = settings.get().get(key);
      if (v == null || deliveryNode != null && !deliveryNode.isObject() && !Values.isEmpty(deliveryNode)) {
        continue; // a delivery that is no map is reported as such: merged into a new map, it would vanish
      }
      if (deliveryNode != null && deliveryNode.isObject() && deliveryNode.has(key)) {
        problems.add(Problems.at(path, key), "is set here and under delivery", "set it in one place");
        continue;
      }
      ObjectNode merged = deliveryNode != null && deliveryNode.isObject() ? ((ObjectNode) deliveryNode).deepCopy()
          : com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
      merged.set(key, v);
      deliveryNode = merged;
    }
    Optional<DeliveryPolicy> delivery = delivery(deliveryNode, Problems.at(path, DELIVERY), problems);
    SinkConfig built = config.build();
    if (!type.isEmpty()) {
      checkable.put(name, built);
    }
    if (problems.count() > before || delivery.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new SinkDescriptor(name, type, built, delivery.get()));
  }

  /** Adds one setting: maps flatten to dotted keys, lists join with commas, references become secrets or references. */
  private static void setting(String key, JsonNode value, String sinkPath, SinkConfig.Builder config,
      References references, Problems problems) {
    String path = Problems.at(sinkPath, key);
    if (value.isObject()) {
      value.fields().forEachRemaining(e -> setting(key + "." + e.getKey(), e.getValue(), sinkPath, config,
          references, problems));
      return;
    }
    String text;
    if (value.isArray()) {
      List<String> items = new ArrayList<>();
      for (int i = 0; i < value.size(); i++) {
        if (value.get(i).isContainerNode()) {
          problems.add(Problems.at(path, i), "is " + Values.describe(value.get(i)) + " inside a list",
              "sink settings take lists of plain values only");
        } else {
          items.add(value.get(i).isNull() ? "" : value.get(i).asText());
        }
      }
      text = String.join(",", items);
    } else {
      text = value.isNull() ? "" : value.asText();
    }
    Optional<References.Resolved> resolved = references.resolve(text, path, problems);
    if (resolved.isEmpty()) {
      // kept without a value, so that the provider still says whether the key is one of its settings: a typo'd key
      // naming an unset variable is two mistakes, and one run names both
      config.put(key, "");
    } else if (resolved.get().marked()) {
      config.secret(key, Secret.of(resolved.get().value()), text); // the written text names the reference
    } else if (resolved.get().secret()) {
      // ${CRM_URL}: a secret only if the sink reads it as one; read as a URL, it stays readable in its errors
      config.reference(key, resolved.get().value(), text);
    } else {
      config.put(key, resolved.get().value());
    }
  }

  /** The reserved {@code delivery} map as a policy over {@link DeliveryPolicy#DEFAULTS}; empty when invalid. */
  private static Optional<DeliveryPolicy> delivery(JsonNode node, String path, Problems problems) {
    Optional<ObjectNode> map = Values.map(node, path, "write e.g. delivery: {maxConcurrency: 4, rateLimit: 100/20s}",
        problems);
    if (map.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode d = map.get();
    int before = problems.count();
    Values.onlyKeys(d, path, "a delivery setting", DELIVERY_KEYS, problems);
    DeliveryPolicy defaults = DeliveryPolicy.DEFAULTS;
    Optional<Integer> concurrency = Values.integer(d.get("maxConcurrency"), Problems.at(path, "maxConcurrency"), 1,
        1000, problems);
    Optional<Integer> batchSize = Values.integer(d.get("maxBatchSize"), Problems.at(path, "maxBatchSize"), 1,
        10_000, problems);
    Optional<RateLimit> rateLimit = Values.rateLimit(d.get("rateLimit"), Problems.at(path, "rateLimit"), problems);
    Duration initialBackoff = duration(d, path, "initialBackoff", problems).orElse(defaults.initialBackoff());
    Duration maxBackoff = duration(d, path, "maxBackoff", problems).orElse(defaults.maxBackoff());
    Duration maxRetryAfter = duration(d, path, "maxRetryAfter", problems).orElse(defaults.maxRetryAfter());
    Duration giveUpAfter = duration(d, path, "giveUpAfter", problems).orElse(defaults.giveUpAfter());
    int failureRate = Values.integer(d.get("breakerFailureRate"), Problems.at(path, "breakerFailureRate"), 1, 100,
        problems).orElse(defaults.breakerFailureRatePercent());
    Duration breakerOpenFor = duration(d, path, "breakerOpenFor", problems).orElse(defaults.breakerOpenFor());
    Optional<String> fallback = Values.text(d.get("fallback"), Problems.at(path, "fallback"), problems)
        .map(String::strip).filter(f -> !f.isEmpty());
    Optional<Duration> fallbackAfter = duration(d, path, "fallbackAfter", problems);
    Optional<Duration> payloadRetention = duration(d, path, "payloadRetention", problems);
    if (fallbackAfter.isPresent() && fallback.isEmpty()) {
      problems.add(Problems.at(path, "fallbackAfter"), "is set without a fallback",
          "name the destination that takes the leads, e.g. fallback: archive");
    }
    if (maxBackoff.compareTo(initialBackoff) < 0) {
      problems.add(Problems.at(path, "maxBackoff"), Values.human(maxBackoff) + " is shorter than initialBackoff "
          + Values.human(initialBackoff), "raise maxBackoff or lower initialBackoff");
    }
    if (problems.count() > before) {
      return Optional.empty();
    }
    DeliveryPolicy.Builder policy = DeliveryPolicy.builder().backoff(initialBackoff, maxBackoff)
        .maxRetryAfter(maxRetryAfter).giveUpAfter(giveUpAfter).breaker(failureRate, breakerOpenFor);
    concurrency.ifPresent(policy::inFlight);
    batchSize.ifPresent(policy::maxBatchSize);
    rateLimit.ifPresent(r -> policy.rateLimit(r.permits(), r.period()));
    fallback.ifPresent(f -> policy.fallback(f, fallbackAfter.orElse(DeliveryPolicy.DEFAULT_FALLBACK_AFTER)));
    payloadRetention.ifPresent(policy::payloadRetention);
    return Optional.of(policy.build());
  }

  private static Optional<Duration> duration(ObjectNode delivery, String path, String key, Problems problems) {
    return Values.duration(delivery.get(key), Problems.at(path, key), problems);
  }
}
