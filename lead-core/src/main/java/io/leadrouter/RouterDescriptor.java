package io.leadrouter;

import io.leadrouter.internal.descriptor.DescriptorLoader;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.journal.spi.JournalProvider;
import io.leadrouter.spi.Require;
import io.leadrouter.spi.Scrubber;
import io.leadrouter.spi.Secret;
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
import java.util.ServiceLoader;
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
   * @throws ConfigurationException listing every problem, each with its path and fix; its message names the file
   */
  public static RouterDescriptor load(Path file, Function<String, Optional<String>> env) {
    Objects.requireNonNull(file, "file");
    try {
      return DescriptorLoader.load(file, Objects.requireNonNull(env, "env"));
    } catch (ConfigurationException e) {
      throw e.in(file.toString()); // the paths point into this file: say which one
    }
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
   * @param type {@value #SQLITE} (durable, the default), {@value #POSTGRESQL} (shared by several routers; needs
   *     lead-journal-postgres) or {@value #MEMORY} (tests only: lost on exit); other types are opened by a
   *     {@link JournalProvider} on the class path
   * @param path the SQLite database file, absolute; empty for other journals
   * @param retention how long delivered and dead-lettered rows are kept before they are purged
   * @param url the database's URL, for database servers (e.g. {@code postgresql://db.internal:5432/sales})
   * @param user the database user, if not the driver's default
   * @param password the database password, only as a secret reference ({@code ${ENV_VAR}} or {@code ${file:...}})
   * @param schema the schema holding the journal's tables, if not the journal's default
   */
  public record JournalSettings(String type, Optional<Path> path, Duration retention, Optional<String> url,
      Optional<String> user, Optional<Secret> password, Optional<String> schema) {
    /** The durable journal type. */
    public static final String SQLITE = "sqlite";
    /** The in-memory journal type, for tests. */
    public static final String MEMORY = "memory";
    /** The PostgreSQL journal type (lead-journal-postgres). */
    public static final String POSTGRESQL = "postgresql";
    /** The database file name used when the descriptor names none. */
    public static final String DEFAULT_FILE = "leadrouter.db";
    /** How long settled rows are kept when the descriptor does not say: 7 days. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    /** Validates: a type, a path exactly for SQLite, a URL for servers, a positive retention. */
    public JournalSettings {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(path, "path");
      Objects.requireNonNull(retention, "retention");
      Objects.requireNonNull(url, "url");
      Objects.requireNonNull(user, "user");
      Objects.requireNonNull(password, "password");
      Objects.requireNonNull(schema, "schema");
      if (type.isBlank()) {
        throw new IllegalArgumentException("journal type must not be blank");
      }
      boolean local = type.equals(SQLITE) || type.equals(MEMORY);
      if (type.equals(SQLITE) != path.isPresent()) {
        throw new IllegalArgumentException("a path is required by the sqlite journal and only by it");
      }
      if (local && (url.isPresent() || user.isPresent() || password.isPresent() || schema.isPresent())) {
        throw new IllegalArgumentException("url, user, password and schema are for database servers, not " + type);
      }
      if (!local && url.isEmpty()) {
        throw new IllegalArgumentException("a url is required by the " + type + " journal (a database server)");
      }
      Require.positive(retention, "retention");
    }

    /**
     * Shows the settings with the password redacted, also one written into the URL ({@code user:password@host},
     * {@code ?password=}): a URL resolved from a reference may carry it.
     */
    @Override
    public String toString() {
      return "JournalSettings[type=" + type + ", path=" + path + ", retention=" + retention + ", url="
          + url.map(Scrubber.standard()::scrub) + ", user=" + user + ", password=" + password + ", schema=" + schema
          + "]";
    }

    /** A SQLite or in-memory journal's settings. */
    public JournalSettings(String type, Optional<Path> path, Duration retention) {
      this(type, path, retention, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** A SQLite journal in {@code file}, with the default retention. */
    public static JournalSettings sqlite(Path file) {
      return new JournalSettings(SQLITE, Optional.of(file), DEFAULT_RETENTION);
    }

    /** An in-memory journal (tests only), with the default retention. */
    public static JournalSettings memory() {
      return new JournalSettings(MEMORY, Optional.empty(), DEFAULT_RETENTION);
    }

    /** A PostgreSQL journal at {@code url}, with the default retention and schema. */
    public static JournalSettings postgresql(String url, Optional<String> user, Optional<Secret> password) {
      return new JournalSettings(POSTGRESQL, Optional.empty(), DEFAULT_RETENTION, Optional.of(url), user, password,
          Optional.empty());
    }

    /** These settings with another retention. */
    public JournalSettings withRetention(Duration retention) {
      return new JournalSettings(type, path, retention, url, user, password, schema);
    }

    /**
     * Opens the journal these settings describe: SQLite and memory from lead-core, any other type from the
     * {@link JournalProvider} for it on the class path (found with the context class loader).
     *
     * @throws ConfigurationException if no provider on the class path opens this type, naming the module to add
     */
    public LeadJournal open() {
      switch (type) {
        case SQLITE:
          return SqliteJournal.open(path.orElseThrow());
        case MEMORY:
          return InMemoryJournal.create();
        default:
          ClassLoader loader = Thread.currentThread().getContextClassLoader();
          for (JournalProvider p : ServiceLoader.load(JournalProvider.class,
              loader != null ? loader : JournalSettings.class.getClassLoader())) {
            if (p.type().equals(type)) {
              return p.open(this);
            }
          }
          throw new ConfigurationException("journal.type", "'" + type + "' needs a journal module that is not on the"
              + " class path", type.equals(POSTGRESQL)
                  ? "add io.leadrouter:lead-journal-postgres and the PostgreSQL JDBC driver (org.postgresql:postgresql)"
                  : "add the module providing this journal type, or use sqlite");
      }
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
