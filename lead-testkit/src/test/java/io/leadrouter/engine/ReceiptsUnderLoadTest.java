package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.SampleLeads;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Many callers, each routing a round of leads and waiting for all of them through {@code CompletableFuture.allOf},
 * against a sink that answers at once in batches: every receipt completes, though the callers dropped them.
 */
class ReceiptsUnderLoadTest {
  @Test
  @Timeout(120)
  void sixteenCallers_roundsOfAHundred_everyReceiptCompletes() throws Exception {
    LeadSink sink = TestSinks.of(SinkCapabilities.builder().maxConcurrency(4).maxBatchSize(100).upsert(true).build(),
        lead -> DeliveryResult.created(null));
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink("crm", sink, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()) {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        done.add(callers.submit(() -> {
          for (int round = 0; round < 30; round++) {
            // Only what allOf returns is kept, as most callers do: the receipts and their own futures are garbage at
            // once (the benchmark that found receipts never completing did exactly this).
            List<io.leadrouter.LeadId> ids = new ArrayList<>();
            CompletableFuture<?>[] delivered = new CompletableFuture<?>[100];
            for (int i = 0; i < 100; i++) {
              RoutingReceipt r = router.route(SampleLeads.azureMarketplaceInstall().toBuilder()
                  .id(io.leadrouter.LeadId.random()).build());
              delivered[i] = r.allDelivered();
              ids.add(r.leadId());
            }
            CompletableFuture<Void> all = CompletableFuture.allOf(delivered);
            delivered = null;
            if (round % 5 == 0) {
              System.gc(); // what the tracked receipts must survive
            }
            try {
              all.get(10, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
              throw new AssertionError("receipts incomplete; e.g. " + router.journal().deliveries(ids.get(0))
                  + "; counts " + router.counts());
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(100, TimeUnit.SECONDS);
      }
      assertThat(router.counts().get("crm")).containsOnlyKeys(io.leadrouter.journal.DeliveryState.DELIVERED);
    } finally {
      callers.shutdownNow();
    }
  }
}
