package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.MutableClock;
import io.leadrouter.testkit.OutputCapture;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The poller when the Table service throttles: a fake Table endpoint answers the query 503 {@code ServerBusy} (how
 * Azure Storage throttles, learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes) or 429 with the
 * wait it asks for, then the rows. Azurite never throttles.
 */
class AzureTableLeadPollerThrottleTest {
  private static final String BUSY_BODY = "{\"odata.error\":{\"code\":\"ServerBusy\",\"message\":{\"lang\":\"en-US\","
      + "\"value\":\"The server is currently unable to receive requests. Please retry your request.\"}}}";
  private static final String ROWS = "{\"odata.metadata\":\"http://127.0.0.1/acct/$metadata#Market\",\"value\":[{"
      + "\"odata.etag\":\"W/\\\"datetime'2026-11-25T10%3A15%3A30Z'\\\"\",\"PartitionKey\":\"11:2F25:2F2026\","
      + "\"RowKey\":\"row-1\",\"Timestamp\":\"2026-11-25T10:15:30Z\",\"ActionCode\":\"INS\","
      + "\"CustomerInfo\":\"{\\\"Email\\\":\\\"a@contoso.com\\\"}\","
      + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\","
      + "\"OfferDisplayName\":\"Contoso\"}]}";
  @RegisterExtension final FakeTableService fake = new FakeTableService();
  @TempDir Path dir;
  private final List<Lead> routed = Collections.synchronizedList(new ArrayList<>());
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-01T08:00:00Z"));

  private static ResponseDefinitionBuilder busy(int status) {
    return aResponse().withStatus(status).withHeader("x-ms-error-code", "ServerBusy")
        .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        .withBody(BUSY_BODY);
  }

  /** The query is answered with {@code answers} in turn, then with the row for good. */
  private void answers(ResponseDefinitionBuilder... answers) {
    String state = Scenario.STARTED;
    for (int i = 0; i < answers.length; i++) {
      String next = "answer " + (i + 1);
      fake.server().stubFor(get(urlPathEqualTo("/acct/Market()")).inScenario("throttle").whenScenarioStateIs(state)
          .willSetStateTo(next).willReturn(answers[i]));
      state = next;
    }
    fake.server().stubFor(get(urlPathEqualTo("/acct/Market()")).inScenario("throttle").whenScenarioStateIs(state)
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", FakeTableService.QUERY_CONTENT_TYPE)
            .withBody(ROWS)));
  }

  private AzureTableLeadPoller.Builder poller() {
    return AzureTableLeadPoller.builder().account(fake.account()).tableName("Market").target(routed::add)
        .checkpointStore(FileCheckpointStore.at(dir.resolve("cp.json"))).settleDelayBelowMinimum(Azurite.SETTLE).clock(clock)
        .maxRetries(0);
  }

  private int queries() {
    return fake.server().findAll(getRequestedFor(urlPathEqualTo("/acct/Market()"))).size();
  }

  private static int count(String text, String what) {
    Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /**
   * Before: the poller read the table again at its next poll whatever wait the service asked for (Retry-After), and
   * logged each throttled poll as a failure. Now no request is sent before the wait is over, and the throttling is
   * told in the log once, its end once.
   */
  @Test
  void throttledWithRetryAfter_noRequestBeforeTheWaitIsOver_toldOnce_thenTheRowIsRouted() {
    answers(busy(503).withHeader("Retry-After", "3"), busy(503).withHeader("Retry-After", "3"));
    try (OutputCapture log = OutputCapture.start(); AzureTableLeadPoller p = poller().build()) {
      assertThat(p.pollOnce().failure()).get().extracting(Throwable::getMessage).asString()
          .startsWith("reading table Market failed: AZURETABLE_UNAVAILABLE: HTTP 503 ServerBusy");
      assertThat(queries()).isEqualTo(1);

      clock.advance(Duration.ofMillis(2_999));
      assertThat(p.pollOnce().failure()).get().extracting(Throwable::getMessage).asString()
          .isEqualTo("table Market is not read before 2026-12-01T08:00:03Z: the Table service throttled the last "
              + "poll and asked to wait (Retry-After); the poller reads it again then");
      assertThat(queries()).as("no request before the wait asked for").isEqualTo(1);

      clock.advance(Duration.ofMillis(1));
      assertThat(p.pollOnce().failure()).isPresent(); // throttled again
      assertThat(queries()).isEqualTo(2);
      clock.advance(Duration.ofSeconds(3));
      assertThat(p.pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(1, 0));
      assertThat(queries()).isEqualTo(3);

      assertThat(count(log.text(), "was throttled; the poller waits PT3S as the service asked")).isEqualTo(1);
      assertThat(count(log.text(), "is read again after throttling")).isEqualTo(1);
      assertThat(log.text()).doesNotContain("polling table Market failed");
    }
    assertThat(routed).extracting(l -> l.id().value()).containsExactly("row-1");
  }

  /** A wait named in milliseconds (Cosmos DB's Table API throttles with 429 and x-ms-retry-after-ms) is honoured. */
  @Test
  void throttled429WithXMsRetryAfterMs_waitsThoseMilliseconds() {
    answers(busy(429).withHeader("x-ms-retry-after-ms", "2500"));
    try (AzureTableLeadPoller p = poller().build()) {
      assertThat(p.pollOnce().failure()).isPresent();
      clock.advance(Duration.ofMillis(2_499));
      assertThat(p.pollOnce().routed()).isZero();
      assertThat(queries()).isEqualTo(1);
      clock.advance(Duration.ofMillis(1));
      assertThat(p.pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(1, 0));
    }
  }

  /** A service (or anything posing as it) asking for a day is followed for MAX_THROTTLE_WAIT at most. */
  @Test
  void retryAfterOfADay_isCappedAtMaxThrottleWait() {
    answers(busy(503).withHeader("Retry-After", "86400"));
    try (OutputCapture log = OutputCapture.start(); AzureTableLeadPoller p = poller().build()) {
      assertThat(p.pollOnce().failure()).isPresent();
      clock.advance(AzureTableLeadPoller.MAX_THROTTLE_WAIT.minusSeconds(1));
      assertThat(p.pollOnce().routed()).isZero();
      assertThat(queries()).isEqualTo(1);
      clock.advance(Duration.ofSeconds(1));
      assertThat(p.pollOnce()).isEqualTo(AzureTableLeadPollerTest.succeeded(1, 0));
      assertThat(log.text()).contains("the poller waits PT5M as the service asked (Retry-After, at most PT5M)");
    }
  }

  /** start()'s polling, every second, waits the 3 s the service asked for before its next request. */
  @Test
  void startedPolling_throttled_nextRequestComesAfterTheWaitNotTheInterval() throws Exception {
    answers(busy(503).withHeader("Retry-After", "3"));
    try (AzureTableLeadPoller p = poller().clock(java.time.Clock.systemUTC()).pollInterval(Duration.ofSeconds(1))
        .build()) {
      p.start();
      Await.until("the row routed after the throttling", Duration.ofSeconds(30), () -> routed.size() == 1);
    }
    List<Instant> at = fake.server().findAll(getRequestedFor(urlPathEqualTo("/acct/Market()"))).stream()
        .map(LoggedRequest::getLoggedDate).map(java.util.Date::toInstant).sorted(Comparator.naturalOrder()).toList();
    assertThat(at).hasSizeGreaterThanOrEqualTo(2);
    assertThat(Duration.between(at.get(0), at.get(1))).isGreaterThanOrEqualTo(Duration.ofMillis(2_900));
  }

  /**
   * start()'s next poll is a delayed task (after the interval, or the wait asked for): stop() drops it, neither waiting
   * for it nor letting it run after the stop.
   */
  @Test
  void stop_withTheNextPollScheduledAnHourAhead_dropsIt_withoutWaitingForIt() throws Exception {
    answers();
    try (OutputCapture log = OutputCapture.start(); AzureTableLeadPoller p = poller().clock(java.time.Clock.systemUTC())
        .pollInterval(AzureTableLeadPoller.MAX_INTERVAL).requestTimeout(Duration.ofSeconds(2)).build()) {
      p.start();
      Await.until("the first poll", Duration.ofSeconds(30), () -> routed.size() == 1);
      p.stop();
      assertThat(p.isRunning()).isFalse();
      assertThat(log.text()).doesNotContain("did not finish in time");
    }
    assertThat(queries()).isEqualTo(1);
  }
}
