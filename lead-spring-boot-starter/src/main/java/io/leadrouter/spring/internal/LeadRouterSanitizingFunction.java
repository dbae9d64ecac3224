package io.leadrouter.spring.internal;

import io.leadrouter.spi.Scrubber;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Keeps the router's secrets out of {@code /actuator/env} and {@code /actuator/configprops} even where an
 * application shows values ({@code management.endpoint.env.show-values: always}): a {@code leadrouter.*} key named
 * like a secret ({@code clientSecret}, {@code signingSecret}, {@code password}, {@code apiKey}, {@code sasToken}...)
 * or in a section named so (every {@code secretHeaders.*}), the property such a key refers to with {@code ${NAME}}
 * (an environment variable, a vault entry), and the credentials in a URL under {@code leadrouter.} or in a property
 * another {@code leadrouter.*} key refers to. The endpoint resolves {@code ${NAME}} itself, so a reference
 * alone would show the secret. Internal: not API.
 */
public final class LeadRouterSanitizingFunction implements SanitizingFunction {
  private static final Pattern SECRET_KEY = Pattern.compile(
      ".*(secret|password|passwd|token|apikey|api-key|accountkey|account-key|credential|signature|sas"
          + "|connectionstring|connection-string|privatekey|private-key).*");
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}:]+)(?::[^}]*)?}");

  private final Set<String> referenced;
  private final Set<String> referencedByOthers;

  /** The function for this environment: the names its {@code leadrouter.*} keys refer to are read now. */
  public LeadRouterSanitizingFunction(ConfigurableEnvironment environment) {
    Set<String> names = new HashSet<>();
    Set<String> others = new HashSet<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> enumerable) {
        for (String key : enumerable.getPropertyNames()) {
          if (EnvironmentDescriptor.underPrefix(key) && enumerable.getProperty(key) instanceof CharSequence v) {
            Matcher m = REFERENCE.matcher(v);
            while (m.find()) {
              (secretKey(key) ? names : others).add(EnvironmentDescriptor.uniform(m.group(1)));
            }
          }
        }
      }
    }
    // a descriptor file's references are the router's too: its clientSecret: ${DYN_SECRET} makes DYN_SECRET one
    EnvironmentDescriptor.descriptorText(environment, java.nio.file.Path.of("").toAbsolutePath())
        .ifPresent(text -> descriptorReferences(text, names, others));
    // followed on: signingSecret: ${hook.signing} with hook.signing: ${VAULT_HOOK} makes VAULT_HOOK's value the secret
    // (only hook.signing was masked before, and the variable itself was shown)
    java.util.Map<String, List<String>> values = values(environment);
    follow(names, values);
    follow(others, values);
    this.referenced = Set.copyOf(names);
    others.removeAll(names);
    this.referencedByOthers = Set.copyOf(others);
  }

  @Override
  public SanitizableData apply(SanitizableData data) {
    String key = data.getKey();
    if (data.getValue() == null) {
      return data;
    }
    // an environment variable that overrides a key (LEADROUTER_SINKS_CRM_CLIENTSECRET) is that key's value
    boolean variable = EnvironmentDescriptor.DESCRIPTOR_VARIABLE.matcher(key).matches();
    String asKey = variable ? key.toLowerCase(Locale.ROOT).replace('_', '.') : key;
    if (referenced.contains(EnvironmentDescriptor.uniform(key)) || EnvironmentDescriptor.underPrefix(asKey) && secretKey(asKey)) {
      return data.withSanitizedValue();
    }
    if ((EnvironmentDescriptor.underPrefix(asKey) || referencedByOthers.contains(EnvironmentDescriptor.uniform(key)))
        && data.getValue() instanceof CharSequence value) {
      // a URL with its credentials in it (https://user:password@host, ?sig=...) is shown without them, under its
      // leadrouter key and under the property it comes from
      String scrubbed = Scrubber.standard().scrubCredentials(value.toString());
      return scrubbed.contentEquals(value) ? data : data.withValue(scrubbed);
    }
    return data;
  }

  /** Every property's raw values, by its name in {@link EnvironmentDescriptor#uniform} form. */
  private static java.util.Map<String, List<String>> values(ConfigurableEnvironment environment) {
    java.util.Map<String, List<String>> out = new java.util.HashMap<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> enumerable
          && !ConfigurationPropertySources.isAttachedConfigurationPropertySource(source)) {
        for (String key : enumerable.getPropertyNames()) {
          if (enumerable.getProperty(key) instanceof CharSequence v && v.toString().contains("${")) {
            out.computeIfAbsent(EnvironmentDescriptor.uniform(key), k -> new ArrayList<>()).add(v.toString());
          }
        }
      }
    }
    return out;
  }

  /** Adds to {@code names} every name their values refer to, and so on (each name once, so a cycle ends). */
  private static void follow(Set<String> names, java.util.Map<String, List<String>> values) {
    java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(names);
    while (!todo.isEmpty()) {
      for (String value : values.getOrDefault(todo.poll(), List.of())) {
        Matcher m = REFERENCE.matcher(value);
        while (m.find()) {
          String name = EnvironmentDescriptor.uniform(m.group(1));
          if (names.add(name)) {
            todo.add(name);
          }
        }
      }
    }
  }

  /** The names a descriptor file (YAML or JSON) refers to, by whether the key referring is named like a secret. */
  private static void descriptorReferences(String text, Set<String> names, Set<String> others) {
    com.fasterxml.jackson.databind.JsonNode root;
    try {
      root = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper().readTree(text);
    } catch (java.io.IOException | RuntimeException e) {
      return; // the descriptor's own load reports what it cannot read
    }
    if (root != null) {
      references(root, EnvironmentDescriptor.PREFIX, names, others);
    }
  }

  private static void references(com.fasterxml.jackson.databind.JsonNode node, String key, Set<String> names,
      Set<String> others) {
    if (node.isContainerNode()) {
      var fields = node.fields();
      if (node.isArray()) {
        for (int i = 0; i < node.size(); i++) {
          references(node.get(i), key + "[" + i + "]", names, others);
        }
      }
      while (fields.hasNext()) {
        var f = fields.next();
        references(f.getValue(), key + "[" + f.getKey() + "]", names, others);
      }
    } else if (node.isTextual()) {
      Matcher m = REFERENCE.matcher(node.asText());
      while (m.find()) {
        boolean secret;
        try {
          secret = secretKey(key);
        } catch (RuntimeException e) {
          secret = true; // a key Spring cannot read as a property name: keep what it refers to masked
        }
        (secret ? names : others).add(EnvironmentDescriptor.uniform(m.group(1)));
      }
    }
  }

  /**
   * Whether the key is named like a secret, in any case or spelling (clientSecret, client-secret): its last element,
   * or a section it is in ({@code secretHeaders.Authorization}: the header's name is the destination's and need not
   * say it is a secret; the section does). A sink's own name is not read, so a sink may be called {@code token-api}.
   */
  private static boolean secretKey(String key) {
    ConfigurationPropertyName name = ConfigurationPropertyName.adapt(key, '.');
    boolean sink = name.getNumberOfElements() > 2 && name.getElement(1, Form.UNIFORM).equals("sinks");
    for (int i = sink ? 3 : 1; i < name.getNumberOfElements(); i++) {
      if (SECRET_KEY.matcher(name.getElement(i, Form.ORIGINAL).toLowerCase(Locale.ROOT)).matches()) {
        return true;
      }
    }
    return false;
  }
}
