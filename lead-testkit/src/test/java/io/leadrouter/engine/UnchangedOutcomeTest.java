package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sink in sync mode {@code create} that finds the record already there reports {@code UNCHANGED}: the lead is
 * delivered (settled DELIVERED, the DELIVERED event), and the result says truthfully that nothing was written, in the
 * receipt, the event and the journal (also after a restart).
 */
@Timeout(60)
class UnchangedOutcomeTest {
  @TempDir
  Path dir;

  @Test
  void unchanged_settlesDelivered_andEveryOneSaysUnchanged() throws Exception {
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    Path file = dir.resolve("leads.db");
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(file))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().build(), l -> DeliveryResult.unchanged("rec-7")),
            DeliveryPolicy.DEFAULTS)
        .listener(events::add).defaultRoute("crm").build()) {
      DeliveryResult result = router.route(lead).deliveries().get("crm").get(30, TimeUnit.SECONDS);
      assertThat(result).isEqualTo(new DeliveryResult(DeliveryOutcome.UNCHANGED, Optional.of("rec-7")));
    }
    assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.DELIVERED).singleElement()
        .satisfies(e -> assertThat(e.result()).contains(DeliveryResult.unchanged("rec-7")));
    try (LeadJournal reopened = SqliteJournal.open(file)) {
      DeliveryRecord rec = reopened.deliveries(lead.id()).get(0);
      assertThat(rec.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(rec.result()).contains(DeliveryResult.unchanged("rec-7"));
    }
  }
}
