package io.leadrouter;

import io.leadrouter.internal.descriptor.DescriptorLoader;
import io.leadrouter.spi.SinkConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * The router described as data, read from {@code leadrouter.yaml} or {@code leadrouter.json}: the journal, the
 * sinks with their settings (secrets as {@code ${ENV_VAR}} or {@code ${file:/path}} references) and the routing
 * rules. Loading validates the whole file and reports every problem at once in one {@link ConfigurationException}.
 *
 * @param journal where accepted leads are kept until delivered
 * @param sinks the destinations by name, in the order the descriptor lists them
 * @param routes the routing rules; every matching rule contributes its sinks
 * @param defaultRoute the sinks for leads that no rule matches; empty when there is none
 */
public record RouterDescriptor(
    JournalSettings journal, Map<String, SinkDescriptor> sinks, List<RoutingRule> routes, List<String> defaultRoute) {

  /** The largest descriptor read, in bytes (and characters): 1 MiB, far above any real router. */
  public static final int MAX_SIZE = 1 << 20;

  /** Checks that every part is present and that each sink is filed under its own name; copies the collections. */
  public RouterDescriptor {
    Objects.requireNonNull(journal, "journal");
    Objects.requireNonNull(sinks, "sinks");
    sinks.forEach((name, sink) -> {
      if (!name.equals(sink.name())) {
        throw new IllegalArgumentException("sink '" + sink.name() + "' is filed under '" + name + "'");
      }
    });
    sinks = Collections.unmodifiableMap(new LinkedHashMap<>(sinks));
    routes = List.copyOf(routes);
    defaultRoute = List.copyOf(defaultRoute);
  }

  /**
   * Reads and validates a descriptor file ({@code .yaml}, {@code .yml} or {@code .json}), resolving
   * {@code ${ENV_VAR}} references from the process environment.
   *
   * @throws ConfigurationException listing every problem, each with its path and fix
   */
  public static RouterDescriptor load(Path file) {
    return load(file, name -> Optional.ofNullable(System.getenv(name)));
  }

  /**
   * Reads and validates a descriptor file, resolving {@code ${ENV_VAR}} references with {@code env}.
   *
   * @throws ConfigurationException listing every problem, each with its path and fix
   */
  public static RouterDescriptor load(Path file, Function<String, Optional<String>> env) {
    return DescriptorLoader.load(Objects.requireNonNull(file, "file"), Objects.requireNonNull(env, "env"));
  }

  /**
   * Parses and validates descriptor text; relative paths (journal, {@code ${file:...}} references) resolve against
   * {@code baseDir} and {@code ${ENV_VAR}} references through {@code env}.
   *
   * @throws ConfigurationException listing every problem, each with its path and fix
   */
  public static RouterDescriptor parse(
      String text, Format format, Path baseDir, Function<String, Optional<String>> env) {
    return DescriptorLoader.parse(Objects.requireNonNull(text, "text"), Objects.requireNonNull(format, "format"),
        Objects.requireNonNull(baseDir, "baseDir"), Objects.requireNonNull(env, "env"), "descriptor");
  }

  /** The syntax a descriptor is written in. */
  public enum Format {
    /** YAML ({@code .yaml}, {@code .yml}). */
    YAML,
    /** JSON ({@code .json}). */
    JSON;

    /**
     * The format of a descriptor file, by its extension.
     *
     * @throws ConfigurationException when the extension is none of {@code .yaml}, {@code .yml}, {@code .json}
     */
    public static Format of(Path file) {
      Path name = Objects.requireNonNull(file, "file").getFileName();
      String text = name == null ? "" : name.toString().toLowerCase(Locale.ROOT);
      if (text.endsWith(".yaml") || text.endsWith(".yml")) {
        return YAML;
      }
      if (text.endsWith(".json")) {
        return JSON;
      }
      throw new ConfigurationException(file.toString(), "is not a .yaml, .yml or .json file",
          "name the descriptor e.g. leadrouter.yaml or leadrouter.json");
    }
  }

  /**
   * Where the router keeps accepted leads.
   *
   * @param type {@value #SQLITE} (durable, the default) or {@value #MEMORY} (tests only: lost on exit)
   * @param path the SQLite database file, absolute; empty for the memory journal
   * @param retention how long delivered and dead-lettered rows are kept before they are purged
   */
  public record JournalSettings(String type, Optional<Path> path, Duration retention) {
    /** The durable journal type. */
    public static final String SQLITE = "sqlite";
    /** The in-memory journal type, for tests. */
    public static final String MEMORY = "memory";
    /** The database file name used when the descriptor names none. */
    public static final String DEFAULT_FILE = "leadrouter.db";
    /** How long settled rows are kept when the descriptor does not say: 7 days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    /** Validates: a known type, a path exactly for SQLite, a positive retention. */
    public JournalSettings {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(retention, "retention");
      if (!type.equals(SQLITE) && !type.equals(MEMORY)) {
        throw new IllegalArgumentException("journal type must be sqlite or memory: " + type);
      }
      if (type.equals(SQLITE) != path.isPresent()) {
        throw new IllegalArgumentException("a path is required by the sqlite journal and only by it");
      }
      if (retention.isZero() || retention.isNegative()) {
        throw new IllegalArgumentException("retention must be positive: " + retention);
      }
    }

    /** A SQLite journal in {@code file}, with the default retention. */
    public static JournalSettings sqlite(Path file) {
      return new JournalSettings(SQLITE, Optional.of(file), DEFAULT_RETENTION);
    }

    /** An in-memory journal (tests only), with the default retention. */
    public static JournalSettings memory() {
      return new JournalSettings(MEMORY, Optional.empty(), DEFAULT_RETENTION);
    }
  }

  /**
   * One destination as described: its name, type, settings for its provider and the router's delivery policy.
   *
   * @param name the sink's name (its key under {@code sinks})
   * @param type the provider type, e.g. {@code file} or {@code dynamics}
   * @param config the settings, passed to the provider, which validates its own keys
   * @param delivery the per-destination engine settings from the reserved {@code delivery} key
   */
  public record SinkDescriptor(String name, String type, SinkConfig config, DeliveryPolicy delivery) {
    /** Checks that every part is present and that the config belongs to this sink. */
    public SinkDescriptor {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(config, "config");
      Objects.requireNonNull(delivery, "delivery");
      if (!config.name().equals(name) || !config.type().equals(type)) {
        throw new IllegalArgumentException("config of " + config.name() + ":" + config.type() + " given for sink "
            + name + ":" + type);
      }
    }
  }
}
