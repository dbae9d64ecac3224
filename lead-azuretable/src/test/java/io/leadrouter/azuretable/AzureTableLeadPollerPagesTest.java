package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.absent;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import io.leadrouter.Lead;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The service failing on the second page of a poll's answer (after a continuation token): 503, 500, an answer
 * held past the request timeout, a reset connection. A fake Table endpoint answers in the service's JSON and
 * continuation headers (learn.microsoft.com/rest/api/storageservices/query-timeout-and-pagination); the second
 * page's rows are older than the first's. No row of the failed poll is taken, the failure says the poller reads
 * again, and the next poll takes all rows once, in timestamp order across the pages.
 */
class AzureTableLeadPollerPagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String NEXT_PARTITION = "1!20!MTE6MkYyNToyRjIwMjY-";
  private static final String JSON_TYPE = FakeTableService.QUERY_CONTENT_TYPE;
  @RegisterExtension final FakeTableService fake = new FakeTableService();
  @TempDir Path dir;

  @BeforeEach
  void start() {
    fake.server().stubFor(get(urlPathEqualTo("/acct/Market()")).withQueryParam("NextPartitionKey", absent())
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", JSON_TYPE)
            .withHeader("x-ms-continuation-NextPartitionKey", NEXT_PARTITION)
            .withHeader("x-ms-continuation-NextRowKey", "1!12!bGVhZC0z").withBody(page(0, 3))));
  }

  /** Rows lead-from .. lead-(to-1), each older than the one before (lead-5 the oldest). */
  private static String page(int from, int to) {
    ObjectNode body = JSON.createObjectNode().put("odata.metadata", "http://127.0.0.1/acct/$metadata#Market");
    ArrayNode value = body.putArray("value");
    for (int i = from; i < to; i++) {
      value.addObject().put("odata.etag", "W/\"datetime'2026-11-25T10%3A15%3A31Z'\"")
          .put("PartitionKey", "11:2F25:2F2026").put("RowKey", "lead-" + i)
          .put("Timestamp", "2026-11-25T10:15:" + (50 - i) + ".1234567Z").put("ActionCode", "INS")
          .put("CustomerInfo", "{\"Email\":\"a@contoso.com\"}").put("LeadSource", "AzureMarketplace-INS|contoso.crm");
    }
    return body.toString();
  }

  private void secondPage(ResponseDefinitionBuilder answer) {
    fake.server().stubFor(get(urlPathEqualTo("/acct/Market()"))
        .withQueryParam("NextPartitionKey", equalTo(NEXT_PARTITION)).willReturn(answer));
  }

  @ParameterizedTest
  @ValueSource(strings = {"503 ServerBusy", "500", "held past the timeout", "connection reset"})
  void secondPageFails_noRowOfThePollIsTaken_andTheNextPollTakesAllOnceInTimestampOrder(String failure) {
    secondPage(switch (failure) {
      case "503 ServerBusy" -> aResponse().withStatus(503).withHeader("x-ms-error-code", "ServerBusy");
      case "500" -> aResponse().withStatus(500);
      case "held past the timeout" -> aResponse().withStatus(200).withHeader("Content-Type", JSON_TYPE)
          .withBody(page(3, 6)).withFixedDelay(30_000);
      default -> aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
    });
    List<Lead> routed = new ArrayList<>();
    CheckpointStore store = FileCheckpointStore.at(dir.resolve("cp.json"));
    try (AzureTableLeadPoller p = AzureTableLeadPoller.builder()
        .account(fake.account())
        .tableName("Market").target(routed::add).checkpointStore(store).settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0)
        .requestTimeout(Duration.ofSeconds(2)).build()) {
      AzureTableLeadPoller.PollResult failed = p.pollOnce();
      assertThat(failed.routed()).isZero();
      assertThat(failed.failure()).get().extracting(Throwable::getMessage).asString()
          .matches("reading table Market failed: AZURETABLE_(UNAVAILABLE: HTTP 5|UNREACHABLE: \\w+Exception).*")
          .contains("no row of this poll "
              + "was taken").contains("the poller reads again at its next poll").doesNotContain("router");
      assertThat(routed).isEmpty();
      assertThat(store.load()).isEmpty();

      secondPage(aResponse().withStatus(200).withHeader("Content-Type", JSON_TYPE).withBody(page(3, 6)));
      assertThat(p.pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(6, 0));
      assertThat(p.pollOnce().routed()).isZero();
    }
    assertThat(routed).extracting(l -> l.id().value())
        .containsExactly("lead-5", "lead-4", "lead-3", "lead-2", "lead-1", "lead-0");
  }

  /** A first page (no continuation) answering a query that asks for {@code top} rows with {@code answer}. */
  private void pageOf(int top, ResponseDefinitionBuilder answer) {
    fake.server().stubFor(get(urlPathEqualTo("/acct/Market()")).withQueryParam("$top", equalTo(String.valueOf(top)))
        .willReturn(answer));
  }

  private List<String> topsAsked() {
    return fake.server().findAll(getRequestedFor(urlPathEqualTo("/acct/Market()"))).stream()
        .map(r -> r.queryParameter("$top").firstValue()).toList();
  }

  /**
   * Before, a page was asked for one row per MiB of {@code maxBytesPerPoll} (32 rows by default), so that a page of rows
   * near the 1 MiB limit stayed within it: a backlog of 10,000 small rows cost 313 queries a poll. Now a page is asked
   * for the service's most, 1,000 rows.
   */
  @org.junit.jupiter.api.Test
  void backlogOfSmallRows_isAskedForInPagesOfTheServicesMost() {
    pageOf(1000, aResponse().withStatus(200).withHeader("Content-Type", JSON_TYPE).withBody(page(0, 3)));
    List<Lead> routed = new ArrayList<>();
    try (AzureTableLeadPoller p = AzureTableLeadPoller.builder().account(fake.account()).tableName("Market")
        .target(routed::add).checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json")))
        .settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0).build()) {
      assertThat(p.pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(3, 0));
    }
    assertThat(topsAsked()).containsExactly("1000");
  }

  /**
   * A page whose answer is longer than the poller reads ({@code maxBytesPerPoll} 1 MiB: 5 MiB, one row of the largest
   * size) is asked again, at the same place, for a quarter of the rows: the poll takes every row, none skipped, and the
   * next poll asks for as many as the last page held.
   */
  @org.junit.jupiter.api.Test
  void pageAnswerLongerThanTheBound_isAskedAgainForFewerRows_everyRowTaken() {
    String tooLong = page(0, 3).replace("\"INS\"", "\"INS\",\"Filler\":\"" + "x".repeat(6 << 20) + "\"");
    pageOf(1000, aResponse().withStatus(200).withHeader("Content-Type", JSON_TYPE).withBody(tooLong));
    pageOf(250, aResponse().withStatus(200).withHeader("Content-Type", JSON_TYPE).withBody(page(0, 3)));
    List<Lead> routed = new ArrayList<>();
    try (AzureTableLeadPoller p = AzureTableLeadPoller.builder().account(fake.account()).tableName("Market")
        .target(routed::add).checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json")))
        .settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0)
        .maxBytesPerPoll(AzureTableLeadPoller.MIN_MAX_BYTES_PER_POLL).build()) {
      assertThat(p.pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(3, 0));
      assertThat(p.pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(0, 0));
    }
    assertThat(topsAsked()).containsExactly("1000", "250", "250");
    assertThat(routed).extracting(l -> l.id().value()).containsExactly("lead-2", "lead-1", "lead-0");
  }

  /**
   * An endpoint answering every page with the same continuation (not the Table service, whose continuation names the
   * next key): the poll fails saying so, taking no row, instead of reading pages without end.
   */
  @org.junit.jupiter.api.Test
  void continuationAnsweredTwice_pollFailsSayingSo_noRowTaken() {
    secondPage(aResponse().withStatus(200).withHeader("Content-Type", JSON_TYPE)
        .withHeader("x-ms-continuation-NextPartitionKey", NEXT_PARTITION)
        .withHeader("x-ms-continuation-NextRowKey", "1!12!bGVhZC0z").withBody(page(3, 6)));
    List<Lead> routed = new ArrayList<>();
    try (AzureTableLeadPoller p = AzureTableLeadPoller.builder().account(fake.account()).tableName("Market")
        .target(routed::add).checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json")))
        .settleDelayBelowMinimum(Azurite.SETTLE).maxRetries(0).build()) {
      AzureTableLeadPoller.PollResult r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
          Duration.ofSeconds(60), p::pollOnce);
      assertThat(r.routed()).isZero();
      assertThat(r.failure()).get().extracting(Throwable::getMessage).asString()
          .startsWith("reading table Market failed: ")
          .contains("the service answered a page with a continuation it had answered before in this poll");
    }
    assertThat(routed).isEmpty();
  }
}
