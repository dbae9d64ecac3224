package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination taken out of the router's configuration while the journal still holds leads for it: the leads are
 * kept (never dropped), the router says so at start, naming the destination, how many wait and the fix, and once the
 * destination is configured again they are delivered.
 */
@Timeout(120)
class UnservedDestinationTest {
  private static final DeliveryPolicy QUICK = DeliveryPolicy.builder()
      .backoff(Duration.ofMillis(100), Duration.ofMillis(200)).build();

  @TempDir Path dir;

  @Test
  void destinationRemovedWithLeadsWaiting_theStartSaysSoAndNamesTheFix_andTheyAreDeliveredWhenItIsBack()
      throws Exception {
    Path db = dir.resolve("leadrouter.db");
    InMemoryLeadSink crm = new InMemoryLeadSink();
    InMemoryLeadSink down = new InMemoryLeadSink().failNext(Integer.MAX_VALUE, Duration.ZERO);
    List<Lead> leads = List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.azureMarketplaceInstall());
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("crm", crm).addSink("marketing", down, QUICK).defaultRoute("crm", "marketing").build()) {
      for (Lead lead : leads) {
        router.route(lead).deliveries().get("crm").get(30, TimeUnit.SECONDS);
      }
    }

    String log;
    try (OutputCapture out = OutputCapture.start()) {
      try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db)).addSink("crm", crm)
          .defaultRoute("crm").build()) {
        assertThat(router.counts().get("marketing").get(DeliveryState.PENDING)).isEqualTo(2L);
      }
      log = out.text();
    }
    assertThat(log).contains("the journal holds 2 lead(s) not delivered to 'marketing' (2 waiting, 0 dead-lettered),"
        + " and this router has no sink named 'marketing': they are kept, not delivered, not dropped. To deliver"
        + " them, configure a sink named 'marketing' again (then replay its dead letters)");

    InMemoryLeadSink back = new InMemoryLeadSink();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db)).addSink("crm", crm)
        .addSink("marketing", back, QUICK).defaultRoute("crm", "marketing").build()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (back.size() < 2) {
        assertThat(System.nanoTime() - deadline).as("both waiting leads delivered once back").isNegative();
        TimeUnit.MILLISECONDS.sleep(20); // polling, not timing
      }
    }
    for (Lead lead : leads) {
      assertThat(back.deliveryCount(lead.id())).isEqualTo(1);
      assertThat(crm.deliveryCount(lead.id())).isEqualTo(1);
    }
  }
}
