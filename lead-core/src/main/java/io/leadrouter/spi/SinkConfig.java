package io.leadrouter.spi;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import io.leadrouter.internal.Spelling;
import java.net.URI;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A typed, read-only view of one sink's settings, as given in the router descriptor or the builder.
 *
 * <p>Getters never throw: a missing or malformed value is recorded as a {@link Problem} (with the key's path,
 * e.g. {@code sinks.crm.tenantId}, and the fix) and a neutral value returned, so that {@link #validate()} can report
 * every problem at once, together with every key that no getter read (a typo).
 *
 * <p>Secrets are values that came from {@code ${ENV_VAR}} or {@code ${file:/path}} references (or
 * {@link Builder#secret}); {@link #secret} refuses a secret written inline. A value that came from a reference to a
 * variable not named like a secret ({@code url: ${CRM_URL}}, {@link Builder#reference}) is a secret only if the sink
 * reads it as one; read as text (a URL, a path) it stays readable in messages, and only its credentials (a URL's user
 * info, a query parameter named like a credential such as {@code sig} or {@code code}) are kept secret.
 */
public final class SinkConfig {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private final String name;
  private final String type;
  private final Map<String, String> values;
  private final Map<String, Secret> secrets;
  /** Values resolved from references that are secrets only if the sink reads them as such (see {@link #reference}). */
  private final Map<String, String> referenced;
  /** The secrets made of {@link #referenced} values the sink read as secrets, one per key. */
  private final Map<String, Secret> referencedSecrets = new ConcurrentHashMap<>();
  /** The credentials inside {@link #referenced} values, live (for the Scrubber) as long as this config is. */
  private final List<Secret> credentials;
  private final Map<String, String> sources;
  private final Map<Class<?>, Object> resources;
  private final Path baseDirectory;
  private final Set<String> read = ConcurrentHashMap.newKeySet();
  private final List<Problem> problems = Collections.synchronizedList(new ArrayList<>());

  private SinkConfig(Builder b) {
    this.name = b.name;
    this.type = b.type;
    this.values = Collections.unmodifiableMap(new LinkedHashMap<>(b.values));
    this.secrets = Collections.unmodifiableMap(new LinkedHashMap<>(b.secrets));
    this.referenced = Collections.unmodifiableMap(new LinkedHashMap<>(b.referenced));
    this.credentials = List.copyOf(b.credentials);
    this.sources = Map.copyOf(b.sources);
    this.resources = Map.copyOf(b.resources);
    this.baseDirectory = b.baseDirectory;
  }

  /** A builder for the settings of the sink called {@code name} of type {@code type}. */
  public static Builder builder(String name, String type) {
    return new Builder(name, type);
  }

  /** The sink's name in the router (the key under {@code sinks:}). */
  public String name() {
    return name;
  }

  /** The sink's type, e.g. {@code dynamics}. */
  public String type() {
    return type;
  }

  /** The path of a key in error messages: {@code sinks.<name>.<key>}. */
  public String path(String key) {
    return "sinks." + name + "." + key;
  }

  /** Every key given, sorted. */
  public Set<String> keys() {
    TreeMap<String, Object> all = new TreeMap<>(values);
    all.putAll(secrets);
    all.putAll(referenced);
    return Collections.unmodifiableSet(all.keySet());
  }

  /** A text setting, if given (secrets given by reference are revealed: use this for non-secret values). */
  public Optional<String> optionalString(String key) {
    read.add(key);
    String v = values.get(key);
    if (v == null && secrets.containsKey(key)) {
      v = secrets.get(key).reveal();
    }
    if (v == null) {
      v = referenced.get(key);
    }
    return Optional.ofNullable(v).map(String::strip).filter(s -> !s.isEmpty());
  }

  /** A required text setting; records a problem and returns {@code ""} when missing. */
  public String string(String key) {
    return optionalString(key).orElseGet(() -> {
      problem(key, "is required", "set " + key + " for the " + type + " sink");
      return "";
    });
  }

  /** A text setting with a default. */
  public String string(String key, String defaultValue) {
    return optionalString(key).orElse(defaultValue);
  }

  /** A secret setting, if given by reference; an inline value is recorded as a problem. */
  public Optional<Secret> optionalSecret(String key) {
    read.add(key);
    if (secrets.containsKey(key)) {
      return Optional.of(secrets.get(key));
    }
    if (referenced.containsKey(key)) {
      // the sink reads it as a secret: from now on it is one, redacted wherever it shows
      return Optional.of(referencedSecrets.computeIfAbsent(key, k -> Secret.of(referenced.get(k))));
    }
    if (values.containsKey(key)) {
      problem(key, "is a secret and must not be written inline",
          "write it as ${ENV_VAR} or ${file:/path/to/file}");
    }
    return Optional.empty();
  }

  /** A required secret; records a problem and returns an empty secret when missing. */
  public Secret secret(String key) {
    boolean inline = values.containsKey(key) && !secrets.containsKey(key) && !referenced.containsKey(key);
    return optionalSecret(key).orElseGet(() -> {
      if (!inline) {
        problem(key, "is required", "set " + key + " as ${ENV_VAR} or ${file:/path/to/file}");
      }
      return Secret.of("");
    });
  }

  /** An absolute URI setting, if given and valid. */
  public Optional<URI> optionalUri(String key) {
    return optionalString(key).flatMap(text -> {
      try {
        URI uri = new URI(text);
        if (!uri.isAbsolute() || uri.getHost() == null) {
          problem(key, shown(key, text) + " is not an absolute URL", "write it as https://host/path");
          return Optional.empty();
        }
        return Optional.of(uri);
      } catch (URISyntaxException e) {
        problem(key, shown(key, text) + " is not a valid URL: " + e.getReason(), "write it as https://host/path");
        return Optional.empty();
      }
    });
  }

  /**
   * The longest duration any setting may have: 100 years (36500 days). Anything longer is a typo that would overflow
   * at run time ({@code retention: 999999999999d}); the descriptor and {@link #duration} refuse it at load.
   */
  public static final Duration MAX_DURATION = Duration.ofDays(36_500);

  /**
   * A duration such as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d} or ISO {@code PT30S}; a
   * negative one or one longer than {@link #MAX_DURATION} is a problem (the default is returned).
   */
  public Duration duration(String key, Duration defaultValue) {
    Optional<String> text = optionalString(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    Optional<Duration> parsed = parseDuration(text.get());
    if (parsed.isEmpty() || parsed.get().isNegative()) {
      // a negative duration is read, but cannot be meant: say so rather than that it is no duration at all
      problem(key, shown(key, text.get()) + (negative(text.get()) ? " is negative" : " is not a duration"),
          "write e.g. 500ms, 30s, 5m, 2h, 1d or PT30S");
      return defaultValue;
    }
    if (parsed.get().compareTo(MAX_DURATION) > 0) {
      // the same rule as the descriptor's own durations: refused at load instead of overflowing at run time
      problem(key, shown(key, text.get()) + " is longer than 100 years", "write at most 36500d, e.g. 30s");
      return defaultValue;
    }
    return parsed.get();
  }

  /** Whether {@code text} is a duration below zero: {@code PT-5S}, or {@code -5s} (which the short form reads unsigned). */
  static boolean negative(String text) {
    String t = text.strip();
    return parseDuration(t).map(Duration::isNegative).orElse(false)
        || t.startsWith("-") && parseDuration(t.substring(1)).isPresent();
  }

  /** An integer between {@code min} and {@code max} inclusive, with a default. */
  public int integer(String key, int defaultValue, int min, int max) {
    Optional<String> text = optionalString(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    try {
      int v = Integer.parseInt(text.get());
      if (v < min || v > max) {
        problem(key, (hidden(key) ? shown(key, "") : String.valueOf(v)) + " is out of range", "use a value from " + min + " to " + max);
        return defaultValue;
      }
      return v;
    } catch (NumberFormatException e) {
      problem(key, shown(key, text.get()) + " is not a whole number", "use a value from " + min + " to " + max);
      return defaultValue;
    }
  }

  /** A boolean ({@code true}/{@code false}), with a default. */
  public boolean bool(String key, boolean defaultValue) {
    Optional<String> text = optionalString(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    return switch (text.get().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> {
        problem(key, shown(key, text.get()) + " is not a boolean", "write true or false");
        yield defaultValue;
      }
    };
  }

  /** One of the given choices (case-insensitive), with a default; returns the choice as written in {@code choices}. */
  public String choice(String key, String defaultValue, List<String> choices) {
    Optional<String> text = optionalString(key);
    if (text.isEmpty()) {
      return defaultValue;
    }
    for (String c : choices) {
      if (c.equalsIgnoreCase(text.get())) {
        return c;
      }
    }
    String oneOf = "use one of " + String.join(", ", choices);
    problem(key, shown(key, text.get()) + " is not one of " + choices,
        didYouMean(text.get(), choices).map(s -> s + " otherwise " + oneOf).orElse(oneOf));
    return defaultValue;
  }

  /**
   * {@code did you mean 'leadId'?} when {@code written} is a likely typo of one of {@code known} (a few letters off,
   * ignoring case), for a provider's own problems, e.g. a mapping key that names no field: {@code
   * config.problem(key, "is not a field", SinkConfig.didYouMean(part, fields).map(s -> s + " otherwise use one of
   * ...").orElse("use one of ..."))}. Empty when none is that close or {@code written} is one of them.
   */
  public static Optional<String> didYouMean(String written, Collection<String> known) {
    return Spelling.didYouMean(Objects.requireNonNull(written, "written"), Objects.requireNonNull(known, "known"));
  }

  /**
   * All keys under {@code prefix.} with the prefix removed, e.g. {@code section("mapping")} turns
   * {@code mapping.firstname=givenName} into {@code firstname=givenName}; marks them read.
   */
  public Map<String, String> section(String prefix) {
    String p = prefix + ".";
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : keys()) {
      if (key.startsWith(p)) {
        out.put(key.substring(p.length()), optionalString(key).orElse(""));
      }
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * A file path setting, if given: relative paths resolve against the folder of the descriptor the setting came
   * from (or the working directory for configs built in code).
   */
  public Optional<Path> filePath(String key) {
    return optionalString(key).flatMap(text -> {
      try {
        Path p = Path.of(text);
        return Optional.of(baseDirectory == null || p.isAbsolute() ? p : baseDirectory.resolve(p).normalize());
      } catch (InvalidPathException e) {
        problem(key, shown(key, text) + " is not a valid path: " + e.getReason(), "write a file path");
        return Optional.empty();
      }
    });
  }

  /** A shared object the application registered with the router (e.g. its {@code OkHttpClient}). */
  public <T> Optional<T> resource(Class<T> type) {
    return Optional.ofNullable(resources.get(type)).map(type::cast);
  }

  /**
   * How a value reads in a problem: quoted when plain; for a secret, never its value but where it came from, e.g.
   * {@code the value from ${file:/run/secrets/url}}.
   */
  private String shown(String key, String text) {
    if (!hidden(key)) {
      return "'" + text + "'";
    }
    String source = sources.get(key);
    return source == null ? "the secret value" : "the value from " + source;
  }

  /**
   * Records a problem with a key (for cross-field checks); reported by {@link #validate()}. A value that came from a
   * reference ({@code ${ENV_VAR}}, {@code ${file:...}}) or is a secret is never shown, whoever wrote the message: a
   * provider's {@code "'" + value + "' is not a GUID"} reads {@code the value from ${file:/x} is not a GUID}.
   */
  public void problem(String key, String message, String fix) {
    problems.add(new Problem(path(key), withoutReferencedValues(message), withoutReferencedValues(fix)));
  }

  /** Whether a value is never quoted in a problem: a secret, or a value that came from a reference. */
  private boolean hidden(String key) {
    return secrets.containsKey(key) || referenced.containsKey(key);
  }

  /** {@code text} with every referenced or secret value replaced by where it came from. */
  private String withoutReferencedValues(String text) {
    if (text == null || secrets.isEmpty() && referenced.isEmpty()) {
      return text;
    }
    String out = text;
    Map<String, String> hiddenValues = new LinkedHashMap<>();
    secrets.forEach((k, v) -> hiddenValues.put(k, v.reveal()));
    hiddenValues.putAll(referenced);
    for (Map.Entry<String, String> e : hiddenValues.entrySet()) {
      String value = e.getValue();
      for (String v : value.strip().equals(value) ? List.of(value) : List.of(value, value.strip())) {
        if (v.isEmpty() || !out.contains(v)) {
          continue;
        }
        String shown = shown(e.getKey(), v);
        out = out.replace("'" + v + "'", shown).replace("\"" + v + "\"", shown);
        // unquoted, a very short value could be part of an ordinary word: only longer ones are replaced bare
        if (v.length() >= 4) {
          out = out.replace(v, "[" + shown + "]");
        }
      }
      // a URL's host is part of its value too ("uses plain http to <host>")
      String host = hostOf(value.strip());
      if (host != null && host.length() >= 4 && out.contains(host)) {
        out = out.replace(host, "[the host of " + shown(e.getKey(), value) + "]");
      }
    }
    return out;
  }

  private static String hostOf(String text) {
    try {
      return new URI(text).getHost();
    } catch (URISyntaxException e) {
      return null;
    }
  }

  /** The problems recorded so far plus every unknown key (given but never read). */
  public List<Problem> problems() {
    List<Problem> all = new ArrayList<>(problems);
    for (String key : keys()) {
      if (!read.contains(key)) {
        // the nearest key the provider asked for names the likely fix of a typo
        String fix = Spelling.didYouMean(key, read).map(s -> s + " otherwise remove it")
            .orElse("remove it or check its spelling");
        all.add(new Problem(path(key), "is not a setting of the " + type + " sink", fix));
      }
    }
    return all;
  }

  /**
   * Throws a {@link ConfigurationException} listing every problem (missing, invalid and unknown keys) if there is
   * any. Call it at the end of {@link LeadSinkProvider#create}, after reading every key.
   */
  public void validate() {
    List<Problem> all = problems();
    if (!all.isEmpty()) {
      throw new ConfigurationException(all);
    }
  }

  /**
   * Builds the sink with its builder and reports every problem at once: the one shape of every provider is "map the
   * keys onto the builder (the optional getters), then {@code return config.build("dynamics", builder::build)}". The
   * builder's {@code build()} is the one place that checks the settings (required, formats, cross-field rules); the
   * problems its {@link ConfigurationException} lists (paths = the builder's keys, prefixed {@code prefix + "."})
   * are reported here under this sink's paths, after those found reading the keys (unreadable values, secrets
   * written inline) and before unknown keys. A key already reported as unreadable is not reported again (the builder
   * saw it as missing). What {@code build} made is closed if a reading problem fails the whole.
   *
   * @param prefix the prefix of the builder's problem paths ({@code "dynamics"} for {@code dynamics.instanceUrl}),
   *     or {@code ""} when they are the bare keys
   * @throws ConfigurationException listing every problem
   */
  public <T> T build(String prefix, java.util.function.Supplier<T> build) {
    T built = null;
    try {
      built = build.get();
    } catch (ConfigurationException e) {
      Set<String> unreadable = new java.util.HashSet<>();
      problems.forEach(p -> unreadable.add(p.path()));
      String start = prefix.isEmpty() ? "" : prefix + ".";
      for (Problem p : e.problems()) {
        String key = p.path().startsWith(start) ? p.path().substring(start.length()) : p.path();
        if (!unreadable.contains(path(key))) {
          problem(key, p.message(), p.fix());
        }
      }
    }
    List<Problem> all = problems();
    if (!all.isEmpty()) {
      if (built instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception ignored) {
          // reporting the configuration problems matters more than a failed close of a sink never used
        }
      }
      throw new ConfigurationException(all);
    }
    return built;
  }

  /** Shows keys and non-secret values; secrets are redacted. */
  @Override
  public String toString() {
    Map<String, Object> shown = new TreeMap<>(values);
    secrets.forEach((k, v) -> shown.put(k, v));
    referenced.forEach((k, v) -> shown.put(k, sources.getOrDefault(k, "${...}")));
    return "SinkConfig[" + name + ":" + type + " " + shown + "]";
  }

  /**
   * Equal when name, type, values and secrets are equal; which keys were read and the shared resources do not count.
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof SinkConfig c && name.equals(c.name) && type.equals(c.type) && values.equals(c.values)
        && secrets.equals(c.secrets) && referenced.equals(c.referenced);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, type, values, secrets.keySet(), referenced); // secrets' keys stand in for them
  }

  /**
   * Parses the duration syntax every LeadRouter setting uses: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h},
   * {@code 1d} or ISO-8601 such as {@code PT30S}; empty when the text is none of these (negative ISO values parse).
   */
  public static Optional<Duration> parseDuration(String text) {
    String t = text.strip();
    Matcher m = DURATION.matcher(t.toLowerCase(Locale.ROOT));
    if (m.matches()) {
      try {
        long n = Long.parseLong(m.group(1));
        return Optional.of(switch (m.group(2)) {
          case "ms" -> Duration.ofMillis(n);
          case "s" -> Duration.ofSeconds(n);
          case "m" -> Duration.ofMinutes(n);
          case "h" -> Duration.ofHours(n);
          default -> Duration.ofDays(n);
        });
      } catch (NumberFormatException | ArithmeticException e) {
        return Optional.empty(); // too large for a Duration: a typo, reported like any other bad value
      }
    }
    try {
      return Optional.of(Duration.parse(t));
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /** Builds a {@link SinkConfig}; used by the descriptor loader, the router builder and tests. */
  public static final class Builder {
    private final String name;
    private final String type;
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, Secret> secrets = new LinkedHashMap<>();
    private final Map<String, String> referenced = new LinkedHashMap<>();
    private final List<Secret> credentials = new ArrayList<>();
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final Map<Class<?>, Object> resources = new LinkedHashMap<>();
    private Path baseDirectory;

    private Builder(String name, String type) {
      this.name = Objects.requireNonNull(name, "name");
      this.type = Objects.requireNonNull(type, "type");
    }

    /** Sets a plain (non-secret) value. */
    public Builder put(String key, String value) {
      values.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** Sets a secret value. */
    public Builder secret(String key, Secret value) {
      secrets.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      referenced.remove(key);
      sources.remove(key);
      return this;
    }

    /**
     * Sets a secret value, noting the (non-secret) text it was resolved from, e.g. {@code ${file:/run/secrets/k}},
     * which problems name instead of the value.
     */
    public Builder secret(String key, Secret value, String source) {
      secret(key, value);
      sources.put(key, Objects.requireNonNull(source, "source"));
      return this;
    }

    /**
     * Sets a value resolved from a reference to a variable not named like a secret ({@code url: ${CRM_URL}}): it is
     * a secret (redacted wherever it shows) only if the sink reads it as one ({@link SinkConfig#secret}); read as
     * text, a URL or a path, it stays readable in messages, so that an error can say which URL failed. Its
     * credentials are secrets either way: a URL's user info ({@code https://user:password@host}) and the value of
     * a query parameter named like a credential ({@code ?sig=}, {@code ?code=}, {@code ?token=}). Problems name
     * {@code source} (the text written, e.g. {@code ${CRM_URL}}) instead of the value, as for a secret.
     */
    public Builder reference(String key, String value, String source) {
      Objects.requireNonNull(key, "key");
      referenced.put(key, Objects.requireNonNull(value, "value"));
      secrets.remove(key);
      values.remove(key);
      sources.put(key, Objects.requireNonNull(source, "source"));
      for (String credential : Scrubber.credentialsIn(value)) {
        credentials.add(Secret.of(credential));
      }
      return this;
    }

    /** Makes a shared object available to the sink (see {@link SinkConfig#resource}). */
    public <T> Builder resource(Class<T> type, T value) {
      resources.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(value, "value"));
      return this;
    }

    /** The folder relative {@link SinkConfig#filePath file paths} resolve against (the descriptor's folder). */
    public Builder baseDirectory(Path dir) {
      this.baseDirectory = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
      return this;
    }

    /** Builds the view. */
    public SinkConfig build() {
      return new SinkConfig(this);
    }
  }
}
