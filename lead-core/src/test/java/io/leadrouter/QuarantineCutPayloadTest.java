package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Before: a payload over the body limit is kept in quarantine cut to the limit, diagnosed {@code PAYLOAD_TOO_LARGE}
 * with its real size; a replay read the cut bytes again and replaced that diagnosis with "is not valid JSON: the text
 * ends too early" at the cut, a fault the sender never made, and the size that said what to fix was gone. A payload
 * kept cut keeps its diagnosis; one kept whole (too large for a smaller codec only) is read again as any other.
 */
class QuarantineCutPayloadTest {
  @TempDir
  Path dir;

  @Test
  void payloadKeptCutToTheLimit_keepsItsDiagnosisThroughAReplay() {
    String head = "{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|x\","
        + "\"Notes\":\"";
    byte[] huge = (head + "x".repeat(MarketplaceCodec.DEFAULT_MAX_BODY_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r"))).defaultRoute("crm").build()) {
      IntakeReceipt kept = router.intake(huge, "test");
      assertThat(kept).isInstanceOf(IntakeReceipt.Quarantined.class);
      String said = ((IntakeReceipt.Quarantined) kept).diagnosis().message();
      assertThat(said).isEqualTo("body: is " + huge.length + " bytes, over the limit of 1048576 bytes");

      LeadRouter.QuarantineReplay replay = router.replayQuarantined();

      assertThat(replay).isEqualTo(new LeadRouter.QuarantineReplay(0, 1));
      assertThat(router.quarantineCount()).isEqualTo(1);
    }
    try (io.leadrouter.journal.LeadJournal journal = SqliteJournal.open(dir.resolve("j.db"))) {
      assertThat(journal.quarantined(1)).singleElement().satisfies(q -> {
        assertThat(q.diagnosis().code()).isEqualTo("PAYLOAD_TOO_LARGE");
        assertThat(q.diagnosis().message()).isEqualTo("body: is " + huge.length + " bytes, over the limit of 1048576"
            + " bytes");
      });
    }
  }

  /** Too large only for a smaller codec a caller read it with: kept whole, so a replay reads and routes it. */
  @Test
  void payloadKeptWhole_isReadAgainByTheReplay() {
    byte[] lead = "{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|x\"}"
        .getBytes(StandardCharsets.UTF_8);
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r"))).defaultRoute("crm").build()) {
      ReadResult small = MarketplaceCodec.withMaxBodyBytes(20).read(lead);
      assertThat(router.intake(small, lead, "test")).isInstanceOf(IntakeReceipt.Quarantined.class);

      assertThat(router.replayQuarantined()).isEqualTo(new LeadRouter.QuarantineReplay(1, 0));
    }
  }

  /**
   * Before: a lead kept for want of a route has its id noted at the end of its origin, which a journal keeps 2,000
   * characters of: with a long origin (a caller's request line, a table row's keys) the note was cut off, and the
   * replay routed the lead under an id derived from its bytes, so a copy its sender sent again under its own id
   * (a webhook-id) was a second lead at every CRM. The caller's origin is shortened in its middle instead.
   */
  @Test
  void leadKeptForWantOfARoute_withALongOrigin_isReplayedUnderItsOwnId() throws Exception {
    byte[] body = "{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|x\"}"
        .getBytes(StandardCharsets.UTF_8);
    Path journal = dir.resolve("j.db");
    try (LeadRouter noRoute = LeadRouter.builder().journal(SqliteJournal.open(journal))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("never")))
        .route(RoutingRule.offer("other offers", "fabrikam.*", java.util.List.of("crm"))).build()) {
      ReadResult read = MarketplaceCodec.standard().read(body, LeadId.of("wh-7"), java.time.Instant.now());
      assertThat(noRoute.intake(read, body, "caller " + "/x".repeat(1500))).isInstanceOf(IntakeReceipt.Quarantined.class);
    }
    java.util.Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(journal))
        .addSink("crm", LambdaSink.of(l -> {
          ids.add(l.id().value());
          return DeliveryResult.created("r");
        })).defaultRoute("crm").build()) {
      assertThat(router.quarantined(1)).singleElement()
          .satisfies(q -> assertThat(q.origin()).startsWith("caller /x/x").endsWith(" (lead id wh-7)"));

      assertThat(router.replayQuarantined()).isEqualTo(new LeadRouter.QuarantineReplay(1, 0));

      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
      while (ids.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(ids).containsExactly("wh-7");
    }
  }
}
