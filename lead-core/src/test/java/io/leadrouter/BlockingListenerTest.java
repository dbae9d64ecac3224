package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.TransientDeliveryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A listener that blocks in the event of a fallback spill (told on the router's chores thread): "a listener that
 * blocks never holds up deliveries" must hold for the fallback's delivery and the chores too.
 */
@Timeout(120)
class BlockingListenerTest {
  @TempDir Path dir;

  private static Lead lead() {
    return Lead.builder().id(LeadId.random()).email("kim@contoso.com").source("AzureMarketplace-INS|offer").build();
  }

  /**
   * Before, the spill told the listener first and woke the fallback's worker after: blocked there, the lead waited
   * in the journal, never sent to the fallback (nor any lead spilled later).
   */
  @Test
  void listenerBlocksOnFallbackSpilled_theFallbackStillGetsTheLeads() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    Set<LeadId> archived = ConcurrentHashMap.newKeySet();
    DeliveryPolicy quick = DeliveryPolicy.builder().backoff(Duration.ofSeconds(1), Duration.ofSeconds(2)).build();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .fallbackCheck(Duration.ofMillis(50))
        .addSink("crm", LambdaSink.of(lead -> {
          throw new TransientDeliveryException("503 Service Unavailable");
        }), quick.toBuilder().fallback("archive", Duration.ofMillis(300)).build())
        .addSink("archive", LambdaSink.of(lead -> {
          archived.add(lead.id());
          return DeliveryResult.created(lead.id().value());
        }), quick)
        .defaultRoute("crm")
        .listener(e -> {
          if (e.type() == LeadEvent.Type.FALLBACK_SPILLED) {
            try {
              release.await(); // an application's listener stuck (a full queue, a lock held elsewhere)
            } catch (InterruptedException ie) {
              Thread.currentThread().interrupt();
            }
          }
        }).build()) {
      try {
        Lead first = lead();
        router.route(first);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!archived.contains(first.id()) && System.nanoTime() < deadline) {
          TimeUnit.MILLISECONDS.sleep(20); // polling, not timing
        }
        assertThat(archived).as("the fallback got the spilled lead").contains(first.id());
        Lead second = lead();
        router.route(second);
        deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!archived.contains(second.id()) && System.nanoTime() < deadline) {
          TimeUnit.MILLISECONDS.sleep(20);
        }
        assertThat(archived).as("a lead spilled while the listener is still stuck").contains(second.id());
      } finally {
        release.countDown();
      }
    }
  }
}
