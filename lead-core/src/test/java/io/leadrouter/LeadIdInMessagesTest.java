package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sender may make a lead's id of the customer's phone ({@code tel-4915112345678}: a {@link LeadId} allows it). The
 * messages intake writes about a lead (diagnoses, flags, exceptions, log lines, the quarantine's origin as shown) are
 * read in logs and {@code inspect} output, so they show the id as {@link Pii#maskLeadId} does ({@code tel-***78}).
 * Before, each showed it as sent: the scrubber does not see a number glued to a word by {@code -}. What is stored (the
 * lead's id, the origin's note a replay reads) stays as sent.
 */
class LeadIdInMessagesTest {
  private static final String PHONE = "4915112345678";
  private static final String ID = "tel-" + PHONE;
  private static final String MASKED = "tel-***78";

  @TempDir
  Path dir;

  private static byte[] body(String leadId, String email) {
    return ("{\"LeadId\":\"" + leadId + "\",\"UserDetails\":{\"Email\":\"" + email + "\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void leadKeptForWantOfARoute_diagnosisLogAndShownOriginMaskTheId_replayRoutesItUnderItsOwnId() throws Exception {
    Path journal = dir.resolve("j.db");
    String log;
    IntakeReceipt receipt;
    try (LeadRouter noRoute = LeadRouter.builder().journal(SqliteJournal.open(journal))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("never")))
        .route(RoutingRule.offer("other offers", "fabrikam.*", List.of("crm"))).build()) {
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      PrintStream before = System.err;
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      try {
        receipt = noRoute.intake(body(ID, "jane@contoso.com"), "test");
      } finally {
        System.setErr(before);
      }
      log = err.toString(StandardCharsets.UTF_8);
      QuarantinedPayload q = noRoute.quarantined(10).get(0);

      assertThat(receipt).isInstanceOf(IntakeReceipt.Quarantined.class);
      IntakeReceipt.Quarantined kept = (IntakeReceipt.Quarantined) receipt;
      assertThat(kept.diagnosis().code()).isEqualTo("LEAD_NO_ROUTE");
      assertThat(kept.diagnosis().message()).startsWith("lead " + MASKED + " (source").doesNotContain(PHONE);
      assertThat(q.diagnosis().message()).doesNotContain(PHONE);
      assertThat(log).contains("quarantined").contains(MASKED).doesNotContain(PHONE);
      assertThat(q.origin()).as("stored as sent: the replay reads it").isEqualTo("test (lead id " + ID + ")");
      assertThat(q.maskedOrigin()).isEqualTo("test (lead id " + MASKED + ")");
      assertThat(q.toString()).doesNotContain(PHONE);
    }
    try (LeadRouter routing = LeadRouter.builder().journal(SqliteJournal.open(journal))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r"))).defaultRoute("crm").build()) {
      assertThat(routing.replayQuarantined()).isEqualTo(new LeadRouter.QuarantineReplay(1, 0));
      assertThat(routing.journal().lead(LeadId.of(ID))).isPresent();
    }
  }

  @Test
  void anotherLeadUnderAnIdAcceptedBefore_conflictDiagnosisMasksTheId() {
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r"))).defaultRoute("crm").build()) {
      assertThat(router.intake(body(ID, "jane@contoso.com"), "first")).isInstanceOf(IntakeReceipt.Routed.class);

      IntakeReceipt second = router.intake(body(ID, "john@contoso.com"), "second");

      assertThat(second).isInstanceOf(IntakeReceipt.Quarantined.class);
      assertThat(((IntakeReceipt.Quarantined) second).diagnosis().message())
          .startsWith("LeadId '" + MASKED + "': a lead with this id was accepted before").doesNotContain(PHONE);
    }
  }

  @Test
  void leadIdNormalisedOrUnusable_flagsMaskTheId() {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    Lead padded = ((ReadResult.Readable) codec.read(body(" " + ID + " ", "jane@contoso.com")))
        .lead();
    Lead unusable = ((ReadResult.Readable) codec.read(body(ID + "#", "jane@contoso.com")))
        .lead();
    Lead row = codec.fromTableEntity(Map.of("RowKey", ID + " x", "LeadSource", "AzureMarketplace-INS|contoso.crm"));

    assertThat(padded.id()).isEqualTo(LeadId.of(ID));
    LeadFlag normalised = padded.flags().get(0);
    assertThat(normalised.code()).isEqualTo(LeadFlag.LEAD_ID_NORMALISED);
    assertThat(normalised.original()).isEqualTo(" " + MASKED + " ");
    LeadFlag bad = unusable.flags().get(0);
    assertThat(bad.code()).isEqualTo(LeadFlag.LEAD_ID_UNUSABLE);
    assertThat(bad.message()).startsWith("'" + MASKED + "#' is not a valid lead id");
    assertThat(bad.original()).isEqualTo(MASKED + "#");
    LeadFlag rowFlag = row.flags().stream().filter(f -> f.code().equals(LeadFlag.LEAD_ID_UNUSABLE)).findFirst()
        .orElseThrow();
    assertThat(rowFlag.message() + rowFlag.original()).doesNotContain(PHONE).contains(MASKED);
    assertThat(padded.flags().toString() + unusable.flags() + row.flags()).doesNotContain(PHONE);
  }

  @Test
  void exceptionsAboutALead_maskItsId() {
    assertThatThrownBy(() -> LeadId.of(ID + " x")).hasMessageContaining("'" + MASKED + " x' is not a valid lead id")
        .message().doesNotContain(PHONE);
    Lead lead = Lead.builder().id(LeadId.of(ID)).customer(new CustomerInfo("", "", "jane@contoso.com", "", "US", "",
        "")).source(LeadSource.parse("AzureMarketplace-INS|contoso.crm")).build();
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r")))
        .route(RoutingRule.offer("other offers", "fabrikam.*", List.of("crm"))).build();
    try {
      assertThatThrownBy(() -> router.route(lead)).hasMessageStartingWith("no route for lead " + MASKED + " (")
          .message().doesNotContain(PHONE);
    } finally {
      router.close();
    }
    assertThatThrownBy(() -> router.route(lead)).message().contains(MASKED).doesNotContain(PHONE);
  }
}
