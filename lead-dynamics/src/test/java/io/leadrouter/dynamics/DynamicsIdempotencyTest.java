package io.leadrouter.dynamics;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.dynamics.internal.LeadMapper;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Redelivery never creates a second row: upsert by alternate key, or lookup of the derived primary key. */
class DynamicsIdempotencyTest extends FakeDynamicsTest {

  /** The Web API requests received, oldest first, as {@code METHOD path [conditional header]}. */
  private static List<String> webApiRequests() {
    return fake.wm.findAll(anyRequestedFor(urlPathMatching("/api/data/v9\\.2/.*"))).stream()
        .sorted(Comparator.comparing(LoggedRequest::getLoggedDate))
        .map(r -> r.getMethod().getName() + " " + r.getUrl().substring("/api/data/v9.2/".length())
            + (r.containsHeader("If-None-Match") ? " If-None-Match:" + r.getHeader("If-None-Match") : "")
            + (r.containsHeader("If-Match") ? " If-Match:" + r.getHeader("If-Match") : ""))
        .toList();
  }

  @Test
  void upsert_sameLeadTwice_reportsCreatedThenUpdated() throws Exception {
    fake.alternateKey("new_leadrouterid");
    DynamicsSink sink = fake.sink().idColumn("new_leadrouterid").build();
    Lead lead = SampleLeads.azureMarketplaceInstall();

    DeliveryResult first = sink.deliver(lead);
    DeliveryResult second = sink.deliver(lead);

    assertThat(first.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(second.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(second.recordId()).isPresent().isEqualTo(first.recordId());
    assertThat(fake.rowsFor(lead)).isEqualTo(1);
    String key = "leads(new_leadrouterid='" + lead.id() + "')";
    assertThat(webApiRequests()).containsExactly(
        "PATCH " + key + " If-None-Match:*",
        "PATCH " + key + " If-None-Match:*",
        "PATCH " + key + " If-Match:*");
    JsonNode body = FakeDynamics.body(fake.wm.findAll(anyRequestedFor(urlPathMatching("/api/data/.*"))).get(0));
    assertThat(body.has("leadid")).as("the alternate key names the row; no primary key is sent").isFalse();
    assertThat(fake.rows().get(0).path("new_leadrouterid").asText()).isEqualTo(lead.id().value());
  }

  @Test
  void create_firstDelivery_sendsDerivedPrimaryKeyAndODataHeaders() throws Exception {
    DynamicsSink sink = fake.sink().build();
    Lead lead = SampleLeads.azureMarketplaceInstall();

    DeliveryResult result = sink.deliver(lead);

    String key = LeadMapper.recordId(lead.id()).toString();
    assertThat(result).isEqualTo(DeliveryResult.created(key));
    LoggedRequest post = fake.wm.findAll(anyRequestedFor(urlPathMatching("/api/data/v9\\.2/leads"))).get(0);
    assertThat(post.getMethod().getName()).isEqualTo("POST");
    assertThat(post.getHeader("OData-MaxVersion")).isEqualTo("4.0");
    assertThat(post.getHeader("OData-Version")).isEqualTo("4.0");
    assertThat(post.getHeader("Content-Type")).isEqualTo("application/json");
    assertThat(post.getHeader("Authorization")).startsWith("Bearer eyJ");
    assertThat(FakeDynamics.body(post).toString()).isEqualTo("{\"firstname\":\"Jane\",\"lastname\":\"Doe\","
        + "\"emailaddress1\":\"jane.doe@contoso.com\",\"telephone1\":\"+1 425 555 0100\",\"companyname\":\"Contoso\","
        + "\"jobtitle\":\"CTO\",\"address1_country\":\"US\",\"subject\":\"Contoso CRM Connector - INS\","
        + "\"description\":\"Lead source: AzureMarketplace-INS|contoso.crm-connector\\nCampaign: "
        + "{\\\"mktcmpid\\\":\\\"blog\\\"}\\nLeadRouter lead id: " + lead.id() + "\",\"leadsourcecode\":8,"
        + "\"leadid\":\"" + key + "\"}");
  }

  @ParameterizedTest(name = "answer lost as {0} (0 = read timeout)")
  @ValueSource(ints = {0, 500, 504})
  void create_answerLostAfterRowWasCreated_retryLooksUpAndReportsUpdated(int lost) throws Exception {
    // the create must reach the fake before the client gives up, however loaded the machine: a 5xx is awaited (30 s),
    // a read timeout (2 s) is far from both the request's way there and the lost answer's 6 s
    DynamicsSink sink = fake.sink().timeout(Duration.ofSeconds(lost == 0 ? 2 : 30)).build();
    Lead lead = SampleLeads.appSourceCreate();
    fake.loseNextWriteResponse(lost);

    assertThat(catchThrowable(() -> sink.deliver(lead))).isInstanceOf(TransientDeliveryException.class);
    assertThat(fake.rowsFor(lead)).as("the create was applied although its answer was lost").isEqualTo(1);

    DeliveryResult retry = sink.deliver(lead);

    assertThat(retry.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(fake.rowsFor(lead)).isEqualTo(1);
    String key = LeadMapper.recordId(lead.id()).toString();
    assertThat(webApiRequests()).containsExactly("POST leads", "GET leads(" + key + ")?$select=leadid");
  }

  @Test
  void create_keyAlreadyTakenAfterRestart_reportsUpdatedWithoutSecondRow() throws Exception {
    Lead lead = SampleLeads.testDrive();
    fake.sink().build().deliver(lead);

    DynamicsSink restarted = fake.sink().build(); // knows nothing of the first attempt
    DeliveryResult again = restarted.deliver(lead);

    assertThat(again).isEqualTo(DeliveryResult.updated(LeadMapper.recordId(lead.id()).toString()));
    assertThat(fake.rowsFor(lead)).isEqualTo(1);
  }

  @Test
  void create_mappingOverridden_sendsConfiguredColumnsOnly() throws Exception {
    DynamicsSink sink = fake.sink().map("title", "new_role").map("phone", "").map("leadSourceCode", "")
        .leadSourceCode(0).build();
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    JsonNode body = fake.rows().get(0);
    assertThat(body.has("telephone1")).isFalse();
    assertThat(body.has("jobtitle")).isFalse();
    assertThat(body.path("new_role").asText()).isEqualTo("CTO");
    assertThat(body.has("leadsourcecode")).isFalse();
  }
}
