package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rows sharing one {@code Timestamp} (as the service gives all rows of one entity-group transaction), which Azurite
 * does not reproduce reliably: a fake Table endpoint answers the query in the service's JSON (minimal metadata)
 * form, per learn.microsoft.com/rest/api/storageservices/query-entities.
 */
class AzureTableLeadPollerTimestampTest {
  private static final String TS = "2026-11-25T10:15:31.1234567Z";
  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension final FakeTableService fake = new FakeTableService();
  @TempDir Path dir;

  @BeforeEach
  void start() {
    ObjectNode body = JSON.createObjectNode().put("odata.metadata", "http://127.0.0.1/acct/$metadata#Market");
    ArrayNode value = body.putArray("value");
    // the service returns rows in PartitionKey/RowKey order; here deliberately all of them at every poll
    for (int i = 0; i < 5; i++) {
      value.addObject().put("odata.etag", "W/\"datetime'2026-11-25T10%3A15%3A31.1234567Z'\"")
          .put("PartitionKey", "11:2F25:2F2026").put("RowKey", "lead-" + i).put("Timestamp", TS)
          .put("ActionCode", "INS").put("CreatedTime@odata.type", "Edm.DateTime")
          .put("CreatedTime", "2026-11-25T10:15:30Z").put("CustomerInfo", "{\"Email\":\"a@contoso.com\"}")
          .put("Description", "").put("LeadSource", "AzureMarketplace-INS|contoso.crm")
          .put("OfferDisplayName", "Contoso");
    }
    fake.server().stubFor(get(urlPathEqualTo("/acct/Market()")).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", FakeTableService.QUERY_CONTENT_TYPE)
        .withBody(body.toString())));
  }

  @Test
  void rowsSharingATimestamp_takenTwoPerPollAcrossRestarts_areEachRoutedOnce() {
    List<Lead> routed = new ArrayList<>();
    FileCheckpointStore store = FileCheckpointStore.at(dir.resolve("cp.json"));
    for (int poll = 0; poll < 4; poll++) {
      try (AzureTableLeadPoller p = AzureTableLeadPoller.builder()
          .account(fake.account())
          .tableName("Market").target(routed::add).checkpointStore(store).settleDelayBelowMinimum(Azurite.SETTLE)
          .maxRowsPerPoll(2).maxRetries(0).build()) {
        assertThat(p.pollOnce().failure()).isEmpty();
      }
    }
    assertThat(routed).extracting(l -> l.id().value())
        .containsExactly("lead-0", "lead-1", "lead-2", "lead-3", "lead-4");
    assertThat(store.load().orElseThrow()).isEqualTo(new PollerCheckpoint(Instant.parse(TS),
        java.util.Set.of("11:2F25:2F2026/lead-0", "11:2F25:2F2026/lead-1", "11:2F25:2F2026/lead-2",
            "11:2F25:2F2026/lead-3", "11:2F25:2F2026/lead-4")));
    // first poll from the beginning, later ones from the checkpoint's exact timestamp (7 fractional digits); each
    // up to the settle delay
    String settled = " and Timestamp lt datetime'[0-9-]{10}T[0-9:]{8}\\.[0-9]{7}Z'";
    fake.server().verify(1, getRequestedFor(urlPathEqualTo("/acct/Market()"))
        .withQueryParam("$filter", com.github.tomakehurst.wiremock.client.WireMock.matching(
            java.util.regex.Pattern.quote("Timestamp ge datetime'1970-01-01T00:00:00.0000000Z'") + settled)));
    fake.server().verify(3, getRequestedFor(urlPathEqualTo("/acct/Market()"))
        .withQueryParam("$filter", com.github.tomakehurst.wiremock.client.WireMock.matching(
            java.util.regex.Pattern.quote("Timestamp ge datetime'" + TS + "'") + settled)));
  }
}
