package io.leadrouter.internal;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Scrubber;
import io.leadrouter.spi.SinkConfig;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sink providers by type. Explicit registration first, {@link ServiceLoader} discovery on request; one broken
 * provider jar is logged and skipped, two providers of one type is an error naming both classes, an unknown type
 * names the artifact to add.
 */
public final class SinkRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(SinkRegistry.class);
  private static final int MAX_PROVIDERS = 1000;
  /** The provider's class in a {@link ServiceConfigurationError}'s message. */
  private static final java.util.regex.Pattern PROVIDER = java.util.regex.Pattern.compile("Provider (\\S+) ");
  private static final Map<String, String> ARTIFACTS = Map.of(
      "file", "io.leadrouter:lead-core",
      "https", "io.leadrouter:lead-https",
      "dynamics", "io.leadrouter:lead-dynamics",
      "marketo", "io.leadrouter:lead-marketo",
      "salesforce", "io.leadrouter:lead-salesforce",
      "salesforce-web2lead", "io.leadrouter:lead-salesforce",
      "azuretable", "io.leadrouter:lead-azuretable");

  private final Map<String, LeadSinkProvider> providers = new LinkedHashMap<>();

  /** Registers a provider; a second provider of the same type (another class) is an error. */
  public void add(LeadSinkProvider provider) {
    Objects.requireNonNull(provider, "provider");
    String type = type(provider);
    if (type == null || type.isBlank()) {
      throw new ConfigurationException("providers", provider.getClass().getName() + " declares no type",
          "return a non-empty type() from the provider");
    }
    LeadSinkProvider existing = providers.get(type);
    if (existing != null) {
      if (existing.getClass().getName().equals(provider.getClass().getName())) {
        return; // the same provider found twice (e.g. the jar is on the class path twice)
      }
      throw new ConfigurationException("providers." + type, "two sink providers declare type '" + type + "': "
          + existing.getClass().getName() + " and " + provider.getClass().getName(),
          "remove one of the two jars from the class path");
    }
    providers.put(type, provider);
  }

  /** The provider's type; a {@code type()} that throws is reported naming the provider's class. */
  private static String type(LeadSinkProvider provider) {
    try {
      return provider.type();
    } catch (Throwable e) { // NOPMD: a plugin's bug (an Error too), reported naming it
      throw new ConfigurationException("providers", provider.getClass().getName() + " failed in type(): "
          + Scrubber.standard().scrub(String.valueOf(e)), "report this to the plugin's authors; type() must return"
          + " the provider's type name");
    }
  }

  /** Adds every provider {@link ServiceLoader} finds; a provider that fails to load is logged and skipped. */
  public void discover(ClassLoader classLoader) {
    Iterator<LeadSinkProvider> it = ServiceLoader.load(LeadSinkProvider.class, classLoader).iterator();
    for (int i = 0; i < MAX_PROVIDERS; i++) {
      LeadSinkProvider p;
      try {
        if (!it.hasNext()) {
          return;
        }
        p = it.next();
      } catch (ServiceConfigurationError e) {
        LOG.warn("skipping a sink provider that failed to load: {}{}{}. The other providers are loaded; fix or remove"
            + " that jar (a NoClassDefFoundError means a jar the plugin needs is missing)", e.getMessage(),
            e.getCause() != null ? " (" + Scrubber.standard().scrub(String.valueOf(e.getCause())) + ")" : "",
            listedIn(classLoader, e.getMessage()));
        continue;
      }
      try {
        type(p);
      } catch (ConfigurationException e) { // like one that fails to load: the others still load
        LOG.warn("skipping a sink provider: {}{}", e.problems().get(0),
            listedIn(classLoader, "Provider " + p.getClass().getName() + " "));
        continue;
      }
      add(p);
    }
  }

  /**
   * Where {@code META-INF/services} lists the provider a {@link ServiceConfigurationError} names ({@code Provider
   * com.example.X could not be instantiated}): {@code ", listed in jar:file:/…/plugin.jar!/META-INF/services/…"}, or
   * nothing when it cannot be told.
   */
  private static String listedIn(ClassLoader classLoader, String message) {
    java.util.regex.Matcher m = PROVIDER.matcher(String.valueOf(message));
    if (!m.find()) {
      return "";
    }
    String name = m.group(1);
    List<String> where = new ArrayList<>();
    try {
      java.util.Enumeration<java.net.URL> files =
          classLoader.getResources("META-INF/services/" + LeadSinkProvider.class.getName());
      while (files.hasMoreElements() && where.size() < 10) {
        java.net.URL url = files.nextElement();
        try (java.io.InputStream in = url.openStream()) {
          String text = new String(in.readNBytes(1 << 20), java.nio.charset.StandardCharsets.UTF_8);
          for (String line : text.split("\\R")) {
            int hash = line.indexOf('#');
            if ((hash >= 0 ? line.substring(0, hash) : line).strip().equals(name)) {
              where.add(url.toString());
              break;
            }
          }
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      return ""; // only a better message was at stake
    }
    return where.isEmpty() ? "" : ", listed in " + String.join(" and ", where);
  }

  /** The registered types. */
  public java.util.Set<String> types() {
    return new TreeSet<>(providers.keySet());
  }

  /**
   * Creates a sink of {@code config.type()}.
   *
   * @throws ConfigurationException for an unknown type (naming the artifact to add) or a bad configuration
   */
  public LeadSink create(SinkConfig config) {
    LeadSinkProvider p = providers.get(config.type());
    if (p == null) {
      String artifact = ARTIFACTS.get(config.type());
      String fix = artifact != null
          ? "add " + artifact + " to the class path"
          : "check the spelling (known types: " + String.join(", ", types())
              + ") or add the jar of the plugin that provides it";
      if (artifact == null) {
        // a type written in another case or with a typo (File, dynamic): the nearest type, registered or ours
        java.util.Set<String> known = new TreeSet<>(providers.keySet());
        known.addAll(ARTIFACTS.keySet());
        String otherwise = fix;
        fix = Spelling.didYouMean(config.type(), known).map(s -> s + " otherwise " + otherwise).orElse(fix);
      }
      throw new ConfigurationException("sinks." + config.name() + ".type", "no sink of type '" + config.type() + "'",
          fix);
    }
    String plugin = p.getClass().getName();
    String path = "sinks." + config.name();
    LeadSink sink;
    try {
      sink = p.create(config);
    } catch (ConfigurationException e) {
      throw e;
    } catch (Throwable e) { // NOPMD: a plugin's bug (or its missing dependency) is this sink's problem, named
      boolean linkage = e instanceof LinkageError;
      throw new ConfigurationException(path, "the '" + config.type() + "' sink provider " + plugin + " failed: "
          + Scrubber.standard().scrub(String.valueOf(e)), linkage
          ? "a class the plugin needs is missing or of another version: put the plugin's dependencies on the class"
              + " path, in the versions it was built with"
          : "report this to the plugin's authors (" + plugin + "): create() must report bad settings as a"
              + " ConfigurationException naming each key");
    }
    if (sink == null) {
      throw new ConfigurationException(path, "the '" + config.type() + "' sink provider " + plugin
          + " returned null from create()", "report this to the plugin's authors (" + plugin + ")");
    }
    return sink;
  }
}
