package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile intake audit (fifteenth session): spellings real senders produce that intake misread. Each test failed on the
 * code before its fix.
 */
class IntakeSpellingsTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  private static Lead readable(String json) {
    ReadResult r = CODEC.read(json.getBytes(StandardCharsets.UTF_8));
    assertThat(r).as("%s", r).isInstanceOf(ReadResult.Readable.class);
    return ((ReadResult.Readable) r).lead();
  }

  private static Lead withCustomer(String key, String value) {
    return readable("{\"UserDetails\":{\"" + key + "\":\"" + value + "\"},\"LeadSource\":\"AzureMarketplace-INS|x.y\"}");
  }

  /**
   * Before: "N/A" (and a spreadsheet's "#N/A") folded into the code NA, so the lead went to the CRM from Namibia, flagged
   * only as "read as NA"; "U/K" ("unknown") became Britain.
   */
  @ParameterizedTest
  @ValueSource(strings = {"N/A", "n/a", "#N/A", "N.A.", "U/K"})
  void countryGivenAsNoValue_isKeptAsSentAndFlagged_neverReadAsACountry(String sent) {
    Lead lead = withCustomer("Country", sent);

    assertThat(lead.customer().country()).isEqualTo(sent);
    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.COUNTRY_UNRECOGNISED);
      assertThat(f.path()).isEqualTo("UserDetails.Country");
      assertThat(f.message()).contains("'" + sent + "' is no ISO 3166 country code").endsWith("kept as sent");
    });
  }

  /**
   * Before: {@code "Smith, John" <john.smith@contoso.com>} (an address as a mail client copies it) was kept whole and
   * flagged "white space U+0020 at position 8": no CRM takes it as an address, and the person could not be erased by
   * their address (nor by the whole text, which erase refuses). The address is taken out of the brackets; the flag says
   * what went and keeps the value as sent, the address in it masked.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\\\"Smith, John\\\" <john.smith@contoso.com>|the display name and the angle brackets around the address (Name"
          + " <address>, as a mail client copies it)",
      "John Smith <john.smith@contoso.com>|the display name and the angle brackets around the address (Name"
          + " <address>, as a mail client copies it)",
      "<john.smith@contoso.com>|the angle brackets around the address (<address>, as a mail client copies it)",
      "john.smith@contoso.com <mailto:john.smith@contoso.com>|the display name and the angle brackets around the"
          + " address (Name <address>, as a mail client copies it)"})
  void emailWithDisplayName_isTheAddressAlone_flaggedWithTheValueAsSent_andErasableByTheAddress(String sent,
      String removed) {
    Lead lead = withCustomer("Email", sent);

    assertThat(lead.customer().email()).isEqualTo("john.smith@contoso.com");
    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_NORMALISED);
      assertThat(f.path()).isEqualTo("UserDetails.Email");
      assertThat(f.message()).isEqualTo("removed " + removed + "; the address itself is unchanged, the value as sent"
          + " is this flag's original");
      assertThat(f.original()).endsWith("j***@contoso.com>");
      assertThat(f.toString() + f.original()).doesNotContain("john.smith@");
    });
    assertThat(Person.byEmail("john.smith@contoso.com").matches(lead)).isTrue();
    // normalising again (route() after intake) adds nothing
    assertThat(io.leadrouter.internal.intake.LeadNormalizer.normalize(lead)).isEqualTo(lead);
  }

  /** A name holding another address, or brackets holding no valid one: which is meant cannot be told, so kept. */
  @ParameterizedTest
  @ValueSource(strings = {"jane@fabrikam.com <john@contoso.com>", "John <john@>", "<a@contoso.com> <b@contoso.com>",
      "John <<john@contoso.com>>"})
  void nameAddrThatCannotBeTakenApart_isKeptAsSent_andTheFlagSaysWhyAndTheFix(String sent) {
    Lead lead = withCustomer("Email", sent);

    assertThat(lead.customer().email()).isEqualTo(sent);
    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_INVALID);
      assertThat(f.message()).endsWith("is not an e-mail address: holds a name and an address in angle brackets"
          + " (Name <address>) that cannot be taken apart: the name holds another address, or the brackets no valid"
          + " one; send the address alone; kept as sent").doesNotContain("john@", "jane@", "a@contoso", "b@contoso");
    });
  }

  private static Lead withSource(String leadSource, String actionCode) {
    return readable("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"" + leadSource + "\""
        + (actionCode == null ? "" : ",\"ActionCode\":\"" + actionCode + "\"") + "}");
  }

  /**
   * Before: a do-not-contact typed in full width by a CJK input method ({@code ＤＮＣ}), or with a zero-width space
   * pasted inside, was an unknown action: the lead went to the CRMs as a contactable one (with ActionCode "ＤＮＣ" beside
   * "INS" in LeadSource, INS was kept as "the known action"). The separators' stand-ins were read already.
   */
  @ParameterizedTest
  @CsvSource(delimiter = ';', nullValues = "-", value = {
      "AzureMarketplace\uFF0D\uFF24\uFF2E\uFF23\uFF5Ccontoso.crm;-",
      "\uFF21\uFF5A\uFF55\uFF52\uFF45\uFF2D\uFF41\uFF52\uFF4B\uFF45\uFF54\uFF50\uFF4C\uFF41\uFF43\uFF45-DNC|contoso.crm;-",
      "AzureMarketplace-D\u200BNC|contoso.crm;-",
      "AzureMarketplace-INS|contoso.crm;\uFF24\uFF2E\uFF23",
      "AzureMarketplace;\uFF44\uFF4E\uFF43"})
  void doNotContactInFullWidthOrWithAnInvisibleCharacter_isADoNotContact(String leadSource, String actionCode) {
    Lead lead = withSource(leadSource, actionCode);

    assertThat(lead.isDoNotContact()).as("%s", lead.source()).isTrue();
    assertThat(lead.source().channel()).isEqualTo(LeadChannel.AZURE_MARKETPLACE);
    assertThat(lead.source().raw()).isEqualTo(leadSource);
    assertThat(lead.flags()).extracting(LeadFlag::code).doesNotContain(LeadFlag.SOURCE_UNRECOGNISED);
  }

  /** One action in two widths is no conflict: nothing to flag. */
  @Test
  void sameActionInLeadSourceAndFullWidthActionCode_isNoConflict() {
    Lead lead = withSource("AzureMarketplace-DNC|contoso.crm", "\uFF24\uFF2E\uFF23");

    assertThat(lead.isDoNotContact()).isTrue();
    assertThat(lead.flags()).isEmpty();
  }
}
