package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.RoutingRule;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A destination that throttles (429 after 429) is said once, as what it is and what to do, and once more when it
 * takes calls again; nothing is given up for it, each lead is delivered once, and the destination beside it is not
 * held up. Before, a destination throttling for hours wrote not one log line: its leads sat pending, unexplained.
 */
@Timeout(120)
class ThrottleLogTest {
  @TempDir Path dir;

  @Test
  void throttlingDestination_saidOnceWithTheFix_andOnceWhenItEnds_noLeadLostOrDoubled() throws Exception {
    AtomicInteger crmCalls = new AtomicInteger();
    List<LeadId> crmGot = new CopyOnWriteArrayList<>();
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    DeliveryPolicy policy = DeliveryPolicy.builder().backoff(Duration.ofMillis(5), Duration.ofMillis(50)).build();
    String log;
    try (OutputCapture out = OutputCapture.start()) {
      try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
          .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(2).build(), lead -> {
            if (crmCalls.incrementAndGet() <= 40) {
              throw TransientDeliveryException.throttled("429 Too Many Requests", Duration.ofMillis(20), null);
            }
            crmGot.add(lead.id());
            return DeliveryResult.created(lead.id().value());
          }), policy)
          .addSink("archive", TestSinks.of(SinkCapabilities.builder().build(),
              lead -> DeliveryResult.created(lead.id().value())))
          .route(RoutingRule.all("both", List.of("crm", "archive")))
          .listener(events::add).build()) {
        List<CompletableFuture<?>> crm = new ArrayList<>();
        List<CompletableFuture<?>> archive = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
          RoutingReceipt r = router.route(SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.random())
              .build());
          crm.add(r.deliveries().get("crm"));
          archive.add(r.deliveries().get("archive"));
        }
        CompletableFuture.allOf(archive.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        CompletableFuture.allOf(crm.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      }
      log = out.text();
    }
    assertThat(crmGot).hasSize(10).doesNotHaveDuplicates();
    assertThat(events).noneMatch(e -> e.type() == LeadEvent.Type.DEAD_LETTERED);
    assertThat(log.split("destination 'crm' is throttling", -1)).as("said once: %s", log).hasSize(2);
    assertThat(log).contains("gives no lead up for it", "lower this destination's rateLimit",
        "429 Too Many Requests");
    assertThat(log.split("destination 'crm' takes calls again after", -1)).as("its end said once").hasSize(2);
  }
}
