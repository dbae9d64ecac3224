package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.IntakeReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * "Can destination X take it?" is asked per destination at delivery: a lead whose e-mail intake flagged as no address
 * is accepted, delivered to a destination that takes it, and fails only Marketo (whose lookup value it would be) with
 * a diagnosis in Marketo's dead letters, from which it can be replayed.
 */
@Timeout(120)
class MarketoPerDestinationTest {
  @RegisterExtension
  static final FakeMarketo fake = new FakeMarketo(Clock.systemUTC());

  private static final String BAD_EMAIL = "kim\u200b@contoso.com"; // a zero-width space, the 4th character

  @Test
  void flaggedEmail_failsMarketoOnly_theOtherDestinationDelivers_deadLetterWithDiagnosis() throws Exception {
    MarketoSink marketo = fake.sinkBuilder().timeout(Duration.ofSeconds(30)).build();
    InMemoryLeadSink archive = new InMemoryLeadSink();
    String body = "{\"UserDetails\":{\"FirstName\":\"Kim\",\"LastName\":\"Lee\",\"Email\":\"" + BAD_EMAIL
        + "\",\"Country\":\"US\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"LeadId\":\"per-dest-1\"}";
    String good = "{\"UserDetails\":{\"FirstName\":\"Ann\",\"Email\":\"ann@contoso.com\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"LeadId\":\"per-dest-2\"}";
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).addSink("mkto", marketo)
        .addSink("archive", archive).defaultRoute("mkto", "archive").build()) {
      IntakeReceipt receipt = router.intake(body.getBytes(StandardCharsets.UTF_8), "test");
      IntakeReceipt other = router.intake(good.getBytes(StandardCharsets.UTF_8), "test");
      assertThat(receipt).isInstanceOf(IntakeReceipt.Routed.class);
      IntakeReceipt.Routed routed = (IntakeReceipt.Routed) receipt;
      assertThat(routed.lead().flags()).extracting(LeadFlag::code).containsExactly(LeadFlag.EMAIL_INVALID);

      CompletableFuture<?> toArchive = routed.receipt().deliveries().get("archive");
      toArchive.get(60, TimeUnit.SECONDS);
      assertThat(routed.receipt().deliveries().get("mkto")).failsWithin(60, TimeUnit.SECONDS);
      ((IntakeReceipt.Routed) other).receipt().allDelivered().get(60, TimeUnit.SECONDS);

      Lead archived = archive.leads().stream().filter(l -> l.id().value().equals("per-dest-1")).findFirst()
          .orElseThrow();
      assertThat(archived.customer().email()).as("kept exactly as sent").isEqualTo(BAD_EMAIL);
      assertThat(fake.leads()).extracting(l -> l.path("email").asText()).containsExactly("ann@contoso.com");

      List<DeliveryRecord> dead = router.deadLetters(DeliveryQuery.deadLetters().destination("mkto"));
      assertThat(dead).singleElement().satisfies(d -> {
        assertThat(d.leadId().value()).isEqualTo("per-dest-1");
        assertThat(d.state()).isEqualTo(DeliveryState.DEAD);
        assertThat(d.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.INVALID_EMAIL);
        assertThat(d.diagnosis().orElseThrow().message()).contains("UserDetails.Email")
            .contains("invisible character U+200B at position 4").doesNotContain(BAD_EMAIL);
        assertThat(d.diagnosis().orElseThrow().remediation()).contains("leadIdField");
      });
      assertThat(router.deadLetters(DeliveryQuery.deadLetters().destination("archive"))).isEmpty();

      // replayable: back to pending, tried again (and refused again with the same diagnosis: nothing was fixed)
      java.time.Instant firstDeath = dead.get(0).updatedAt();
      Thread.sleep(5); // so the second refusal has a later timestamp
      assertThat(router.replay(DeliveryQuery.deadLetters().destination("mkto"))).isEqualTo(1);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<DeliveryRecord> again;
      do {
        Thread.sleep(50);
        again = router.deadLetters(DeliveryQuery.deadLetters().destination("mkto")).stream()
            .filter(d -> d.updatedAt().isAfter(firstDeath)).toList();
      } while (again.isEmpty() && System.nanoTime() < deadline);
      assertThat(again).as("tried again after the replay").singleElement().satisfies(d -> assertThat(
          d.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.INVALID_EMAIL));
    }
  }
}
