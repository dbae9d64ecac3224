package io.leadrouter.spring.internal;

import io.leadrouter.spi.Scrubber;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;

/**
 * Keeps the router's secrets out of {@code /actuator/env} and {@code /actuator/configprops} even where an
 * application shows values ({@code management.endpoint.env.show-values: always}): a {@code leadrouter.*} key named
 * like a secret ({@code clientSecret}, {@code signingSecret}, {@code password}, {@code apiKey}, {@code sasToken}...),
 * the property such a key refers to with {@code ${NAME}} (an environment variable, a vault entry), and the user
 * information of any URL under {@code leadrouter.}. The endpoint resolves {@code ${NAME}} itself, so a reference
 * alone would show the secret. Internal: not API.
 */
public final class LeadRouterSanitizingFunction implements SanitizingFunction {
  private static final Pattern SECRET_KEY = Pattern.compile(
      ".*(secret|password|passwd|token|apikey|api-key|accountkey|account-key|credential|signature|sas"
          + "|connectionstring|connection-string|privatekey|private-key).*");
  private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}:]+)(?::[^}]*)?}");
  private static final String PREFIX = EnvironmentDescriptor.PREFIX + ".";

  private final Set<String> referenced;

  /** The function for this environment: the names its secret {@code leadrouter.*} keys refer to are read now. */
  public LeadRouterSanitizingFunction(ConfigurableEnvironment environment) {
    Set<String> names = new HashSet<>();
    for (PropertySource<?> source : environment.getPropertySources()) {
      if (source instanceof EnumerablePropertySource<?> enumerable) {
        for (String key : enumerable.getPropertyNames()) {
          if (key.startsWith(PREFIX) && secretKey(key) && enumerable.getProperty(key) instanceof CharSequence v) {
            Matcher m = REFERENCE.matcher(v);
            while (m.find()) {
              names.add(EnvironmentDescriptor.uniform(m.group(1)));
            }
          }
        }
      }
    }
    this.referenced = Set.copyOf(names);
  }

  @Override
  public SanitizableData apply(SanitizableData data) {
    String key = data.getKey();
    if (data.getValue() == null) {
      return data;
    }
    if (referenced.contains(EnvironmentDescriptor.uniform(key)) || key.startsWith(PREFIX) && secretKey(key)) {
      return data.withSanitizedValue();
    }
    if (key.startsWith(PREFIX) && data.getValue() instanceof CharSequence value) {
      String scrubbed = Scrubber.standard().scrubCredentials(value.toString());
      return scrubbed.contentEquals(value) ? data : data.withValue(scrubbed);
    }
    return data;
  }

  /** Whether the key's last element is named like a secret, in any case or spelling (clientSecret, client-secret). */
  private static boolean secretKey(String key) {
    String last = key.substring(Math.max(key.lastIndexOf('.'), key.lastIndexOf('[')) + 1);
    return SECRET_KEY.matcher(last.toLowerCase(Locale.ROOT)).matches();
  }
}
