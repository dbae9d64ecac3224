package io.leadrouter.spring.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import io.leadrouter.RouterDescriptor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * Reads the {@code leadrouter.*} subtree of a Spring environment into the descriptor's own map form and hands it to
 * the descriptor loader, so that {@code application.yml} and {@code leadrouter.yaml} are one schema with one set of
 * checks and messages. Values are taken raw: {@code ${ENV_VAR}} and {@code ${file:...}} references are resolved by
 * the loader (through the environment), exactly as in a descriptor file. Internal: not API.
 */
public final class EnvironmentDescriptor {
  /** The prefix of every key. */
  public static final String PREFIX = "leadrouter";
  /** The starter's own keys, which are not part of the descriptor (in any spelling Spring binds). */
  public static final Set<String> STARTER_KEYS = Set.of("descriptor", "enabled", "shutdown-timeout",
      "shutdownTimeout");
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(EnvironmentDescriptor.class);
  /** An environment variable named like a key of the descriptor's sections, as Spring users override keys. */
  static final Pattern DESCRIPTOR_VARIABLE = Pattern.compile(
      "(?i)" + PREFIX + "_(sinks|journal|routes|default)(_\\w*)?");

  private EnvironmentDescriptor() {}

  /**
   * The descriptor: the file named by {@code leadrouter.descriptor}, else the {@code leadrouter.*} keys. Relative
   * paths resolve against {@code baseDir}; {@code ${NAME}} references through {@code env}.
   *
   * @throws ConfigurationException with every problem, paths prefixed with {@code leadrouter.}
   */
  public static RouterDescriptor load(ConfigurableEnvironment environment, Path baseDir,
      Function<String, Optional<String>> env) {
    Variables variables = variables(environment, baseDir);
    RouterDescriptor descriptor;
    try {
      descriptor = loadKeys(environment, baseDir, env, variables.honoured());
    } catch (ConfigurationException e) {
      if (variables.problems().isEmpty()) {
        throw e;
      }
      List<Problem> all = new ArrayList<>(variables.problems());
      all.addAll(e.problems());
      throw new ConfigurationException(all);
    }
    if (!variables.problems().isEmpty()) {
      throw new ConfigurationException(variables.problems());
    }
    variables.honoured().forEach((variable, path) -> LOG.info("{}: set by the environment variable {} (it overrides"
        + " the key's value in application.yml and the other sources below it)", key(path), variable));
    return descriptor;
  }

  /**
   * The environment variables named like a descriptor key that nothing refers to.
   *
   * @param honoured each variable that names exactly one key written under {@code leadrouter.sinks} or
   *     {@code leadrouter.journal}, with that key's path as written ({@code [sinks, crm, clientSecret]})
   * @param problems the others: naming no written key, or several
   */
  private record Variables(Map<String, List<String>> honoured, List<Problem> problems) {}

  /**
   * Environment variables named like a descriptor key ({@code LEADROUTER_SINKS_CRM_CLIENTSECRET}) that nothing refers
   * to. Spring users override keys this way (relaxed binding: upper case, {@code _} for the dots, no dashes), so one
   * that names exactly one key written under {@code leadrouter.sinks} or {@code leadrouter.journal} overrides it, as
   * Spring would. The others fail the start: ignored, the router would run without the value the operator set (a
   * staging URL, an old secret), and nobody would be told; read as a guess (which sink of {@code my_crm} and
   * {@code my} is meant, which key spelt {@code clientSecret}), a value could land on the wrong key.
   */
  private static Variables variables(ConfigurableEnvironment environment, Path baseDir) {
    Map<String, List<String>> honoured = new LinkedHashMap<>();
    List<Problem> out = new ArrayList<>();
    String referring = referringText(environment, baseDir);
    List<List<String>> written = new ArrayList<>();
    if (environment.getProperty(PREFIX + ".descriptor") == null) {
      leaves(tree(environment, Map.of()), new ArrayList<>(), written);
    }
    // keys set in a source above the variables (system properties, command-line arguments): Spring reads those first
    Set<String> above = new java.util.HashSet<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof SystemEnvironmentPropertySource variables) {
        for (String name : variables.getPropertyNames()) {
          if (!DESCRIPTOR_VARIABLE.matcher(name).matches() || referring.contains("${" + name)
              || honoured.containsKey(name) || out.stream().anyMatch(p -> p.path().equals(name))) {
            continue;
          }
          String form = name.substring(PREFIX.length() + 1).toUpperCase(java.util.Locale.ROOT);
          List<List<String>> keys = written.stream().filter(k -> variableForm(k).equals(form)).toList();
          if (keys.size() == 1 && above.contains(uniform(key(keys.get(0))))) {
            continue; // the key is set above the variables: it wins, as Spring has it, and the variable is not used
          }
          String key = PREFIX + "." + name.substring(PREFIX.length() + 1).toLowerCase(java.util.Locale.ROOT)
              .replace('_', '.');
          if (keys.size() == 1) {
            honoured.put(name, keys.get(0));
          } else if (keys.size() > 1) {
            out.add(new Problem(name, "is an environment variable that could set any of " + String.join(", ",
                keys.stream().map(EnvironmentDescriptor::key).toList()) + " (a variable's name loses the case,"
                + " dashes and dots of the keys, so which one is meant would be a guess)",
                "refer to it where the key is written, e.g. " + key(keys.get(0)) + ": ${" + name + "} in"
                    + " application.yml, or remove the variable"));
          } else {
            out.add(new Problem(name, "is an environment variable named like the key " + key + ", but no such key"
                + " is written under leadrouter. for it to override (environment variables override keys"
                + " application.yml sets; they do not add keys, since a variable's name loses the case and dashes"
                + " of the keys and which key is meant would be a guess): the router would run without its value",
                "write the key in application.yml (with its value, or as " + key + ": ${" + name + "}, with the"
                    + " key spelt as documented, such as clientSecret), or remove the variable"));
          }
        }
      } else if (source instanceof EnumerablePropertySource<?> enumerable
          && !ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)) {
        for (String name : enumerable.getPropertyNames()) {
          above.add(uniform(name));
        }
      }
    }
    return new Variables(honoured, out);
  }

  /** The paths of every value under {@code sinks} and {@code journal} (a list is one value), keys as written. */
  private static void leaves(JsonNode node, List<String> path, List<List<String>> out) {
    if (node.isObject()) {
      node.fields().forEachRemaining(f -> {
        if (!path.isEmpty() || f.getKey().equals("sinks") || f.getKey().equals("journal")) {
          List<String> child = new ArrayList<>(path);
          child.add(f.getKey());
          leaves(f.getValue(), child, out);
        }
      });
    } else if (!path.isEmpty()) {
      out.add(List.copyOf(path));
    }
  }

  /** A key's path as an environment variable names it after {@code LEADROUTER_}: {@code SINKS_MY_CRM_CLIENTSECRET}. */
  private static String variableForm(List<String> path) {
    return String.join("_", path.stream().map(e -> e.replace("-", "").replace('.', '_')
        .toUpperCase(java.util.Locale.ROOT)).toList());
  }

  /** The key of a path, as written: {@code leadrouter.sinks.crm.clientSecret}. */
  private static String key(List<String> path) {
    return PREFIX + "." + String.join(".", path);
  }

  /**
   * The value an honoured variable gives its key: a reference to it, resolved (and kept secret, or readable) as any
   * reference is; the text itself where the descriptor reads no references (a sink's type, its delivery section,
   * the journal's type and retention).
   */
  private static String honouredValue(String variable, List<String> path, String value) {
    boolean plain = path.get(0).equals("journal") ? path.size() == 2 && (path.get(1).equals("type")
        || path.get(1).equals("retention"))
        : path.size() >= 3 && (path.get(2).equals("type") || path.get(2).equals("delivery"));
    return plain ? value : "${" + variable + "}";
  }

  /** Every value of the environment that refers to something, and the descriptor file's text. */
  private static String referringText(ConfigurableEnvironment environment, Path baseDir) {
    StringBuilder text = new StringBuilder();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> enumerable
          && !ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)
          && !(source instanceof SystemEnvironmentPropertySource)) {
        for (String key : enumerable.getPropertyNames()) {
          // any property may carry it into leadrouter.* (crm.secret: ${LEADROUTER_SINKS_CRM_CLIENTSECRET}, then
          // clientSecret: ${crm.secret}): a variable someone refers to is used on purpose
          if (enumerable.getProperty(key) instanceof CharSequence value && value.toString().contains("${")) {
            text.append(value).append('\n');
          }
        }
      }
    }
    descriptorText(environment, baseDir).ifPresent(text::append);
    return text.toString();
  }

  /**
   * The text of the descriptor file {@code leadrouter.descriptor} names, for what it refers to; empty when none is
   * named or it cannot be read here. Only a regular file of at most {@link RouterDescriptor#MAX_SIZE} bytes is read:
   * read whole before, a FIFO ({@code <(envsubst ...)}) was drained, so that the descriptor's own load then waited for
   * a writer forever, and a huge file named by mistake was read into memory instead of being refused as too large.
   * The descriptor's own load reports every file it cannot read.
   */
  static Optional<String> descriptorText(ConfigurableEnvironment environment, Path baseDir) {
    String file = environment.getProperty(PREFIX + ".descriptor");
    if (file == null || file.isBlank()) {
      return Optional.empty();
    }
    try {
      Path path = baseDir.resolve(file.strip());
      java.nio.file.attribute.BasicFileAttributes attributes = java.nio.file.Files.readAttributes(path,
          java.nio.file.attribute.BasicFileAttributes.class);
      if (!attributes.isRegularFile() || attributes.size() > RouterDescriptor.MAX_SIZE) {
        return Optional.empty();
      }
      try (java.io.InputStream in = java.nio.file.Files.newInputStream(path)) {
        return Optional.of(new String(in.readNBytes(RouterDescriptor.MAX_SIZE),
            java.nio.charset.StandardCharsets.UTF_8));
      }
    } catch (java.io.IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static RouterDescriptor loadKeys(ConfigurableEnvironment environment, Path baseDir,
      Function<String, Optional<String>> env, Map<String, List<String>> honoured) {
    ObjectNode tree = tree(environment, honoured);
    Optional<String> file = Optional.ofNullable(environment.getProperty(PREFIX + ".descriptor"))
        .filter(s -> !s.isBlank());
    // in any spelling Spring binds (shutdown_timeout, SHUTDOWN-TIMEOUT, Enabled): the starter reads them, and the
    // descriptor would refuse them as sections of its own
    List<String> starterKeys = new ArrayList<>();
    tree.fieldNames().forEachRemaining(k -> {
      if (STARTER_KEYS.stream().anyMatch(s -> uniform(s).equals(uniform(k)))) {
        starterKeys.add(k);
      }
    });
    tree.remove(starterKeys);
    String named = environment.getProperty(PREFIX + ".descriptor");
    if (named != null && named.isBlank() && !tree.has("sinks")) {
      // LEADROUTER_DESCRIPTOR=${DESCRIPTOR_PATH} with the path unset: "leadrouter: is empty" sent the user after the
      // sinks they never meant to write here
      throw new ConfigurationException(keyAsWritten(environment, PREFIX + ".descriptor"), "is empty",
          "name the descriptor file, e.g. leadrouter.yaml, or remove the key and describe the router under"
              + " leadrouter.sinks");
    }
    if (file.isPresent()) {
      if (!tree.isEmpty()) {
        List<String> keys = new ArrayList<>();
        tree.fieldNames().forEachRemaining(k -> keys.add(PREFIX + "." + k));
        throw new ConfigurationException(PREFIX + ".descriptor", "is set together with " + String.join(", ", keys),
            "describe the router in one place: either the descriptor file or the leadrouter.* keys");
      }
      return RouterDescriptor.load(baseDir.resolve(file.get()), env);
    }
    List<Problem> dotted = dottedSinkNames(tree);
    commaLists(tree);
    RouterDescriptor descriptor;
    try {
      descriptor = RouterDescriptor.parse(tree.toString(), RouterDescriptor.Format.JSON, baseDir, env);
    } catch (ConfigurationException e) {
      if (dotted.isEmpty()) {
        throw prefixed(e);
      }
      // the descriptor's own words about a split name ("sinks.crm.type: is required") would send the user after the
      // wrong fix: the name's dot is the problem
      List<Problem> problems = new ArrayList<>(dotted);
      prefixed(e).problems().stream().filter(p -> dotted.stream().map(d -> d.path().substring(0,
          d.path().lastIndexOf('.'))).noneMatch(split -> p.path().equals(split) || p.path().startsWith(split + ".")))
          .forEach(problems::add);
      throw new ConfigurationException(problems);
    }
    if (!dotted.isEmpty()) {
      throw new ConfigurationException(dotted);
    }
    return descriptor;
  }

  /**
   * Whether the property is under {@code leadrouter.} in any spelling Spring binds ({@code leadRouter.sinks...},
   * {@code lead-router.sinks...}): read only as {@code leadrouter.}, a router written {@code leadRouter:} in
   * application.yml was not built, and nothing said so; its secrets were not masked in Actuator either.
   */
  static boolean underPrefix(String key) {
    int end = key.length();
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '.' || c == '[') {
        end = i;
        break;
      }
    }
    return end < key.length() && uniform(key.substring(0, end)).equals(PREFIX);
  }

  /** A property name in one form for every spelling: HOOK_SECRET, hook.secret and hook-secret are one property. */
  static String uniform(String name) {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (Character.isLetterOrDigit(c)) {
        out.append(Character.toLowerCase(c));
      }
    }
    return out.toString();
  }

  /**
   * The key as the user wrote it ({@code leadrouter.shutdownTimeout}) for Spring's canonical name
   * ({@code leadrouter.shutdown-timeout}), from the source of highest precedence; the canonical name if none has it.
   */
  public static String keyAsWritten(ConfigurableEnvironment environment, String canonical) {
    String wanted = uniform(canonical);
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> enumerable
          && !ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)) {
        for (String key : enumerable.getPropertyNames()) {
          if (uniform(key).equals(wanted)) {
            return key;
          }
        }
      }
    }
    return canonical;
  }

  /** The same problems with their paths under {@code leadrouter.}, as they are written in application.yml. */
  public static ConfigurationException prefixed(ConfigurationException e) {
    return new ConfigurationException(e.problems().stream()
        .map(p -> new Problem(p.path().isEmpty() || p.path().equals("descriptor") ? PREFIX : PREFIX + "."
            + p.path(), p.message(), p.fix()))
        .toList());
  }

  /**
   * Sinks whose name held a dot: {@code sinks: {crm.eu: {type: file}}} in application.yml arrives as
   * {@code leadrouter.sinks.crm.eu.type}, i.e. a sink {@code crm} without a type whose only entries are maps.
   */
  private static List<Problem> dottedSinkNames(ObjectNode tree) {
    List<Problem> out = new ArrayList<>();
    JsonNode sinks = tree.get("sinks");
    if (sinks == null || !sinks.isObject()) {
      return out;
    }
    sinks.fields().forEachRemaining(sink -> {
      JsonNode settings = sink.getValue();
      if (settings.isObject() && !settings.isEmpty() && !settings.has("type")) {
        List<String> parts = new ArrayList<>();
        settings.fields().forEachRemaining(f -> parts.add(f.getValue().isObject() ? f.getKey() : null));
        if (!parts.contains(null)) {
          for (String part : parts) {
            String name = sink.getKey() + "." + part;
            out.add(new Problem(PREFIX + ".sinks." + name, "is read as the sink '" + sink.getKey() + "' with a"
                + " setting '" + part + "': Spring splits keys at dots, and a sink name cannot hold one",
                "name the sink without a dot, e.g. " + name.replace('.', '-') + ", in leadrouter.sinks and wherever"
                    + " routes or default name it"));
          }
        }
      }
    });
    return out;
  }

  /**
   * Splits the comma-separated values Spring binds as lists ({@code --leadrouter.default=local,crm},
   * {@code leadrouter.routes[0].channels=AzureMarketplace,SPZA}) where the descriptor takes a list of names: read as
   * one name before, {@code local,crm} named no sink and the start failed saying so. No sink name, channel or action
   * holds a comma, so the split guesses nothing; an empty item ({@code local,}) is reported at its index.
   */
  private static void commaLists(ObjectNode tree) {
    split(tree, "default");
    if (tree.get("routes") instanceof ArrayNode routes) {
      for (JsonNode route : routes) {
        if (route instanceof ObjectNode rule) {
          for (String key : List.of("sinks", "channels", "actions")) {
            split(rule, key);
          }
        }
      }
    }
  }

  private static void split(ObjectNode node, String key) {
    if (node.get(key) instanceof TextNode text && text.asText().contains(",")) {
      ArrayNode items = NODES.arrayNode();
      for (String item : text.asText().split(",", -1)) {
        items.add(item.strip());
      }
      node.set(key, items);
    }
  }

  /** Whether {@code leadrouter.descriptor} or any {@code leadrouter.sinks} entry is set. */
  public static boolean describes(ConfigurableEnvironment environment) {
    return environment.containsProperty(PREFIX + ".descriptor") || tree(environment).has("sinks");
  }

  /** Whether the router is described by {@code leadrouter.*} keys rather than by a descriptor file. */
  public static boolean describesRouter(ConfigurableEnvironment environment) {
    return environment.getProperty(PREFIX + ".descriptor") == null && tree(environment).has("sinks");
  }

  /**
   * Whether the environment configures a router: a descriptor file or any sink; or environment variables named like
   * descriptor keys, which are not read: the router's start then says so instead of the starter backing off.
   */
  public static boolean configured(ConfigurableEnvironment environment) {
    return environment.containsProperty(PREFIX + ".descriptor") || tree(environment).has("sinks")
        || environment.getPropertySources().stream().anyMatch(s -> s instanceof SystemEnvironmentPropertySource v
            && java.util.Arrays.stream(v.getPropertyNames()).anyMatch(n -> DESCRIPTOR_VARIABLE.matcher(n).matches()));
  }

  /**
   * The {@code leadrouter.*} keys as a tree of maps, lists and text, keys exactly as written. Property sources are
   * merged as Spring merges them: the first source (highest precedence) wins per value, maps merge, and a list comes
   * whole from the first source that has it. Environment variables are not read as keys (their names lose case and
   * a variable such as {@code LEADROUTER_TOKEN} would become a key); they are read through {@code ${NAME}} references.
   */
  static ObjectNode tree(ConfigurableEnvironment environment) {
    return tree(environment, Map.of());
  }

  /**
   * The tree, with the {@code honoured} environment variables' values at their keys, at their source's precedence
   * (above application.yml, below system properties and command-line arguments, as Spring has it).
   */
  private static ObjectNode tree(ConfigurableEnvironment environment, Map<String, List<String>> honoured) {
    Map<String, Object> root = new LinkedHashMap<>();
    int index = 0;
    for (PropertySource<?> source : environment.getPropertySources()) {
      index++;
      if (source instanceof SystemEnvironmentPropertySource variables && !honoured.isEmpty()) {
        Set<String> names = Set.of(variables.getPropertyNames());
        for (Map.Entry<String, List<String>> h : honoured.entrySet()) {
          Object value = names.contains(h.getKey()) ? variables.getProperty(h.getKey()) : null;
          if (value != null) {
            ConfigurationPropertyName name = ConfigurationPropertyName.adapt(PREFIX + String.join("",
                h.getValue().stream().map(e -> "[" + e + "]").toList()), '.');
            insert(root, name, 1, honouredValue(h.getKey(), h.getValue(), value.toString()), index);
          }
        }
      }
      if (ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)
          || source instanceof SystemEnvironmentPropertySource
          || !(source instanceof EnumerablePropertySource<?> enumerable)) {
        continue;
      }
      for (String key : enumerable.getPropertyNames()) {
        if (underPrefix(key)) {
          ConfigurationPropertyName name = ConfigurationPropertyName.adapt(key, '.');
          if (name.getNumberOfElements() >= 2) {
            Object value = enumerable.getProperty(key);
            if (value instanceof Object[] array) {
              value = java.util.Arrays.asList(array);
            }
            if (value instanceof java.util.Collection<?> items) {
              // a list set in code (setDefaultProperties(Map.of("leadrouter.default", List.of("crm")))), as Spring
              // binds it: read as its text before, it was one name, "[crm]"
              int i = 0;
              for (Object item : items) {
                insert(root, ConfigurationPropertyName.adapt(key + "[" + i++ + "]", '.'), 1,
                    item == null ? "" : item.toString(), index);
              }
            } else {
              insert(root, name, 1, value == null ? "" : value.toString(), index);
            }
          }
        }
      }
    }
    return (ObjectNode) json(root);
  }

  /** Puts the value at {@code name[i..]} into {@code node}, unless a source of higher precedence has it. */
  @SuppressWarnings("unchecked")
  private static void insert(Object node, ConfigurationPropertyName name, int i, String value, int source) {
    boolean last = i == name.getNumberOfElements() - 1;
    Object child;
    if (node instanceof Items list) {
      if (list.source != source) {
        return; // a list comes whole from the first source that has it
      }
      int at;
      try {
        at = Integer.parseInt(name.getElement(i, Form.ORIGINAL));
      } catch (NumberFormatException e) {
        return;
      }
      child = last ? list.items.putIfAbsent(at, value) : list.items.computeIfAbsent(at, k -> container(name, i, source));
    } else {
      Map<String, Object> map = (Map<String, Object>) node;
      String key = name.getElement(i, Form.ORIGINAL);
      child = last ? map.putIfAbsent(key, value) : map.computeIfAbsent(key, k -> container(name, i, source));
    }
    if (!last && !(child instanceof String)) {
      boolean wantList = name.isNumericIndex(i + 1);
      if (wantList == child instanceof Items) {
        insert(child, name, i + 1, value, source);
      }
    }
  }

  private static Object container(ConfigurationPropertyName name, int i, int source) {
    return name.isNumericIndex(i + 1) ? new Items(source) : new LinkedHashMap<String, Object>();
  }

  @SuppressWarnings("unchecked")
  private static JsonNode json(Object node) {
    if (node instanceof Items list) {
      ArrayNode array = NODES.arrayNode();
      list.items.values().forEach(v -> array.add(json(v)));
      return array;
    }
    if (node instanceof Map<?, ?> map) {
      ObjectNode object = NODES.objectNode();
      ((Map<String, Object>) map).forEach((k, v) -> object.set(k, json(v)));
      return object;
    }
    return TextNode.valueOf((String) node);
  }

  /** A list under construction: its items by index, and the property source it comes from. */
  private static final class Items {
    private final TreeMap<Integer, Object> items = new TreeMap<>();
    private final int source;

    Items(int source) {
      this.source = source;
    }
  }
}
