package io.leadrouter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code leadRouter:} in application.yml, spelt as the class is: Spring binds keys in any case, but the starter read
 * only {@code leadrouter.}, so it built no router and said nothing (the application then failed for a missing
 * {@code LeadRouter} bean, or ran without one), and Actuator showed the secrets written under it.
 */
@Timeout(120)
class PrefixSpellingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final ApplicationContextRunner runner = StarterContexts.runner();

  @Test
  void leadRouterInCamelCase_buildsTheRouterItDescribes() {
    Path leads = dir.resolve("leads.ndjson");
    runner.withPropertyValues("leadRouter.journal.type=sqlite", "leadRouter.journal.path=" + dir.resolve("lr.db"),
        "leadRouter.sinks.local.type=file", "leadRouter.sinks.local.path=" + leads, "leadRouter.default[0]=local")
        .run(context -> {
          assertThat(context).hasNotFailed().hasSingleBean(LeadRouter.class);
          Lead lead = SampleLeads.testDrive();
          context.getBean(LeadRouter.class).routeAndWait(lead, WAIT);
          assertThat(Files.readString(leads)).contains(lead.id().toString());
        });
  }

  @Test
  void leadRouterInCamelCase_itsSecretsAreMaskedInActuator() {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("camel-case-prefix-secret-0123"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    StarterContexts.showingEnv(runner).withPropertyValues("leadRouter.journal.type=memory",
            "leadRouter.sinks.hook.type=https", "leadRouter.sinks.hook.url=https://hooks.example.com/leads",
            "leadRouter.default=hook", "HOOK_SECRET=" + secret, "leadRouter.sinks.hook.signingSecret=${HOOK_SECRET}")
        .run(context -> {
          String shown = StarterContexts.envShown(context);
          assertThat(shown).contains("hooks.example.com").doesNotContain(secret.substring(6, 26));
        });
  }
}
