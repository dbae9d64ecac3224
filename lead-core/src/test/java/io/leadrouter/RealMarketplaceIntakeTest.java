package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile intake audit: real marketplace leads as DOMAIN.md shows them, taken in through {@link LeadRouter#intake}
 * into a real SQLite journal. Each test failed on the code before its fix.
 */
class RealMarketplaceIntakeTest {
  // DOMAIN.md "HTTPS endpoint": the marketplace's own body, short form (no offer part in LeadSource)
  private static final String DOMAIN_BODY = """
      {"UserDetails":{"FirstName":"","LastName":"","Email":"someone@contoso.com","Phone":"",
       "Country":"US","Company":"","Title":""},
       "LeadSource":"AzureMarketplace","ActionCode":"INS",
       "OfferTitle":"Contoso CRM","Description":"{\\"mktcmpid\\":\\"blog\\"}"}""";

  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void domainsOwnHttpsBody_isRoutedByAnOfferRule_onItsOfferTitle() throws Exception {
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + l.id())))
        .route(RoutingRule.offer("contoso", "contoso*", List.of("crm"))).build()) {
      IntakeReceipt taken = router.intake(utf8(DOMAIN_BODY), "test");

      // before: offerId was "" for the short form, no offer rule matched, the lead sat in quarantine (LEAD_NO_ROUTE)
      assertThat(taken).isInstanceOfSatisfying(IntakeReceipt.Routed.class, r -> {
        assertThat(r.lead().source().offerId()).isEqualTo("Contoso CRM");
        assertThat(r.lead().source().raw()).isEqualTo("AzureMarketplace"); // kept as sent
        assertThat(r.lead().source().action()).isEqualTo(LeadAction.INSTALL);
        assertThat(r.lead().flags()).isEmpty();
      });
      ((IntakeReceipt.Routed) taken).receipt().allDelivered().get(30, TimeUnit.SECONDS);
      assertThat(router.quarantineCount()).isZero();
      // the body sent on is the shape received: LeadSource still the short form, the offer in OfferTitle
      String out = MarketplaceCodec.standard().toJsonString(((IntakeReceipt.Routed) taken).lead());
      assertThat(out).contains("\"LeadSource\":\"AzureMarketplace\"", "\"OfferTitle\":\"Contoso CRM\"");
    }
  }

  @Test
  void descriptorWithAnOffer_keepsIt_andATableRowsShortFormTakesOfferDisplayName() {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    Lead full = codec.fromJson(utf8("{\"UserDetails\":{},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\","
        + "\"OfferTitle\":\"Contoso CRM\"}"));
    Lead noOffer = codec.fromJson(utf8("{\"UserDetails\":{},\"LeadSource\":\"SPZA-Create | \","
        + "\"OfferTitle\":\" Contoso CRM \"}"));
    Lead row = codec.fromTableEntity(Map.of("RowKey", "r-1", "CustomerInfo", "{}", "LeadSource", "AzurePortal",
        "ActionCode", "PLT", "OfferDisplayName", "Contoso CRM"));

    assertThat(full.source().offerId()).isEqualTo("contoso.crm");
    assertThat(noOffer.source().offerId()).isEqualTo("Contoso CRM");
    assertThat(noOffer.offerTitle()).isEqualTo(" Contoso CRM "); // the title itself stays as sent
    assertThat(row.source().offerId()).isEqualTo("Contoso CRM");
    assertThat(row.source().action()).isEqualTo(LeadAction.PRE_INSTALL);
  }

  @Test
  void flags_neverHoldTheSendersEmailOrPhone_notEvenAsTheOriginalExplainShows() {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    Lead body = codec.fromJson(utf8("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":"
        + "\"AzureMarketplace-INS|x.y\",\"LeadId\":\"john doe@contoso.com\",\"CreatedTime\":\"+1 425 555 0100\"}"));
    Lead row = codec.fromTableEntity(Map.of("RowKey", "jane doe@contoso.com", "CustomerInfo", "{}",
        "CreatedTime", "call +1 425 555 0199", "LeadSource", "AzureMarketplace-INS|x.y"));

    for (Lead lead : List.of(body, row)) {
      assertThat(lead.flags()).extracting(LeadFlag::code)
          .contains(LeadFlag.LEAD_ID_UNUSABLE, LeadFlag.CREATED_TIME_UNREADABLE);
      for (LeadFlag f : lead.flags()) {
        assertThat(f.original() + f.message() + f.path()).doesNotContain("doe@contoso.com")
            .doesNotContain("555 01");
      }
      // explain shows each flag's original ("sent as ..."): it held the raw e-mail and phone
      assertThat(String.join("\n", LeadExplainer.flags(lead))).doesNotContain("doe@contoso.com")
          .doesNotContain("555 01").contains("sent as");
    }
    // an original without personal data is kept exactly
    Lead country = codec.fromJson(utf8("{\"UserDetails\":{\"Country\":\" usa \"},\"LeadSource\":\"AzurePortal-PLT|x.y\"}"));
    assertThat(country.flags()).singleElement().satisfies(f -> assertThat(f.original()).isEqualTo(" usa "));
  }
}
