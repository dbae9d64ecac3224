package io.leadrouter.internal.descriptor;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import io.leadrouter.internal.SinkRegistry;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkConfig;
import java.util.Collection;
import java.util.List;

/**
 * Checks the sinks' own settings with their providers while a descriptor is being refused for problems of its own,
 * so that one run names every problem: a typo under {@code delivery} and a missing {@code clientId} of the same
 * file are reported together, not one after the other. Only used on the failure path: a valid descriptor's sinks
 * are created (and checked) once, by the router's builder.
 */
final class SinkSettingsCheck {
  private SinkSettingsCheck() {}

  /**
   * Creates (and closes at once) each sink whose type a provider on the context class path serves, recording the
   * problems its provider reports; a problem at a path the descriptor already reported (an unset
   * {@code ${ENV_VAR}} that the provider sees as missing) is not repeated. A type no provider serves is left to the
   * builder, which may be given that provider explicitly. A key the provider does not know is reported even where
   * the descriptor reported its value ({@code tenantld: ${UNSET}} is a typo and an unset variable).
   */
  static void check(Collection<SinkConfig> settings, Problems problems) {
    if (settings.isEmpty()) {
      return;
    }
    SinkRegistry registry = new SinkRegistry();
    try {
      ClassLoader loader = Thread.currentThread().getContextClassLoader();
      registry.discover(loader != null ? loader : SinkSettingsCheck.class.getClassLoader());
    } catch (ConfigurationException e) {
      return; // two providers of one type: the builder reports it, naming both
    }
    for (SinkConfig config : settings) {
      if (!registry.types().contains(config.type())) {
        continue;
      }
      try (LeadSink sink = registry.create(config)) {
        // valid settings: nothing to report, and the sink is closed unused
      } catch (ConfigurationException e) {
        for (Problem p : e.problems()) {
          if (unknownKey(config, p)) {
            problems.add(p.path(), p.message(), p.fix());
          } else {
            problems.addUnlessAt(p);
          }
        }
      } catch (RuntimeException e) {
        // a provider failing otherwise is reported when the builder creates the sink
      }
    }
  }

  /** Whether {@code p} is the provider's "not a setting" of a key given in {@code config}, as SinkConfig words it. */
  private static boolean unknownKey(SinkConfig config, Problem p) {
    String start = config.path("");
    if (!p.path().startsWith(start)) {
      return false;
    }
    String key = p.path().substring(start.length());
    if (!config.keys().contains(key)) {
      return false;
    }
    // a view of that key alone, never read, reports exactly the problem of an unknown key
    List<Problem> unread = SinkConfig.builder(config.name(), config.type()).put(key, "").build().problems();
    return unread.size() == 1 && unread.get(0).message().equals(p.message());
  }
}
