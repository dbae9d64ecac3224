package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LeadSourceTest {
  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      "AzureMarketplace-INS|checkpoint.check-point-r77-10sg-byol; AZURE_MARKETPLACE; INSTALL; "
          + "checkpoint.check-point-r77-10sg-byol",
      "SPZA-Create|contoso.crm-connector; APPSOURCE; CREATE; contoso.crm-connector",
      "AzurePortal-PLT|contoso.crm; AZURE_PORTAL; PRE_INSTALL; contoso.crm",
      "AzurePortal-DNC|fabrikam.analytics; AZURE_PORTAL; DO_NOT_CONTACT; fabrikam.analytics",
      "TestDrive-StartTestDrive|northwind.sim; TEST_DRIVE; START_TEST_DRIVE; northwind.sim",
      "azuremarketplace-ins|Contoso; AZURE_MARKETPLACE; INSTALL; Contoso",
      "'  AzureMarketplace - INS | Contoso CRM Connector  '; AZURE_MARKETPLACE; INSTALL; Contoso CRM Connector",
  })
  void parse_knownDescriptors_recognisesEveryPart(String text, LeadChannel channel, LeadAction action,
      String offer) {
    LeadSource s = LeadSource.parse(text);

    assertThat(s.channel()).isEqualTo(channel);
    assertThat(s.action()).isEqualTo(action);
    assertThat(s.offerId()).isEqualTo(offer);
    assertThat(s.raw()).isEqualTo(text);
    assertThat(s.isRecognized()).isTrue();
    assertThat(s.flags()).isEmpty();
    assertThat(s.isTest()).isFalse();
  }

  @ParameterizedTest
  @CsvSource(delimiter = ';', value = {
      // typed or pasted through an editor or web page: the dash and bar replaced by their typographic stand-ins
      "AzureMarketplace\u2013DNC|contoso.crm-connector", // en dash
      "AzureMarketplace \u2014 DNC | contoso.crm-connector", // em dash, spaced
      "AzureMarketplace\u2010DNC|contoso.crm-connector", // hyphen
      "AzureMarketplace\u2011DNC|contoso.crm-connector", // non-breaking hyphen
      "AzureMarketplace\u2212DNC|contoso.crm-connector", // minus sign
      "AzureMarketplace\uFF0DDNC\uFF5Ccontoso.crm-connector", // full-width hyphen-minus and vertical line
      "AzureMarketplace-DNC\u00A6contoso.crm-connector", // broken bar
      "AzureMarketplace\u2013DNC\uFF5Ccontoso.crm-connector"})
  void parse_typographicDashesAndBars_areTheSeparators_soADoNotContactStaysOne(String text) {
    LeadSource s = LeadSource.parse(text);

    // before: channel 'AzureMarketplace–DNC' unknown, action missing: no longer a do-not-contact
    assertThat(s.channel()).isEqualTo(LeadChannel.AZURE_MARKETPLACE);
    assertThat(s.action()).isEqualTo(LeadAction.DO_NOT_CONTACT);
    assertThat(s.offerId()).isEqualTo("contoso.crm-connector");
    assertThat(s.raw()).isEqualTo(text); // kept as sent

    // the HTTPS body without ActionCode: routed as the do-not-contact it is, nothing flagged
    Lead lead = ((ReadResult.Readable) MarketplaceCodec.standard().read(("{\"UserDetails\":{},\"LeadSource\":\""
        + text + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8))).lead();
    assertThat(lead.isDoNotContact()).isTrue();
    assertThat(lead.flags()).isEmpty();
  }

  @Test
  void parse_spacesAroundSeparators_keepTrimmedTexts() {
    LeadSource s = LeadSource.parse(" SPZA - Create | Contoso CRM ");

    assertThat(s.channelText()).isEqualTo("SPZA");
    assertThat(s.actionText()).isEqualTo("Create");
    assertThat(s.canonical()).isEqualTo("SPZA-Create|Contoso CRM");
    assertThat(s.raw()).isEqualTo(" SPZA - Create | Contoso CRM ");
  }

  @Test
  void parse_testLeadForm_isTest() {
    LeadSource s = LeadSource.parse("MSFT_TEST_636573304831318844-MSFT_TEST_636573304831318844|Contoso CRM");

    assertThat(s.channel()).isEqualTo(LeadChannel.TEST);
    assertThat(s.action()).isEqualTo(LeadAction.TEST);
    assertThat(s.isTest()).isTrue();
    assertThat(s.isRecognized()).isTrue();
    assertThat(s.offerId()).isEqualTo("Contoso CRM");
  }

  @Test
  void parse_unknownChannelAndAction_keptRawAndFlagged() {
    LeadSource s = LeadSource.parse("CopilotStore-Subscribe|tailspin.agent");

    assertThat(s.channel()).isEqualTo(LeadChannel.UNKNOWN);
    assertThat(s.channelText()).isEqualTo("CopilotStore");
    assertThat(s.action()).isEqualTo(LeadAction.UNKNOWN);
    assertThat(s.actionText()).isEqualTo("Subscribe");
    assertThat(s.offerId()).isEqualTo("tailspin.agent");
    assertThat(s.isRecognized()).isFalse();
    assertThat(s.flags()).containsExactly("unknown channel 'CopilotStore'", "unknown action 'Subscribe'");
  }

  @Test
  void parse_missingParts_neverThrowsAndFlags() {
    assertThat(LeadSource.parse(null)).isEqualTo(LeadSource.NONE);
    assertThat(LeadSource.parse("").flags()).containsExactly("missing channel", "missing action");
    assertThat(LeadSource.parse("AzureMarketplace").flags()).containsExactly("missing action");
    assertThat(LeadSource.parse("AzureMarketplace").offerId()).isEmpty();
    assertThat(LeadSource.parse("|offer").offerId()).isEqualTo("offer");
    assertThat(LeadSource.parse("-INS|").action()).isEqualTo(LeadAction.INSTALL);
    assertThat(LeadSource.parse("AzureMarketplace-INS").offerId()).isEmpty();
  }

  @Test
  void parse_dashInOfferOrSecondBar_splitsAtFirstOnly() {
    LeadSource s = LeadSource.parse("AzureMarketplace-INS|contoso.a-b|c");

    assertThat(s.action()).isEqualTo(LeadAction.INSTALL);
    assertThat(s.offerId()).isEqualTo("contoso.a-b|c");
  }

  @Test
  void of_knownValues_roundTripsThroughCanonical() {
    LeadSource s = LeadSource.of(LeadChannel.APPSOURCE, LeadAction.CREATE, "contoso.crm");

    assertThat(s.raw()).isEqualTo("SPZA-Create|contoso.crm");
    assertThat(LeadSource.parse(s.canonical())).isEqualTo(s);
  }

  @Test
  void of_testValues_isTest() {
    LeadSource s = LeadSource.of(LeadChannel.TEST, LeadAction.TEST, "Contoso CRM");

    assertThat(s.channel()).isEqualTo(LeadChannel.TEST);
    assertThat(s.action()).isEqualTo(LeadAction.TEST);
    assertThat(s.isTest()).isTrue();
  }

  @Test
  void fromCode_matchesCaseInsensitivelyButNeverTestOrUnknown() {
    assertThat(LeadChannel.fromCode("spza")).contains(LeadChannel.APPSOURCE);
    assertThat(LeadChannel.fromCode("MSFT_TEST")).isEmpty();
    assertThat(LeadChannel.fromCode("")).isEmpty();
    assertThat(LeadAction.fromCode("starttestdrive")).contains(LeadAction.START_TEST_DRIVE);
    assertThat(LeadAction.fromCode("MSFT_TEST")).isEmpty();
    assertThat(LeadAction.fromCode("")).isEmpty();
  }
}
