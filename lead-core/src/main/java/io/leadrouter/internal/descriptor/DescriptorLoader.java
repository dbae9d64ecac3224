package io.leadrouter.internal.descriptor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.ConfigurationException;
import io.leadrouter.RouterDescriptor;
import io.leadrouter.RouterDescriptor.Format;
import io.leadrouter.RouterDescriptor.JournalSettings;
import io.leadrouter.RouterDescriptor.SinkDescriptor;
import io.leadrouter.RoutingRule;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.charset.CharacterCodingException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Loads a {@link RouterDescriptor}: reads the file, parses it and validates every section, collecting all problems
 * before throwing one {@link ConfigurationException}. Internal: use {@link RouterDescriptor#load}.
 */
public final class DescriptorLoader {
  private static final List<String> SECTIONS = List.of("journal", "sinks", "routes", "default");
  private static final List<String> JOURNAL_KEYS = List.of("type", "path", "retention", "url", "user",
      "password", "schema");
  private static final List<String> ROUTE_KEYS = List.of("name", "offer", "channels", "actions", "sinks");

  private DescriptorLoader() {}

  /**
   * How long a descriptor that is not a regular file (a FIFO such as {@code <(envsubst < leadrouter.yaml)}) may take
   * to be written whole.
   */
  public static final Duration PIPE_WAIT = Duration.ofSeconds(30);

  /** Reads, parses and validates a descriptor file; see {@link RouterDescriptor#load(Path, Function)}. */
  public static RouterDescriptor load(Path file, Function<String, Optional<String>> env) {
    return load(file, env, PIPE_WAIT);
  }

  /**
   * Reads, parses and validates a descriptor file, waiting at most {@code pipeWait} for one that is not a regular
   * file (a FIFO) to be written whole.
   */
  public static RouterDescriptor load(Path file, Function<String, Optional<String>> env, Duration pipeWait) {
    String origin = file.toString();
    boolean regular = !Files.exists(file) || Files.isRegularFile(file) || Files.isDirectory(file);
    Format format;
    try {
      format = Format.of(file);
    } catch (ConfigurationException e) {
      if (regular) {
        throw e;
      }
      // a shell's <(...) is /dev/fd/63, without an extension: YAML reads JSON too
      format = Format.YAML;
    }
    Path baseDir = file.toAbsolutePath().normalize().getParent();
    if (!regular && shellPipe(file)) {
      // <(envsubst < leadrouter.yaml) is /dev/fd/63: its folder means nothing to the user, who wrote the relative
      // paths for where the command runs (out/leads.ndjson was /dev/fd/out/leads.ndjson)
      baseDir = Path.of("").toAbsolutePath();
    }
    String text = regular ? read(file, origin) : readPipe(file, origin, pipeWait);
    return parse(text, format, baseDir, env, origin);
  }

  /**
   * Parses and validates descriptor text; see {@link RouterDescriptor#parse}.
   *
   * @param origin the file name, or {@code descriptor}, for problems with the document as a whole
   */
  public static RouterDescriptor parse(String text, Format format, Path baseDir,
      Function<String, Optional<String>> env, String origin) {
    Problems problems = new Problems();
    String body = text.startsWith("\uFEFF") ? text.substring(1) : text;
    ObjectNode root = DescriptorReader.read(body, format, origin, problems);
    Path base = baseDir.toAbsolutePath().normalize();
    Values.onlyKeys(root, "", "a descriptor section", SECTIONS, problems);
    References references = new References(env, base);
    JournalSettings journal = journal(root.get("journal"), base, references, problems);
    Map<String, SinkConfig> settings = new LinkedHashMap<>();
    Map<String, SinkDescriptor> sinks = SinkSection.read(root.get("sinks"), references, problems, settings);
    List<String> defined = new ArrayList<>();
    if (root.path("sinks").isObject()) {
      root.get("sinks").fieldNames().forEachRemaining(defined::add);
    }
    List<RoutingRule> routes = routes(root.get("routes"), defined, problems);
    List<String> defaultRoute = sinkNames(root.get("default"), "default", defined, problems);
    if (problems.count() > 0) {
      // the router checks the sinks' own settings when it is built; a descriptor that fails here never gets that
      // far, so its sinks are checked now: every problem is reported at once, not those of the descriptor first
      SinkSettingsCheck.check(settings.values(), problems);
    }
    problems.throwIfAny();
    return new RouterDescriptor(journal, sinks, routes, defaultRoute);
  }

  /** Whether the file is a descriptor a shell hands over as a file descriptor ({@code /dev/fd/63}, {@code /proc/...}). */
  public static boolean shellPipe(Path file) {
    String path = file.toAbsolutePath().normalize().toString();
    return path.startsWith("/dev/fd/") || path.startsWith("/proc/") || path.equals("/dev/stdin");
  }

  /**
   * Reads a descriptor that is not a regular file (a FIFO, {@code /dev/fd/N}, a device) on a thread of its own,
   * waiting at most {@code wait}: read on the caller's thread, a FIFO nobody writes to (or whose writer never closes
   * it) held the load, and the CLI or application start, forever without a word. Bounded in size as a file is.
   */
  private static String readPipe(Path file, String origin, Duration wait) {
    java.util.concurrent.CompletableFuture<byte[]> read = new java.util.concurrent.CompletableFuture<>();
    java.util.concurrent.atomic.AtomicBoolean opening = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread reader = new Thread(() -> {
      try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
          java.nio.file.StandardOpenOption.READ)) {
        opening.set(false);
        // a FileChannel, unlike a FileInputStream, gives up a blocked read when its thread is interrupted
        read.complete(Channels.newInputStream(channel).readNBytes(RouterDescriptor.MAX_SIZE + 1));
      } catch (IOException | RuntimeException e) {
        read.completeExceptionally(e);
      } finally {
        opening.set(false);
      }
    }, "leadrouter-descriptor-pipe");
    reader.setDaemon(true);
    reader.start();
    byte[] bytes;
    try {
      bytes = read.get(wait.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      reader.interrupt();
      if (opening.get()) {
        // blocked opening a FIFO nobody writes to, which no interrupt ends: opened for reading and writing (which
        // does not wait), it has a writer, so the reader's open returns and its interrupted read ends
        try (java.nio.channels.FileChannel unblock = java.nio.channels.FileChannel.open(file,
            java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
          // closed at once
        } catch (IOException | RuntimeException ignored) {
          // the reader stays blocked on a daemon thread; the load is refused all the same
        }
      }
      throw new ConfigurationException(origin, "is not a regular file (a pipe or device), and no whole descriptor"
          + " came from it within " + wait.toSeconds() + " s", "write the descriptor to it and close it (as"
          + " <(envsubst < leadrouter.yaml) does), or name a regular file such as leadrouter.yaml");
    } catch (InterruptedException e) {
      reader.interrupt();
      Thread.currentThread().interrupt();
      throw new ConfigurationException(origin, "was not read: the load was interrupted", "load it again");
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof AccessDeniedException) {
        throw new ConfigurationException(origin, "cannot be read: permission denied", "check the file's permissions");
      }
      throw new ConfigurationException(origin, "cannot be read: " + cause.getClass().getSimpleName(),
          "check the path and the file's permissions");
    }
    if (bytes.length > RouterDescriptor.MAX_SIZE) {
      throw DescriptorReader.tooLarge(origin);
    }
    try {
      return References.decode(bytes);
    } catch (CharacterCodingException e) {
      throw new ConfigurationException(origin, "is not UTF-8 text", "save the descriptor as UTF-8");
    }
  }

  private static String read(Path file, String origin) {
    if (Files.isDirectory(file)) {
      throw new ConfigurationException(origin, "is a directory", "name the descriptor file, e.g. leadrouter.yaml");
    }
    try (InputStream in = Files.newInputStream(file)) {
      byte[] bytes = in.readNBytes(RouterDescriptor.MAX_SIZE + 1);
      if (bytes.length > RouterDescriptor.MAX_SIZE) {
        throw DescriptorReader.tooLarge(origin);
      }
      return References.decode(bytes);
    } catch (NoSuchFileException e) {
      throw new ConfigurationException(origin, "does not exist",
          "check the path; examples/leadrouter.yaml is a descriptor to start from");
    } catch (AccessDeniedException e) {
      throw new ConfigurationException(origin, "cannot be read: permission denied", "check the file's permissions");
    } catch (CharacterCodingException e) {
      throw new ConfigurationException(origin, "is not UTF-8 text", "save the descriptor as UTF-8");
    } catch (IOException e) {
      throw new ConfigurationException(origin, "cannot be read: " + e.getClass().getSimpleName(),
          "check the path and the file's permissions");
    }
  }

  private static JournalSettings journal(JsonNode node, Path base, References references, Problems problems) {
    JournalSettings fallback = JournalSettings.sqlite(base.resolve(JournalSettings.DEFAULT_FILE));
    Optional<ObjectNode> map = Values.map(node, "journal", "write e.g. journal: {type: sqlite, path: leadrouter.db}",
        problems);
    if (map.isEmpty()) {
      return fallback;
    }
    ObjectNode journal = map.get();
    Values.onlyKeys(journal, "journal", "a journal setting", JOURNAL_KEYS, problems);
    Optional<String> typeWritten = Values.text(journal.get("type"), "journal.type", problems);
    String type = typeWritten.map(t -> t.toLowerCase(Locale.ROOT)).orElse(JournalSettings.SQLITE);
    Optional<String> path = resolved(journal, "path", references, problems);
    Duration retention = Values.duration(journal.get("retention"), "journal.retention", problems)
        .orElse(JournalSettings.DEFAULT_RETENTION);
    if (!type.equals(JournalSettings.POSTGRESQL)) {
      for (String key : List.of("url", "user", "password", "schema")) {
        if (journal.has(key)) {
          problems.add("journal." + key, "is not used by the " + type + " journal",
              "remove it, or use type: postgresql");
        }
      }
    }
    switch (type) {
      case JournalSettings.POSTGRESQL -> {
        if (path.isPresent()) {
          problems.add("journal.path", "is not used by the postgresql journal", "remove it; write url: instead");
        }
        Optional<String> url = resolved(journal, "url", references, problems);
        Optional<String> user = resolved(journal, "user", references, problems);
        Optional<Secret> password = Optional.empty();
        Optional<String> passwordText = Values.text(journal.get("password"), "journal.password", problems);
        if (passwordText.isPresent()) {
          Optional<References.Resolved> resolved = references.resolve(passwordText.get(), "journal.password",
              problems);
          if (resolved.isPresent() && !resolved.get().secret()) {
            problems.add("journal.password", "is a secret and must not be written inline",
                "write it as ${ENV_VAR} or ${file:/path/to/file}");
          } else if (resolved.isPresent()) {
            password = Optional.of(Secret.of(resolved.get().value()));
          }
        }
        Optional<String> schema = resolved(journal, "schema", references, problems);
        if (url.isEmpty()) {
          problems.add("journal.url", "is required by the postgresql journal",
              "write e.g. url: postgresql://db.internal:5432/sales");
          return fallback;
        }
        return new JournalSettings(JournalSettings.POSTGRESQL, Optional.empty(), retention, url, user, password,
            schema);
      }
      case JournalSettings.MEMORY -> {
        if (path.isPresent()) {
          problems.add("journal.path", "is not used by the memory journal", "remove it, or use type: sqlite");
        }
        return new JournalSettings(JournalSettings.MEMORY, Optional.empty(), retention);
      }
      case JournalSettings.SQLITE -> {
        String file = path.orElse(JournalSettings.DEFAULT_FILE);
        try {
          return new JournalSettings(JournalSettings.SQLITE, Optional.of(base.resolve(file).normalize()), retention);
        } catch (InvalidPathException e) {
          problems.add("journal.path", "'" + file + "' is not a valid path: " + e.getReason(),
              "write a file path, e.g. data/leadrouter.db");
          return fallback;
        }
      }
      default -> {
        problems.add("journal.type", "'" + typeWritten.orElse(type) + "' is not a journal type",
            "use sqlite, postgresql (with lead-journal-postgres), or memory in tests (it loses leads on exit)");
        return fallback;
      }
    }
  }

  /**
   * A journal setting with its {@code ${ENV_VAR}} and {@code ${file:...}} references resolved, as in sink settings
   * ({@code path: ${DATA_DIR}/leadrouter.db}, {@code url: ${DATABASE_URL}}); empty when absent or a reference fails.
   */
  private static Optional<String> resolved(ObjectNode journal, String key, References references,
      Problems problems) {
    String path = "journal." + key;
    return Values.text(journal.get(key), path, problems)
        .flatMap(text -> references.resolve(text, path, problems))
        .map(References.Resolved::value);
  }

  private static List<RoutingRule> routes(JsonNode node, List<String> defined, Problems problems) {
    List<RoutingRule> rules = new ArrayList<>();
    if (Values.isEmpty(node)) {
      return rules;
    }
    if (!node.isArray()) {
      problems.add("routes", "is " + Values.describe(node) + ", expected a list of rules",
          "write each rule as a list item starting with '- name:'");
      return rules;
    }
    Set<String> names = new HashSet<>();
    for (int i = 0; i < node.size(); i++) {
      String path = Problems.at("routes", i);
      if (!node.get(i).isObject()) {
        problems.add(path, "is " + Values.describe(node.get(i)) + ", expected a rule",
            "give the rule a name, sinks and any of offer, channels, actions");
        continue;
      }
      ObjectNode rule = (ObjectNode) node.get(i);
      int before = problems.count();
      Values.onlyKeys(rule, path, "a route setting", ROUTE_KEYS, problems);
      String name = Values.text(rule.get("name"), Problems.at(path, "name"), problems).orElse(path);
      if (!names.add(name)) {
        problems.add(Problems.at(path, "name"), "'" + name + "' is the name of an earlier route",
            "give each route its own name");
      }
      Optional<String> offer = Values.text(rule.get("offer"), Problems.at(path, "offer"), problems);
      List<String> channels = Values.texts(rule.get("channels"), Problems.at(path, "channels"), problems);
      List<String> actions = Values.texts(rule.get("actions"), Problems.at(path, "actions"), problems);
      for (String key : List.of("offer", "channels", "actions")) {
        noReference(rule.get(key), Problems.at(path, key), problems);
      }
      for (String key : List.of("channels", "actions")) {
        noCommaList(rule.get(key), Problems.at(path, key), problems);
      }
      String sinksPath = Problems.at(path, "sinks");
      List<String> sinks = sinkNames(rule.get("sinks"), sinksPath, defined, problems);
      if (Values.isEmpty(rule.get("sinks")) || rule.get("sinks").isEmpty() && rule.get("sinks").isArray()) {
        problems.add(sinksPath, "names no sink", "name at least one sink defined under sinks");
      }
      if (problems.count() == before) {
        rules.add(new RoutingRule(name, offer, new LinkedHashSet<>(channels), new LinkedHashSet<>(actions), sinks));
      }
    }
    return rules;
  }

  /**
   * Records a route value holding {@code ${...}}: routes read no references, and matched literally such a value would
   * send the leads it was meant for elsewhere without a word.
   */
  private static void noReference(JsonNode node, String path, Problems problems) {
    if (node != null && node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        noReference(node.get(i), Problems.at(path, i), problems);
      }
    } else if (node != null && node.isTextual() && node.asText().contains("${")) {
      problems.add(path, "'" + node.asText().strip() + "' holds a ${...} reference, which routes do not read",
          "write the value itself; references are read in sink and journal settings");
    }
  }

  /**
   * Records a value holding a comma where a list is meant ({@code channels: AzureMarketplace, SPZA}): no channel,
   * action or sink name holds one, and read as one value it would match no lead (the leads meant for the route went
   * elsewhere without a word) or name no sink.
   */
  private static boolean noCommaList(JsonNode node, String path, Problems problems) {
    if (node != null && node.isArray()) {
      boolean ok = true;
      for (int i = 0; i < node.size(); i++) {
        ok &= noCommaList(node.get(i), Problems.at(path, i), problems);
      }
      return ok;
    }
    if (node != null && node.isTextual() && node.asText().contains(",")) {
      List<String> items = java.util.Arrays.stream(node.asText().split(",", -1)).map(String::strip).toList();
      problems.add(path, "'" + node.asText().strip() + "' is one value holding commas, not a list",
          "write a list: [" + String.join(", ", items) + "]");
      return false;
    }
    return true;
  }

  /** Sink names (a list, or one name), each checked against the sinks defined. */
  private static List<String> sinkNames(JsonNode node, String path, List<String> defined, Problems problems) {
    List<String> names = new ArrayList<>();
    if (Values.isEmpty(node)) {
      return names;
    }
    boolean list = node.isArray();
    for (int i = 0; i < (list ? node.size() : 1); i++) {
      String at = list ? Problems.at(path, i) : path;
      JsonNode item = list ? node.get(i) : node;
      if (Values.isEmpty(item)) {
        problems.add(at, "is empty", "write a sink name");
        continue;
      }
      if (!noCommaList(item, at, problems)) {
        continue;
      }
      Optional<String> name = Values.text(item, at, problems);
      if (name.isPresent() && !defined.contains(name.get())) {
        problems.add(at, "no sink named '" + name.get() + "'", io.leadrouter.internal.Spelling.didYouMean(name.get(),
            defined).map(s -> s + " ").orElse("") + "defined: " + io.leadrouter.internal.Spelling.listed(defined));
      }
      name.ifPresent(names::add);
    }
    return names;
  }
}
