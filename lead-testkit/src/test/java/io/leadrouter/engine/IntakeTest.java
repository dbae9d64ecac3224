package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.IntakeReceipt;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.RoutingRule;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LeadRouter.intake (#16): every payload ends routed or quarantined, durably; the quarantine can be read again. */
class IntakeTest {
  /** A route the payloads from offer {@code other} do not take. */
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();
  private static final RoutingRule CONTOSO_ONLY = RoutingRule.offer("contoso", "contoso.*", List.of("crm"));

  @TempDir Path dir;
  private final InMemoryLeadSink crm = new InMemoryLeadSink();

  /** A router on the test's journal file with the sink {@code crm}; the test adds its routes. */
  private LeadRouterBuilder routerToCrm() {
    return LeadRouter.builder().journalPath(dir.resolve("j.db")).addSink("crm", crm);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void readablePayload_isRouted_unreadableIsQuarantined_withItsBytes() throws Exception {
    try (LeadRouter router = routerToCrm().defaultRoute("crm").build()) {
      IntakeReceipt ok = router.intake(bytes("{\"UserDetails\":{\"Email\":\"ann@contoso.com\",\"Country\":\"USA\"},"
          + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}"), "test");
      byte[] twice = bytes("{\"UserDetails\":{\"Email\":\"ann@contoso.com\",\"email\":\"eve@evil.example\"},"
          + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}");
      IntakeReceipt kept = router.intake(twice, "test");

      assertThat(ok).isInstanceOf(IntakeReceipt.Routed.class);
      ((IntakeReceipt.Routed) ok).receipt().allDelivered().get(10, TimeUnit.SECONDS);
      assertThat(crm.leads()).singleElement().satisfies(l -> assertThat(l.customer().country()).isEqualTo("US"));
      assertThat(kept).isInstanceOfSatisfying(IntakeReceipt.Quarantined.class, q -> {
        assertThat(q.diagnosis().code()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
        assertThat(router.quarantined(10)).singleElement().satisfies(p -> {
          assertThat(p.id()).isEqualTo(q.quarantineId());
          assertThat(p.payload()).isEqualTo(twice);
          assertThat(p.origin()).isEqualTo("test");
        });
      });
      assertThat(router.quarantineCount()).isEqualTo(1);
    }
  }

  @Test
  void leadNoRouteTakes_isQuarantined_andRoutedByReplayOnceARouteExists() throws Exception {
    byte[] payload = bytes("{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},\"LeadSource\":\"SPZA-Create|other\"}");
    try (LeadRouter router = routerToCrm().route(CONTOSO_ONLY).build()) {
      IntakeReceipt r = router.intake(payload, "test");
      assertThat(r).isInstanceOfSatisfying(IntakeReceipt.Quarantined.class,
          q -> assertThat(q.diagnosis().code()).isEqualTo("LEAD_NO_ROUTE"));
    }
    try (LeadRouter router = routerToCrm().defaultRoute("crm").build()) {
      LeadRouter.QuarantineReplay replay = router.replayQuarantined(100);

      assertThat(replay).isEqualTo(new LeadRouter.QuarantineReplay(1, 0));
      assertThat(router.quarantineCount()).isZero();
      Await.until("the replayed lead delivered", Duration.ofSeconds(30), () -> crm.size() > 0);
      assertThat(crm.leads()).singleElement().satisfies(l -> assertThat(l.source().offerId()).isEqualTo("other"));
    }
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      assertThat(j.quarantineCount()).isZero();
    }
  }

  @Test
  void otherContentUnderAnAcceptedLeadId_isQuarantinedNotDropped_andStaysSoOnReplay() throws Exception {
    try (LeadRouter router = routerToCrm().defaultRoute("crm").build()) {
      IntakeReceipt first = router.intake(bytes("{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},"
          + "\"LeadSource\":\"SPZA-Create|contoso.crm\",\"LeadId\":\"x-1\"}"), "test");
      ((IntakeReceipt.Routed) first).receipt().allDelivered().get(10, TimeUnit.SECONDS);
      IntakeReceipt same = router.intake(bytes("{ \"LeadId\":\"x-1\", \"LeadSource\":\"SPZA-Create|contoso.crm\","
          + " \"UserDetails\":{\"Email\":\"ann@contoso.com\"} }"), "test");
      IntakeReceipt other = router.intake(bytes("{\"UserDetails\":{\"Email\":\"bob@contoso.com\",\"Phone\":\"1\"},"
          + "\"LeadSource\":\"SPZA-Create|contoso.crm\",\"LeadId\":\"x-1\"}"), "test");

      assertThat(same).as("the same lead written otherwise is a duplicate").isInstanceOfSatisfying(
          IntakeReceipt.Routed.class, r -> assertThat(r.receipt().duplicate()).isTrue());
      assertThat(other).isInstanceOfSatisfying(IntakeReceipt.Quarantined.class, q -> {
        assertThat(q.diagnosis().code()).isEqualTo("LEAD_ID_CONFLICT");
        assertThat(q.diagnosis().message()).contains("(UserDetails.Email, UserDetails.Phone differ)")
            .doesNotContain("bob@contoso.com");
      });
      assertThat(router.replayQuarantined(10)).isEqualTo(new LeadRouter.QuarantineReplay(0, 1));
      assertThat(router.quarantineCount()).isEqualTo(1);
      assertThat(crm.leads()).singleElement().satisfies(l -> assertThat(l.customer().email())
          .isEqualTo("ann@contoso.com"));
    }
  }

  /**
   * A lead kept for want of a route under an id its payload does not hold (a webhook-id), sent again under that id once
   * a route exists: replaying the quarantine must find it a duplicate. Read again from its bytes alone, it took an id
   * derived from them, a second lead, delivered twice.
   */
  @Test
  void leadQuarantinedForNoRoute_underAnIdFromOutsideThePayload_isReplayedUnderThatId() throws Exception {
    byte[] payload = bytes("{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},\"LeadSource\":\"SPZA-Create|other\"}");
    LeadId webhookId = LeadId.of("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
    try (LeadRouter router = routerToCrm().route(CONTOSO_ONLY).build()) {
      IntakeReceipt kept = router.intake(CODEC.read(payload, webhookId, Instant.now()), payload, "signed post");
      assertThat(kept).isInstanceOfSatisfying(IntakeReceipt.Quarantined.class,
          q -> assertThat(q.diagnosis().code()).isEqualTo("LEAD_NO_ROUTE"));
      assertThat(router.quarantined(1)).singleElement().satisfies(p -> assertThat(p.origin())
          .isEqualTo("signed post (lead id msg_2KWPBgLlAfxdpx2AI54pPJ85f4W)"));
    }
    try (LeadRouter router = routerToCrm().defaultRoute("crm").build()) {
      IntakeReceipt again = router.intake(CODEC.read(payload, webhookId, Instant.now()), payload, "signed post again");
      ((IntakeReceipt.Routed) again).receipt().allDelivered().get(10, TimeUnit.SECONDS);

      assertThat(router.replayQuarantined(100)).isEqualTo(new LeadRouter.QuarantineReplay(1, 0));
      assertThat(router.quarantineCount()).isZero();
      assertThat(router.counts().get("crm")).as("one delivery: the replay was a duplicate")
          .containsExactly(Map.entry(DeliveryState.DELIVERED, 1L));
      assertThat(crm.leads()).singleElement().satisfies(l -> assertThat(l.id()).isEqualTo(webhookId));
    }
  }

  @Test
  void samePayloadQuarantinedTwice_replayRoutesItOnce_andReleasesBoth() throws Exception {
    byte[] payload = bytes("{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},\"LeadSource\":\"SPZA-Create|other\"}");
    try (LeadRouter router = routerToCrm().route(CONTOSO_ONLY).build()) {
      assertThat(router.intake(payload, "first post")).isInstanceOf(IntakeReceipt.Quarantined.class);
      assertThat(router.intake(payload, "the same post again")).isInstanceOf(IntakeReceipt.Quarantined.class);
      assertThat(router.quarantineCount()).isEqualTo(2);
    }
    try (LeadRouter router = routerToCrm().defaultRoute("crm").build()) {
      assertThat(router.replayQuarantined(100)).isEqualTo(new LeadRouter.QuarantineReplay(2, 0));
      assertThat(router.quarantineCount()).isZero();
      Await.until("the replayed lead delivered", Duration.ofSeconds(30), () -> router.counts()
          .getOrDefault("crm", Map.of()).getOrDefault(DeliveryState.DELIVERED, 0L) > 0);
      assertThat(router.counts().get("crm")).containsEntry(DeliveryState.DELIVERED, 1L);
      assertThat(crm.leads()).as("one lead, delivered once").hasSize(1);
    }
  }
}
