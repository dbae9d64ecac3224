package io.leadrouter;

import static io.leadrouter.Payloads.readable;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.internal.journal.LeadPayload;
import io.leadrouter.spi.DeliveryResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile intake audit (third): what intake can say about a value itself, it says at intake, so no destination later
 * fails a lead for it unannounced. White space around an e-mail and control characters are removed (nothing else
 * can be meant by them; the flag says exactly which characters went where), over-long values are kept whole and
 * flagged with the limit. Each test failed on the code before its fix.
 */
class IntakeCleanupTest {
  @TempDir Path dir;

  private static Lead withEmail(String email) {
    return readable("{\"UserDetails\":{\"Email\":\"" + email + "\"},\"LeadSource\":\"AzureMarketplace-INS|x.y\"}");
  }

  @ParameterizedTest
  @ValueSource(strings = {" john.doe@contoso.com", "john.doe@contoso.com  ", "\\u00A0john.doe@contoso.com\\u200B",
      "\\tjohn.doe@contoso.com\\t", "\\r\\njohn.doe@contoso.com\\uFEFF", "\\u2007 john.doe@contoso.com\\u3000"})
  void emailWithWhiteSpaceAround_isTrimmed_andTheFlagSaysWhatWentWithoutTheAddress(String sent) {
    Lead lead = withEmail(sent);

    // before: kept as sent and flagged EMAIL_INVALID ("white space U+0020 at position 1"): no CRM takes it
    assertThat(lead.customer().email()).isEqualTo("john.doe@contoso.com");
    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_NORMALISED);
      assertThat(f.path()).isEqualTo("UserDetails.Email");
      assertThat(f.message()).startsWith("removed ").containsPattern("U\\+[0-9A-F]{4}")
          .contains("the address itself is unchanged");
      assertThat(f.toString() + f.original()).doesNotContain("john.doe");
    });
    assertThat(LeadPayload.decode(LeadPayload.encode(lead))).isEqualTo(lead);
  }

  @Test
  void emailFlag_namesEachCharacterRemovedAndWhere() {
    Lead lead = withEmail("\\u00A0 john.doe@contoso.com\\u200B");

    assertThat(lead.flags()).singleElement().hasToString("EMAIL_NORMALISED UserDetails.Email: removed U+00A0 U+0020"
        + " before the address and U+200B after it; the address itself is unchanged");
  }

  @Test
  void mailtoPrefix_isRemovedAndFlagged_butSeveralAddressesAreKeptAsSent() {
    Lead mailto = withEmail(" MailTo:john.doe@contoso.com");
    Lead several = withEmail("john.doe@contoso.com; jane@contoso.com");

    assertThat(mailto.customer().email()).isEqualTo("john.doe@contoso.com");
    assertThat(mailto.flags()).singleElement().hasToString("EMAIL_NORMALISED UserDetails.Email: removed U+0020 and"
        + " 'mailto:' before the address; the address itself is unchanged");
    // which of two addresses is meant cannot be told: kept, flagged, never guessed
    assertThat(several.customer().email()).isEqualTo("john.doe@contoso.com; jane@contoso.com");
    assertThat(several.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_INVALID);
      // before: "white space U+0020 at position 21", which hid what is wrong
      assertThat(f.message()).endsWith("is not an e-mail address: holds 2 addresses separated by ';': which one is"
          + " meant cannot be told; kept as sent").doesNotContain("john.doe", "jane@");
    });
  }

  @Test
  void whiteSpaceInsideAnAddress_isNotRemoved() {
    Lead lead = withEmail("john doe@contoso.com");

    assertThat(lead.customer().email()).isEqualTo("john doe@contoso.com");
    assertThat(lead.flags()).extracting(LeadFlag::code).containsExactly(LeadFlag.EMAIL_INVALID);
  }

  @Test
  void controlCharacters_areRemovedFromEveryTextField_andEachRemovalIsFlagged() {
    Lead lead = readable("{\"userdetails\":{\"FirstName\":\"Jo\\u0000hn\",\"Email\":\"john@contoso.com\\u0000\","
        + "\"Phone\":\"+1 425\\u0007 555 0100\",\"Company\":\"Contoso\\u0085\\u009f\",\"Country\":\"US\\u001b\"},"
        + "\"LeadSource\":\"AzureMarketplace\",\"ActionCode\":\"DNC\\u0000\",\"OfferTitle\":\"Contoso\\u007fCRM\","
        + "\"Description\":\"{\\\"a\\\":1}\\u0000\\tline\\r\\n\",\"utm\":\"blog\\u0001\"}");

    CustomerInfo c = lead.customer();
    assertThat(c.firstName()).isEqualTo("John");
    assertThat(c.email()).isEqualTo("john@contoso.com");
    assertThat(c.phone()).isEqualTo("+1 425 555 0100");
    assertThat(c.company()).isEqualTo("Contoso");
    assertThat(c.country()).isEqualTo("US");
    assertThat(lead.offerTitle()).isEqualTo("ContosoCRM");
    // a NUL after DNC made the action unknown: the customer's do-not-contact was lost
    assertThat(lead.source().action()).isEqualTo(LeadAction.DO_NOT_CONTACT);
    assertThat(lead.isDoNotContact()).isTrue();
    // tabs and line breaks are text in a description; the NUL is not
    assertThat(lead.description()).isEqualTo("{\"a\":1}\tline\r\n");
    assertThat(lead.attributes()).containsEntry("utm", "blog");
    assertThat(lead.flags()).filteredOn(f -> f.code().equals(LeadFlag.CONTROL_CHARACTERS_REMOVED))
        .extracting(LeadFlag::path).containsExactlyInAnyOrder("userdetails.FirstName", "userdetails.Email",
            "userdetails.Phone", "userdetails.Company", "userdetails.Country", "ActionCode", "OfferTitle",
            "Description", "utm");
    assertThat(lead.flags()).filteredOn(f -> f.path().equals("userdetails.Company")).singleElement()
        .hasToString("CONTROL_CHARACTERS_REMOVED userdetails.Company: removed control characters U+0085 at position 8,"
            + " U+009F at position 9: they are no text, and destinations refuse or drop them");
    assertThat(lead.flags().toString()).doesNotContain("john@", "555 0100").doesNotContain("\u0000");
    assertThat(lead.flags()).extracting(LeadFlag::code).doesNotContain(LeadFlag.EMAIL_INVALID,
        LeadFlag.COUNTRY_UNRECOGNISED, LeadFlag.SOURCE_UNRECOGNISED);
    assertThat(LeadPayload.decode(LeadPayload.encode(lead))).isEqualTo(lead);
  }

  @Test
  void overLongValues_areKeptWhole_andFlaggedWithTheLimit_notCutAndNotQuarantined() {
    String company = "C".repeat(100_000);
    String description = "d".repeat(40_000);
    Lead lead = readable("{\"UserDetails\":{\"Email\":\"a@contoso.com\",\"Company\":\"" + company + "\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|x.y\",\"Description\":\"" + description + "\"}");

    assertThat(lead.customer().company()).isEqualTo(company);
    assertThat(lead.description()).isEqualTo(description);
    assertThat(lead.flags()).extracting(LeadFlag::toString).containsExactlyInAnyOrder(
        "OVER_LIMIT UserDetails.Company: 100000 characters, over the limit of 1024 (LeadLimits.DEFAULTS): kept whole;"
            + " a destination that cannot take it fails this lead there. Fix: shorten it to at most 1024 characters",
        "OVER_LIMIT Description: 40000 characters, over the limit of 32000 (LeadLimits.DEFAULTS): kept whole;"
            + " a destination that cannot take it fails this lead there. Fix: shorten it to at most 32000 characters",
        "OVER_LIMIT lead: 140037 characters in all, over the limit of 64000 (LeadLimits.DEFAULTS): kept whole;"
            + " a destination that cannot take it fails this lead there. Fix: shorten the description or attributes");
    // what intake flags is exactly what LeadValidator finds, so explain and intake agree
    assertThat(LeadValidator.standard().problems(lead)).hasSize(3);
  }

  @Test
  void aLeadBuiltInCode_isCleanedAndFlaggedByRoute_andNormalisingTwiceAddsNothing() throws Exception {
    List<Lead> delivered = new CopyOnWriteArrayList<>();
    Lead built = Lead.builder().email("\u00A0ann@contoso.com").company("Fabrikam\u0000").source("SPZA-Create|x.y")
        .build();
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> {
          delivered.add(l);
          return DeliveryResult.created("r-" + l.id());
        })).defaultRoute("crm").build()) {
      router.route(built).allDelivered().get(30, TimeUnit.SECONDS);
      // read at intake then routed: normalised twice, flagged once
      IntakeReceipt again = router.intake(("{\"UserDetails\":{\"Email\":\" bob@contoso.com\",\"Title\":\"CTO\\u0000\"},"
          + "\"LeadSource\":\"SPZA-Create|x.y\"}").getBytes(StandardCharsets.UTF_8), "test");
      ((IntakeReceipt.Routed) again).receipt().allDelivered().get(30, TimeUnit.SECONDS);
    }
    assertThat(delivered).hasSize(2);
    assertThat(delivered.get(0).customer().email()).isEqualTo("ann@contoso.com");
    assertThat(delivered.get(0).customer().company()).isEqualTo("Fabrikam");
    assertThat(delivered.get(0).flags()).extracting(LeadFlag::code)
        .containsExactlyInAnyOrder(LeadFlag.EMAIL_NORMALISED, LeadFlag.CONTROL_CHARACTERS_REMOVED);
    assertThat(delivered.get(1).customer().email()).isEqualTo("bob@contoso.com");
    assertThat(delivered.get(1).flags()).extracting(LeadFlag::code)
        .containsExactlyInAnyOrder(LeadFlag.EMAIL_NORMALISED, LeadFlag.CONTROL_CHARACTERS_REMOVED);
  }
}
