package io.leadrouter.internal;

import io.leadrouter.ConfigurationException;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import java.util.Iterator;
import java.util.LinkedHashMap;
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
    String type = provider.type();
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
        LOG.warn("skipping a sink provider that failed to load: {}", e.getMessage());
        continue;
      }
      add(p);
    }
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
      throw new ConfigurationException("sinks." + config.name() + ".type", "no sink of type '" + config.type() + "'",
          fix);
    }
    return p.create(config);
  }
}
