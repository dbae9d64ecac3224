package io.leadrouter.spring;

import static io.leadrouter.spring.StarterContexts.rootCause;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * An operator overrides a key of application.yml with an environment variable, as every Spring application allows
 * ({@code LEADROUTER_SINKS_LOCAL_PATH} for {@code leadrouter.sinks.local.path}). The last session made such a variable
 * fail the start (before, it was silently ignored); a variable that names exactly one key written under
 * {@code leadrouter.} now overrides it, as Spring's relaxed binding would; only one that could be several keys, or
 * none, fails the start, naming it.
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class EnvironmentVariableOverrideTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final ApplicationContextRunner runner = StarterContexts.runner();

  /**
   * application.yml and the process's environment where Spring Boot puts them: the variables above the file, below
   * system properties.
   */
  private static ApplicationContextInitializer<ConfigurableApplicationContext> applicationYmlAndVariables(
      Map<String, Object> yml, String... variables) {
    Map<String, Object> env = new LinkedHashMap<>();
    for (int i = 0; i < variables.length; i += 2) {
      env.put(variables[i], variables[i + 1]);
    }
    return context -> {
      var sources = context.getEnvironment().getPropertySources();
      sources.addAfter(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME,
          new SystemEnvironmentPropertySource("testVariables", env));
      sources.addLast(new MapPropertySource("Config resource 'class path resource [application.yml]'", yml));
    };
  }

  private Map<String, Object> fileSinks(String... names) {
    Map<String, Object> yml = new LinkedHashMap<>();
    yml.put("leadrouter.journal.type", "sqlite");
    yml.put("leadrouter.journal.path", dir.resolve("leadrouter.db").toString());
    for (String name : names) {
      yml.put("leadrouter.sinks." + name + ".type", "file");
      yml.put("leadrouter.sinks." + name + ".path", dir.resolve(name + ".ndjson").toString());
    }
    yml.put("leadrouter.default[0]", names[0]);
    return yml;
  }

  @Test
  void aVariableNamingOneWrittenKey_overridesIt_andTheStartSaysSoWithoutItsValue(CapturedOutput output)
      throws Exception {
    Path moved = dir.resolve("moved-by-the-operator.ndjson");
    runner.withInitializer(applicationYmlAndVariables(fileSinks("local"), "LEADROUTER_SINKS_LOCAL_PATH",
        moved.toString())).run(context -> {
          assertThat(context).hasNotFailed();
          Lead lead = SampleLeads.azureMarketplaceInstall();
          context.getBean(LeadRouter.class).routeAndWait(lead, WAIT);
          assertThat(Files.readString(moved)).contains(lead.id().toString());
          assertThat(dir.resolve("local.ndjson")).doesNotExist();
        });
    assertThat(output).contains("leadrouter.sinks.local.path: set by the environment variable"
        + " LEADROUTER_SINKS_LOCAL_PATH").doesNotContain("moved-by-the-operator");
  }

  @Test
  void aKeySetAboveTheVariables_wins_andTheStartDoesNotClaimTheVariableSetIt(CapturedOutput output)
      throws Exception {
    // a command-line argument (or a system property) outranks environment variables in Spring
    Path argument = dir.resolve("from-the-command-line.ndjson");
    runner.withPropertyValues("leadrouter.sinks.local.path=" + argument)
        .withInitializer(applicationYmlAndVariables(fileSinks("local"), "LEADROUTER_SINKS_LOCAL_PATH",
            dir.resolve("from-the-variable.ndjson").toString())).run(context -> {
          assertThat(context).hasNotFailed();
          Lead lead = SampleLeads.azureMarketplaceInstall();
          context.getBean(LeadRouter.class).routeAndWait(lead, WAIT);
          assertThat(Files.readString(argument)).contains(lead.id().toString());
        });
    assertThat(output).doesNotContain("set by the environment variable LEADROUTER_SINKS_LOCAL_PATH");
  }

  @Test
  void aSecretOverriddenByAVariable_isNoInlineSecret_andActuatorMasksTheVariable() {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Map<String, Object> yml = new LinkedHashMap<>();
    yml.put("leadrouter.journal.type", "memory");
    yml.put("leadrouter.sinks.hook.type", "https");
    yml.put("leadrouter.sinks.hook.url", "https://hooks.example.com/leads");
    yml.put("leadrouter.sinks.hook.signingSecret", "${HOOK_SECRET}");
    yml.put("leadrouter.default[0]", "hook");
    StarterContexts.showingEnv(runner).withInitializer(applicationYmlAndVariables(yml, "HOOK_SECRET",
            "whsec_b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==", "LEADROUTER_SINKS_HOOK_SIGNINGSECRET", secret))
        .run(context -> {
          String shown = StarterContexts.envShown(context);
          assertThat(shown).contains("LEADROUTER_SINKS_HOOK_SIGNINGSECRET").doesNotContain(secret.substring(6, 26));
        });
  }

  @Test
  void aVariableThatCouldBeTwoKeys_failsTheStart_namingItAndBoth() {
    // sink names lose their dashes in a variable's name: my-crm and mycrm are both MYCRM
    runner.withInitializer(applicationYmlAndVariables(fileSinks("my-crm", "mycrm"), "LEADROUTER_SINKS_MYCRM_PATH",
        dir.resolve("which.ndjson").toString())).run(context -> {
          assertThat(context).hasFailed();
          ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
          assertThat(e.problems()).extracting(p -> p.path()).containsExactly("LEADROUTER_SINKS_MYCRM_PATH");
          assertThat(e.getMessage()).contains("could set any of leadrouter.sinks.my-crm.path,"
              + " leadrouter.sinks.mycrm.path").contains("${LEADROUTER_SINKS_MYCRM_PATH}")
              .doesNotContain("which.ndjson");
        });
  }

  @Test
  void aVariableNamingNoWrittenKey_failsTheStart_namingIt() {
    runner.withInitializer(applicationYmlAndVariables(fileSinks("local"), "LEADROUTER_SINKS_LOCAL_PATHS",
        dir.resolve("typo.ndjson").toString())).run(context -> {
          assertThat(context).hasFailed();
          ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
          assertThat(e.problems()).extracting(p -> p.path()).containsExactly("LEADROUTER_SINKS_LOCAL_PATHS");
          assertThat(e.getMessage()).contains("named like the key leadrouter.sinks.local.paths, but no such key is"
              + " written under leadrouter. for it to override").doesNotContain("typo.ndjson");
        });
  }
}
