package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The settle delay when this host's clock runs ahead of the Table service's (which gives rows their Timestamps): a
 * fake Table endpoint answers the query in the service's JSON form (learn.microsoft.com/rest/api/storageservices/
 * query-entities) with its {@code Date} header, first without, then with a row that committed late with an earlier
 * Timestamp. Azurite runs on this host's clock, so it cannot show a skew.
 */
class AzureTableLeadPollerServiceClockTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The service's clock at the first answer. */
  private static final Instant SERVICE_NOW = Instant.parse("2026-11-25T10:15:30Z");
  @RegisterExtension final FakeTableService fake = new FakeTableService();
  @TempDir Path dir;

  /** The service's answer at {@code now}: these rows (key, seconds before the first answer), in key order. */
  private void answer(String state, String next, Instant now, Object... rows) {
    ObjectNode body = JSON.createObjectNode().put("odata.metadata", "http://127.0.0.1/acct/$metadata#Market");
    ArrayNode value = body.putArray("value");
    for (int i = 0; i < rows.length; i += 2) {
      String ts = DateTimeFormatter.ISO_INSTANT.format(SERVICE_NOW.minusSeconds((Integer) rows[i + 1]));
      value.addObject().put("odata.etag", "W/\"datetime'" + ts.replace(":", "%3A") + "'\"")
          .put("PartitionKey", "11:2F25:2F2026").put("RowKey", (String) rows[i]).put("Timestamp", ts)
          .put("ActionCode", "INS").put("CustomerInfo", "{\"Email\":\"a@contoso.com\"}")
          .put("LeadSource", "AzureMarketplace-INS|contoso.crm").put("OfferDisplayName", "Contoso");
    }
    fake.server().stubFor(get(urlPathEqualTo("/acct/Market()")).inScenario("commits").whenScenarioStateIs(state)
        .willSetStateTo(next).willReturn(aResponse().withStatus(200)
            .withHeader("Content-Type", FakeTableService.QUERY_CONTENT_TYPE)
            .withHeader("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(now.atOffset(ZoneOffset.UTC)))
            .withBody(body.toString())));
  }

  /**
   * Before: with this host a minute ahead, the 5 s settle delay (on this host's clock) let the first poll take row b,
   * written a second earlier and still settling; the checkpoint moved past it, and row c, committed late (another
   * partition server) with an earlier Timestamp than b, was passed over for good: a lead lost. Now the delay also
   * counts on the service's clock (its Date): b waits, and the next poll takes c then b.
   */
  @Test
  void hostClockAheadOfTheService_rowsStillSettlingWait_aLateCommitWithAnEarlierTimestampIsNotPassedOver() {
    answer(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED, "later", SERVICE_NOW, "a", 10, "b", 1);
    answer("later", "later", SERVICE_NOW.plusSeconds(10), "a", 10, "b", 1, "c", 2);
    List<Lead> routed = new ArrayList<>();
    FileCheckpointStore store = FileCheckpointStore.at(dir.resolve("cp.json"));

    for (int poll = 0; poll < 2; poll++) {
      Clock aheadOfTheService = Clock.fixed(SERVICE_NOW.plusSeconds(60 + 10L * poll), ZoneOffset.UTC);
      try (AzureTableLeadPoller p = AzureTableLeadPoller.builder().account(fake.account()).tableName("Market")
          .target(routed::add).checkpointStore(store).settleDelay(Duration.ofSeconds(5)).clock(aheadOfTheService)
          .maxRetries(0).build()) {
        assertThat(p.pollOnce().failure()).isEmpty();
      }
    }

    assertThat(routed).extracting(l -> l.id().value()).containsExactly("a", "c", "b");
  }
}
