package io.leadrouter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/**
 * A sender's lead id made of the customer's phone number ({@code tel-4915112345678}): the application's log, where the
 * router says a lead was dead-lettered, shows it masked as spans do, never the number.
 */
@Timeout(120)
@ExtendWith(OutputCaptureExtension.class)
class LeadIdLoggingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @Test
  void aDeadLetteredLeadWhoseIdIsAPhone_isLoggedMasked(CapturedOutput output) {
    InMemoryLeadSink crm = new InMemoryLeadSink().failPermanently(new Diagnosis("CRM_REFUSED", "refused",
        "fix the CRM"));
    StarterContexts.runner()
        .withPropertyValues("leadrouter.journal.type=memory", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.path=" + System.getProperty("java.io.tmpdir") + "/spring3-unused.ndjson",
            "leadrouter.default[0]=local")
        .withBean(LeadRouterCustomizer.class, () -> b -> b.addSink("crm", crm).defaultRoute("crm"))
        .run(context -> {
          LeadRouter router = context.getBean(LeadRouter.class);
          Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id("tel-4915112345678").build();
          router.route(lead);
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (router.counts().getOrDefault("crm", Map.of()).getOrDefault(DeliveryState.DEAD, 0L) == 0L) {
            assertThat(System.nanoTime()).as("dead-lettered within %s", WAIT).isLessThan(deadline);
            Thread.sleep(20);
          }
        });
    assertThat(output).contains("lead tel-***78 dead-lettered").doesNotContain("4915112345678")
        .doesNotContain("5112345");
  }
}
