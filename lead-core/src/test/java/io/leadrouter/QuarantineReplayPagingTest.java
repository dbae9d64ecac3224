package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Before: {@code replayQuarantined(limit)} read the newest {@code limit} payloads only, all at once; {@code leadrouter
 * replay --quarantined} asked for 100,000, so past that many in quarantine the older ones (which a new route or an
 * upgrade made routable) were never read again, and each replay held 100,000 payloads in memory. Now the quarantine is
 * read oldest first, page by page (keyset paging on its id), and the command reads all of it.
 */
class QuarantineReplayPagingTest {
  @TempDir
  Path dir;

  /** Four leads kept for want of a route (oldest), then three payloads that stay unreadable (newest). */
  private void quarantineRoutableThenUnreadable(Path journal) {
    try (LeadRouter noRoute = LeadRouter.builder().journal(SqliteJournal.open(journal))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("never")))
        .route(RoutingRule.offer("other offers", "fabrikam.*", List.of("crm"))).build()) {
      for (int i = 0; i < 4; i++) {
        assertThat(noRoute.intake(("{\"UserDetails\":{\"Email\":\"c" + i + "@contoso.com\"},\"LeadSource\":"
            + "\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8), "test " + i))
            .isInstanceOf(IntakeReceipt.Quarantined.class);
      }
      for (int i = 0; i < 3; i++) {
        assertThat(noRoute.intake(("{\"UserDetails\":{\"Email\":\"u" + i + "@contoso.com\",\"email\":\"x\"},"
            + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8), "dup " + i))
            .isInstanceOf(IntakeReceipt.Quarantined.class);
      }
    }
  }

  private static LeadRouter routing(Path journal, Set<String> delivered) {
    return LeadRouter.builder().journal(SqliteJournal.open(journal)).addSink("crm", LambdaSink.of(l -> {
      delivered.add(l.customer().email());
      return DeliveryResult.created("r-" + l.id());
    })).defaultRoute("crm").build();
  }

  @Test
  void replayWithALimit_readsTheOldestFirst_notTheNewestOverAndOverAgain() {
    Path journal = dir.resolve("j.db");
    quarantineRoutableThenUnreadable(journal);
    Set<String> delivered = ConcurrentHashMap.newKeySet();
    try (LeadRouter router = routing(journal, delivered)) {
      LeadRouter.QuarantineReplay first = router.replayQuarantined(3);
      LeadRouter.QuarantineReplay second = router.replayQuarantined(3);

      assertThat(first).isEqualTo(new LeadRouter.QuarantineReplay(3, 0));
      // the oldest left is the fourth lead, then two of the unreadable ones
      assertThat(second).isEqualTo(new LeadRouter.QuarantineReplay(1, 2));
      assertThat(router.quarantineCount()).isEqualTo(3);
    }
  }

  @Test
  void replayOfAll_pagesThroughTheWholeQuarantine_routingEachRoutablePayloadOnce() throws Exception {
    Path journal = dir.resolve("j.db");
    quarantineRoutableThenUnreadable(journal);
    Set<String> delivered = ConcurrentHashMap.newKeySet();
    try (LeadRouter router = routing(journal, delivered)) {
      LeadRouter.QuarantineReplay replay = router.replayQuarantined(Integer.MAX_VALUE, 2);

      assertThat(replay).isEqualTo(new LeadRouter.QuarantineReplay(4, 3));
      assertThat(router.quarantineCount()).isEqualTo(3);
      assertThat(router.replayQuarantined()).as("what stays is read again, nothing more")
          .isEqualTo(new LeadRouter.QuarantineReplay(0, 3));
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (delivered.size() < 4 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(delivered).containsExactlyInAnyOrder("c0@contoso.com", "c1@contoso.com", "c2@contoso.com",
          "c3@contoso.com");
    }
  }
}
