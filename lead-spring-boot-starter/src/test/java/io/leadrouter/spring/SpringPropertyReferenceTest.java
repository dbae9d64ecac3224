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

/**
 * A setting referring to another Spring property by its dotted name ({@code path: ${leads.file}}, a vault's
 * {@code crm.client-secret}), as the README promises ("any property source such as a vault"): the loader refused every
 * name but an environment variable's ({@code '${leads.file}' is not a reference}), so the start failed.
 */
@Timeout(120)
class SpringPropertyReferenceTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aReferenceToADottedSpringProperty_isResolvedThroughTheEnvironment() {
    Path leads = dir.resolve("leads.ndjson");
    StarterContexts.runner()
        .withPropertyValues("leadrouter.journal.type=memory", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.path=${leads.file}", "leads.file=" + leads, "leadrouter.default[0]=local")
        .run(context -> {
          assertThat(context).hasNotFailed();
          Lead lead = SampleLeads.testDrive();
          context.getBean(LeadRouter.class).routeAndWait(lead, WAIT);
          assertThat(Files.readString(leads)).contains(lead.id().toString());
        });
  }

  @Test
  void aReferenceToAMissingDottedProperty_failsTheStartNamingIt() {
    StarterContexts.runner()
        .withPropertyValues("leadrouter.journal.type=memory", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.path=${leads.fiel}", "leadrouter.default[0]=local")
        .run(context -> {
          assertThat(context).hasFailed();
          assertThat(context.getStartupFailure()).rootCause()
              .hasMessageContaining("leadrouter.sinks.local.path: property leads.fiel is not set");
        });
  }
}
