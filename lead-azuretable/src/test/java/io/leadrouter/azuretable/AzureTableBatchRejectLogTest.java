package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Table service refusing one entity of a transaction (an answer Azurite does not give for a lead the sink's own
 * checks pass: a fake service answers as the service does, a multipart changeset answer naming the action's index):
 * the sink's WARN named the lead by its raw id, which a sender may make of the customer's phone or e-mail.
 */
class AzureTableBatchRejectLogTest {
  @RegisterExtension final FakeTableService fake = new FakeTableService();

  @Test
  void anEntityRefusedInATransaction_isLoggedWithItsLeadIdMasked() throws Exception {
    fake.server().stubFor(get(urlPathMatching("/acct/Leads.*")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", FakeTableService.QUERY_CONTENT_TYPE).withBody("{\"value\":[]}")));
    String error = "{\"odata.error\":{\"code\":\"PropertyValueTooLarge\",\"message\":{\"lang\":\"en-US\",\"value\":"
        + "\"1:The property value exceeds the maximum allowed size (64KB).\\nRequestId:1f0b8a52-0002-0025-1e5a\\n"
        + "Time:2026-12-04T10:15:31Z\"}}}";
    String body = "--batchresponse_b1\r\nContent-Type: multipart/mixed; boundary=changesetresponse_c1\r\n\r\n"
        + "--changesetresponse_c1\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        + "HTTP/1.1 400 Bad Request\r\nX-Content-Type-Options: nosniff\r\nDataServiceVersion: 3.0;\r\n"
        + "Content-Type: application/json;odata=minimalmetadata;streaming=true;charset=utf-8\r\n\r\n" + error
        + "\r\n--changesetresponse_c1--\r\n--batchresponse_b1--\r\n";
    String ok = "--batchresponse_b2\r\nContent-Type: multipart/mixed; boundary=changesetresponse_c2\r\n\r\n"
        + "--changesetresponse_c2\r\nContent-Type: application/http\r\nContent-Transfer-Encoding: binary\r\n\r\n"
        + "HTTP/1.1 204 No Content\r\nX-Content-Type-Options: nosniff\r\nDataServiceVersion: 3.0;\r\n"
        + "ETag: W/\"datetime'2026-12-04T10%3A15%3A31.0000000Z'\"\r\n\r\n"
        + "\r\n--changesetresponse_c2--\r\n--batchresponse_b2--\r\n";
    // the first transaction (both leads) is refused at action 1; the one sent again without it is stored
    fake.server().stubFor(post(urlPathMatching("/acct/\\$batch")).inScenario("batch").whenScenarioStateIs(STARTED)
        .willSetStateTo("refused once").willReturn(aResponse().withStatus(202)
        .withHeader("Content-Type", "multipart/mixed; boundary=batchresponse_b1").withBody(body)));
    fake.server().stubFor(post(urlPathMatching("/acct/\\$batch")).inScenario("batch").whenScenarioStateIs(
        "refused once").willReturn(aResponse().withStatus(202)
        .withHeader("Content-Type", "multipart/mixed; boundary=batchresponse_b2").withBody(ok)));
    Lead first = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of("guid-like-first")).build();
    Lead phone = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of("tel-4915112345678")).build();

    List<BatchItemResult> results;
    String log;
    try (OutputCapture out = OutputCapture.start(); AzureTableSink sink = AzureTableSink.builder()
        .account(fake.account()).tableName("Leads").maxRetries(0).requestTimeout(Duration.ofSeconds(10)).build()) {
      results = sink.deliverBatch(List.of(first, phone));
      log = out.text();
    }

    assertThat(results.get(0).failure()).as("the other lead is stored").isEmpty();
    assertThat(results.get(1).failure()).as("the refused lead fails").isPresent();
    // LeadRouter's own lines; the Azure SDK's logger (com.azure.data.tables) writes the refused action's keys itself,
    // outside LeadRouter: the module README says to turn it off where ids may hold personal data
    String ours = log.lines().filter(l -> l.contains(" io.leadrouter.")).collect(Collectors.joining("\n"));
    assertThat(ours).contains("Azure Table rejected lead tel-***78 in a transaction").doesNotContain("4915112345678");
  }
}
