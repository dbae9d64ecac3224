package io.leadrouter;

import static io.leadrouter.Payloads.readable;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.internal.intake.LeadNormalizer;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Before: a do-not-contact under a misspelled key ({@code " ActionCode":"DNC"}, {@code "Action Code"}) or in a lead
 * source separated otherwise ({@code AzureMarketplace_DNC|x}) was flagged at most, and the lead went to the CRMs with
 * the action read elsewhere, as contactable. A DNC found anywhere makes the lead a do-not-contact (the privacy-safe
 * reading), flagged {@code DO_NOT_CONTACT_FOUND} with the key as sent and the value; never the other way round.
 */
class DoNotContactElsewhereTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "\" ActionCode\":\"DNC\";' ActionCode'",
      "\"Action Code\":\"DNC\";Action Code",
      "\"Action_Code\":\"dnc\";Action_Code",
      "\"ActonCode\":\"DNC\";ActonCode",
      "\"Action\":\"Do Not Contact\";Action",
      "\"UserDetails.ActionCode\":\"DNC\";UserDetails.ActionCode",
      "\"Lead Source\":\"AzureMarketplace-DNC|contoso.crm\";Lead Source",
      "\"Extra\":{\"Action Code\":\"DNC\"};Extra.Action Code"})
  void dncUnderAMisspelledKey_makesTheLeadADoNotContact_flaggedWithTheKeyAsSent(String member, String path) {
    Lead lead = readable("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|"
        + "contoso.crm\",\"ActionCode\":\"INS\"," + member + "}");

    assertThat(lead.isDoNotContact()).as("%s", lead.source()).isTrue();
    assertThat(lead.source().actionText()).isEqualTo("DNC");
    assertThat(lead.source().raw()).isEqualTo("AzureMarketplace-INS|contoso.crm");
    assertThat(lead.flags()).filteredOn(f -> f.code().equals(LeadFlag.DO_NOT_CONTACT_FOUND)).singleElement()
        .satisfies(f -> {
          assertThat(f.path()).isEqualTo(path);
          assertThat(f.message()).contains("(do not contact): the lead is read as a do-not-contact, the privacy-safe"
              + " reading").contains("send it as ").endsWith("('INS' was read as the action elsewhere)");
          assertThat(f.original()).containsIgnoringCase("d");
        });
    // the webhook body and every sink see the DNC: ActionCode DNC, as for a lead sent with it
    assertThat(CODEC.toJsonString(lead)).contains("\"ActionCode\":\"DNC\"");
    // normalising again (route() after intake) adds nothing
    assertThat(LeadNormalizer.normalize(lead)).isEqualTo(lead);
  }

  @ParameterizedTest
  @ValueSource(strings = {"AzureMarketplace_DNC|contoso.crm", "AzureMarketplace DNC|contoso.crm",
      "AzureMarketplace.DNC | contoso.crm", "AzureMarketplaceDNC|contoso.crm", "AzureMarketplace/dnc|contoso.crm",
      "AzureMarketplace_\uFF24\uFF2E\uFF23|contoso.crm"})
  void dncInALeadSourceSeparatedOtherwise_isADoNotContactOfThatChannel_alsoAgainstActionCode(String leadSource) {
    Lead lead = readDncInLeadSource(leadSource);

    assertThat(lead.source().raw()).isEqualTo(leadSource);
    assertThat(dncFlag(lead).message()).contains("names DNC (do not contact), though not as Source-DNC|Offer: the lead"
        + " is read as a do-not-contact");
  }

  /**
   * The action spelled out in the lead source, as ActionCode's "Do Not Contact" is read: before, it was an unknown action
   * (SOURCE_UNRECOGNISED) and the lead went to every CRM as contactable.
   */
  @ParameterizedTest
  @ValueSource(strings = {"AzureMarketplace-Do Not Contact|contoso.crm", "AzureMarketplace-DoNotContact|contoso.crm",
      "AzureMarketplace-do-not-contact | contoso.crm", "AzureMarketplace_Do_Not_Contact|contoso.crm"})
  void doNotContactSpelledOutInALeadSource_isADoNotContactOfThatChannel_alsoAgainstActionCode(String leadSource) {
    Lead lead = readDncInLeadSource(leadSource);

    assertThat(dncFlag(lead).message()).contains("names DNC (do not contact), though not as Source-DNC|Offer")
        .contains("send it as Source-DNC|Offer");
    assertThat(CODEC.toJsonString(lead)).contains("\"ActionCode\":\"DNC\"");
    assertThat(LeadNormalizer.normalize(lead)).isEqualTo(lead);
  }

  /**
   * Reads a lead sent with {@code leadSource} and ActionCode INS, and checks what a DNC in the lead source gives, however
   * it is written: a do-not-contact of the Azure Marketplace offer contoso.crm, with one DO_NOT_CONTACT_FOUND flag on
   * LeadSource holding the value as sent, and the source not flagged as unrecognised.
   */
  private static Lead readDncInLeadSource(String leadSource) {
    Lead lead = readable("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"" + leadSource
        + "\",\"ActionCode\":\"INS\"}");

    assertThat(lead.isDoNotContact()).as("%s", lead.source()).isTrue();
    assertThat(lead.source().channel()).isEqualTo(LeadChannel.AZURE_MARKETPLACE);
    assertThat(lead.source().offerId()).isEqualTo("contoso.crm");
    assertThat(dncFlag(lead).path()).isEqualTo("LeadSource");
    assertThat(dncFlag(lead).original()).isEqualTo(leadSource);
    assertThat(lead.flags()).extracting(LeadFlag::code).doesNotContain(LeadFlag.SOURCE_UNRECOGNISED);
    return lead;
  }

  /** The lead's one DO_NOT_CONTACT_FOUND flag. */
  private static LeadFlag dncFlag(Lead lead) {
    List<LeadFlag> dnc = lead.flags().stream().filter(f -> f.code().equals(LeadFlag.DO_NOT_CONTACT_FOUND)).toList();
    assertThat(dnc).as("%s", lead.flags()).hasSize(1);
    return dnc.get(0);
  }

  @ParameterizedTest
  @ValueSource(strings = {"DNC;", "[DNC]", "DNC, INS", "Do Not Contact"})
  void actionCodeNamingDncAmongOtherText_isADoNotContact(String actionCode) {
    Lead lead = readable("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|"
        + "contoso.crm\",\"ActionCode\":\"" + actionCode + "\"}");

    assertThat(lead.isDoNotContact()).isTrue();
    assertThat(lead.flags()).filteredOn(f -> f.code().equals(LeadFlag.DO_NOT_CONTACT_FOUND)).singleElement()
        .satisfies(f -> {
          assertThat(f.path()).isEqualTo("ActionCode");
          assertThat(f.original()).isEqualTo(actionCode);
        });
  }

  /** A misspelled "contact me" never overrides a DNC; a DNC in an offer's name is no action. */
  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "AzureMarketplace-DNC|contoso.crm;\" ActionCode\":\"INS\";true",
      "AzureMarketplace-DNC|contoso.crm;\"Action Code\":\"PLT\",\"ActionCode\":\"INS\";true",
      "AzureMarketplace-INS|contoso.dnc-suite;\"utm\":\"DNC\";false",
      "AzureMarketplace-INS|contoso.crm;\"Company\":\"DNC Holdings\";false"})
  void nothingButADncMakesADoNotContact_andNothingUndoesOne(String leadSource, String member, boolean dnc) {
    Lead lead = readable("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":\"" + leadSource + "\","
        + member + "}");

    assertThat(lead.isDoNotContact()).isEqualTo(dnc);
    assertThat(lead.flags()).extracting(LeadFlag::code).doesNotContain(LeadFlag.DO_NOT_CONTACT_FOUND);
  }

  /** A lead built in code and routed is read the same way: route() normalises it. */
  @Test
  void leadBuiltInCode_withADncUnderAMisspelledAttribute_isADoNotContact() {
    Lead lead = Lead.builder().id("l-1").email("a@contoso.com").source("AzureMarketplace-PLT|contoso.crm")
        .attribute("Action Code", "DNC").build();

    Lead normalised = LeadNormalizer.normalize(lead);

    assertThat(normalised.isDoNotContact()).isTrue();
    assertThat(normalised.flags()).extracting(LeadFlag::code).contains(LeadFlag.DO_NOT_CONTACT_FOUND);
  }

  /** A table row (the poller's) with a misspelled ActionCode column is read the same way. */
  @Test
  void tableRowWithAMisspelledActionCodeColumn_isADoNotContact() {
    java.util.Map<String, Object> row = new java.util.LinkedHashMap<>();
    row.put("RowKey", "r-1");
    row.put("CustomerInfo", "{\"Email\":\"a@contoso.com\"}");
    row.put("LeadSource", "AzureMarketplace-INS|contoso.crm");
    row.put("Action_Code", "DNC");

    ReadResult r = CODEC.readTableEntity(row);

    assertThat(r).isInstanceOfSatisfying(ReadResult.Readable.class, ok -> {
      assertThat(ok.lead().isDoNotContact()).isTrue();
      assertThat(ok.lead().flags()).extracting(LeadFlag::path).contains("Action_Code");
    });
  }
}
