package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.spi.VerificationReport;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The outbound body keeps the marketplace's own field shapes: {@code LeadSource} as received and {@code ActionCode}
 * the action kept (a DNC that only {@code ActionCode} carried stays DNC), and the publish check's test lead is the
 * marketplace's.
 */
class HttpsSinkShapesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-25T10:15:30Z");

  @RegisterExtension
  static final WebhookReceiverFake receiver = new WebhookReceiverFake();

  private static JsonNode sent(Lead lead) throws Exception {
    try (HttpsSink sink = receiver.sink().build()) {
      sink.deliver(lead);
    }
    return JSON.readTree(receiver.requests().get(0).getRequest().getBody());
  }

  private static Lead read(String json) {
    return MarketplaceCodec.standard().fromJson(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void microsoftsExample_goesOutInItsOwnShape() throws Exception {
    // learn.microsoft.com: "Configure lead management using an HTTPS endpoint", the example body
    JsonNode body = sent(read("{\"UserDetails\":{\"FirstName\":\"Some\",\"LastName\":\"One\",\"Email\":"
        + "\"someone@contoso.com\",\"Phone\":\"16175555555\",\"Country\":\"USA\",\"Company\":\"Contoso\",\"Title\":"
        + "\"Esquire\"},\"LeadSource\":\"AzureMarketplace\",\"ActionCode\":\"INS\",\"OfferTitle\":\"Test "
        + "Microsoft\",\"Description\":\"Test run through Power Automate\"}"));
    assertThat(body.path("LeadSource").asText()).isEqualTo("AzureMarketplace");
    assertThat(body.path("ActionCode").asText()).isEqualTo("INS");
    assertThat(body.path("OfferTitle").asText()).isEqualTo("Test Microsoft");
    assertThat(body.path("Description").asText()).isEqualTo("Test run through Power Automate");
    JsonNode u = body.path("UserDetails");
    assertThat(u.path("FirstName").asText()).isEqualTo("Some");
    assertThat(u.path("Phone").asText()).isEqualTo("16175555555");
    assertThat(u.path("Phone").isTextual()).isTrue();
    assertThat(u.path("Country").asText()).as("normalised; the original is in the flag").isEqualTo("US");
    assertThat(u.path("Title").asText()).isEqualTo("Esquire");
  }

  @Test
  void dncInActionCodeOnly_goesOutAsDnc_leadSourceAsReceived() throws Exception {
    Lead lead = read("{\"UserDetails\":{\"Email\":\"kim@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|"
        + "contoso.crm\",\"ActionCode\":\"DNC\"}");
    assertThat(lead.isDoNotContact()).isTrue();
    assertThat(lead.flags()).extracting(LeadFlag::code).containsExactly(LeadFlag.ACTION_CONFLICT);
    JsonNode body = sent(lead);
    assertThat(body.path("ActionCode").asText()).isEqualTo("DNC");
    assertThat(body.path("LeadSource").asText()).isEqualTo("AzureMarketplace-INS|contoso.crm");
  }

  @Test
  void verify_sendsTheMarketplaceTestLead_everyFieldMsftTest() throws Exception {
    try (HttpsSink sink = receiver.sink().clock(Clock.fixed(NOW, ZoneOffset.UTC)).build()) {
      VerificationReport report = sink.verify();
      assertThat(report.passed()).as("%s", report).isTrue();
    }
    String t = "MSFT_TEST_" + (621_355_968_000_000_000L + NOW.getEpochSecond() * 10_000_000L);
    JsonNode body = JSON.readTree(receiver.requests().get(0).getRequest().getBody());
    JsonNode u = body.path("UserDetails");
    Map.of("FirstName", t, "LastName", t, "Company", t, "Title", t, "Email", t + "@test.com", "Phone", "1234567890",
        "Country", "US").forEach((name, value) -> assertThat(u.path(name).asText()).as(name).isEqualTo(value));
    assertThat(body.path("Description").asText()).isEqualTo(t);
    assertThat(body.path("LeadSource").asText()).startsWith(t + "-" + t + "|");
    assertThat(body.path("ActionCode").asText()).isEqualTo(t);
    assertThat(body.path("LeadId").asText()).isEqualTo(t);
  }
}
