package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Answers Azurite cannot give (busy, internal error, table being deleted, bad input, slow), from a fake Table
 * endpoint answering as the service documents: JSON {@code odata.error} bodies and the {@code x-ms-error-code}
 * header (learn.microsoft.com/rest/api/storageservices/table-service-error-codes and
 * learn.microsoft.com/rest/api/storageservices/status-and-error-codes2).
 */
class AzureTableErrorsTest {
  private static WireMockServer fake;

  @BeforeAll
  static void start() {
    fake = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    fake.start();
  }

  @AfterAll
  static void stop() {
    fake.stop();
  }

  @BeforeEach
  void reset() {
    fake.resetAll();
  }

  // each test's sink writes to a table of its own, so a request still pending from an earlier test (the slow answer's
  // three seconds outlive that test) is never counted as this test's
  private static final java.util.concurrent.atomic.AtomicInteger TABLES = new java.util.concurrent.atomic.AtomicInteger();
  private static String table;

  private static AzureTableSink sink(int maxRetries, Duration timeout) {
    table = "MarketplaceLeads" + TABLES.incrementAndGet();
    return AzureTableSink.builder()
        .account(AzureTableAccount.sas(URI.create("http://127.0.0.1:" + fake.port() + "/acct"),
            Secret.of("sv=2019-02-02&sig=c2VjcmV0LXNpZ25hdHVyZQ%3D%3D")))
        .tableName(table).maxRetries(maxRetries).retryDelay(Duration.ofMillis(10))
        .requestTimeout(timeout).connectTimeout(Duration.ofSeconds(2)).build();
  }

  /** What delivering a marketplace install throws through a new sink (that many SDK retries, that timeout). */
  private static Throwable whatDeliveryThrows(int maxRetries, Duration timeout) {
    try (AzureTableSink sink = sink(maxRetries, timeout)) {
      return catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    }
  }

  private static void answer(int status, String code, String message) {
    fake.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(status)
        .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        .withHeader("x-ms-error-code", code)
        .withBody("{\"odata.error\":{\"code\":\"" + code + "\",\"message\":{\"lang\":\"en-US\",\"value\":\""
            + message + "\\nRequestId:4b4b7f07-0002-0025-1e5a-1d8f7e000000\\nTime:2026-11-25T10:15:31.0000000Z\"}}}")));
  }

  @Test
  void deliver_serverBusy503_isTransientAndTheSdkRetriesOnlyAsConfigured() {
    answer(503, "ServerBusy", "The server is currently unable to receive requests. Please retry your request.");
    assertThat(whatDeliveryThrows(1, Duration.ofSeconds(10)))
        .isInstanceOfSatisfying(TransientDeliveryException.class, e -> {
          assertThat(e.getMessage()).isEqualTo("HTTP 503 ServerBusy: The server is currently unable to receive "
              + "requests. Please retry your request.");
          assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("AZURETABLE_UNAVAILABLE");
        });
    fake.verify(2, anyRequestedFor(urlPathMatching("/acct/" + table + "(\\(.*)?"))); // the request and one SDK retry
  }

  /**
   * ServerBusy with a hostile {@code Retry-After} (ten years, Long.MAX_VALUE seconds, a date in year 9999): the
   * delivery still ends at once as a throttle carrying the wait, capped at {@code RetryAfter.CEILING} (the router then
   * clamps it to maxRetryAfter); it is not slept by the SDK's own retry until the call's timeout, where it would read
   * as an outage (a timeout) and feed the breaker.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"315360000", "9223372036854775807",
      "Fri, 31 Dec 9999 23:59:59 GMT"})
  void deliver_serverBusyWithAHugeRetryAfter_isAThrottleAtOnce_notATimeout(String retryAfter) {
    fake.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(503)
        .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        .withHeader("x-ms-error-code", "ServerBusy").withHeader("Retry-After", retryAfter)
        .withBody("{\"odata.error\":{\"code\":\"ServerBusy\",\"message\":{\"lang\":\"en-US\",\"value\":"
            + "\"The server is currently unable to receive requests. Please retry your request.\"}}}")));
    // a call timeout far beyond the bound: slept until it (the bug), the call takes 60 s; a loaded machine's few
    // seconds stay well inside 30
    long start = System.nanoTime();
    Throwable thrown = whatDeliveryThrows(1, Duration.ofSeconds(60));
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(thrown).isInstanceOfSatisfying(TransientDeliveryException.class, e -> {
      assertThat(e.isThrottled()).as("a throttle, not a timeout: %s", e.getMessage()).isTrue();
      assertThat(e.retryAfter()).contains(io.leadrouter.spi.RetryAfter.CEILING);
    });
    assertThat(took).as("not slept until the call's timeout").isLessThan(Duration.ofSeconds(30));
  }

  /**
   * A wait named in milliseconds: Cosmos DB's Table API (the same SDK and sink) throttles with 429 and
   * {@code x-ms-retry-after-ms}; Azure's own retry reads {@code retry-after-ms} too. The SDK does not retry such an
   * answer, so the router must get the wait: before, only {@code Retry-After} was read and it got none, retrying on
   * its own backoff, sooner than asked.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({"x-ms-retry-after-ms, 2500, PT2.5S", "retry-after-ms, 750, PT0.75S",
      "x-ms-retry-after-ms, 99999999999999999999, PT24H"})
  void deliver_throttledNamingItsWaitInMilliseconds_theRouterGetsThatWait(String header, String value,
      Duration expected) {
    fake.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(429)
        .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        .withHeader("x-ms-error-code", "TooManyRequests").withHeader(header, value)
        .withBody("{\"odata.error\":{\"code\":\"TooManyRequests\",\"message\":{\"lang\":\"en-us\",\"value\":"
            + "\"Message: {\\\"Errors\\\":[\\\"Request rate is large.\\\"]}\"}}}")));

    assertThat(whatDeliveryThrows(1, Duration.ofSeconds(10)))
        .isInstanceOfSatisfying(TransientDeliveryException.class, e -> {
          assertThat(e.isThrottled()).isTrue();
          assertThat(e.retryAfter()).contains(expected);
        });
    fake.verify(1, anyRequestedFor(urlPathMatching("/acct/" + table + "(\\(.*)?"))); // not retried by the SDK
  }

  @Test
  void deliver_internalError500_isTransient() {
    answer(500, "InternalError", "The server encountered an internal error. Please retry the request.");
    assertThat(whatDeliveryThrows(0, Duration.ofSeconds(10)))
        .isInstanceOf(TransientDeliveryException.class);
    fake.verify(1, anyRequestedFor(urlPathMatching("/acct/" + table + "(\\(.*)?")));
  }

  @Test
  void deliver_tableBeingDeleted409_isTransient() {
    answer(409, "TableBeingDeleted", "The specified table is being deleted. Try operation later.");
    assertThat(whatDeliveryThrows(0, Duration.ofSeconds(10)))
        .isInstanceOf(TransientDeliveryException.class)
        .hasMessage("HTTP 409 TableBeingDeleted: The specified table is being deleted. Try operation later.");
  }

  /**
   * A table deleted (by an operator, a clean-up script) while the sink runs with createTableIfMissing: the insert meets
   * 404 TableNotFound and creating the table again meets 409 TableBeingDeleted (its name stays taken for at least 40 s,
   * as the Table service documents). Before, that 409 read as "it exists", the insert met TableNotFound again and the
   * lead was dead-lettered AZURETABLE_TABLE_NOT_FOUND, whose fix (set createTableIfMissing) was already done; now it is
   * transient and the router tries again once the name is free.
   */
  @Test
  void deliver_tableDeletedWhileRunningWithCreateTableIfMissing_beingDeletedIsTransient_notTableNotFound() {
    fake.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(urlPathMatching("/acct/Tables"))
        .atPriority(1).willReturn(aResponse().withStatus(409)
        .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        .withHeader("x-ms-error-code", "TableBeingDeleted")
        .withBody("{\"odata.error\":{\"code\":\"TableBeingDeleted\",\"message\":{\"lang\":\"en-US\",\"value\":"
            + "\"The specified table is being deleted. Try operation later.\"}}}")));
    fake.stubFor(any(anyUrl()).atPriority(5).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
        .withHeader("x-ms-error-code", "TableNotFound")
        .withBody("{\"odata.error\":{\"code\":\"TableNotFound\",\"message\":{\"lang\":\"en-US\",\"value\":"
            + "\"The table specified does not exist.\"}}}")));
    table = "MarketplaceLeads" + TABLES.incrementAndGet();

    try (AzureTableSink sink = AzureTableSink.builder()
        .account(AzureTableAccount.sas(URI.create("http://127.0.0.1:" + fake.port() + "/acct"), Secret.of("sig=x")))
        .tableName(table).createTableIfMissing(true).maxRetries(0).build()) {
      assertThatThrownBy(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()))
          .isInstanceOfSatisfying(TransientDeliveryException.class, e -> {
            assertThat(e.getMessage()).isEqualTo("HTTP 409 TableBeingDeleted: The specified table is being deleted. "
                + "Try operation later.");
            assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("AZURETABLE_UNAVAILABLE");
          });
    }
  }

  @Test
  void deliver_invalidInput400_isPermanentWithTheServiceCode() {
    answer(400, "InvalidInput", "One of the request inputs is not valid.");
    assertThat(whatDeliveryThrows(0, Duration.ofSeconds(10)))
        .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
          assertThat(e.diagnosisValue().code()).isEqualTo("AZURETABLE_REJECTED");
          assertThat(e.diagnosisValue().message())
              .isEqualTo("HTTP 400 InvalidInput: One of the request inputs is not valid.");
        });
  }

  @Test
  void deliver_sasExpired403_isAuthFailedAndHidesTheSignature() {
    answer(403, "AuthenticationFailed", "Server failed to authenticate the request. Make sure the value of "
        + "Authorization header is formed correctly including the signature.");
    assertThat(whatDeliveryThrows(0, Duration.ofSeconds(10)))
        .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
          assertThat(e.diagnosisValue().code()).isEqualTo("AZURETABLE_AUTH_FAILED");
          // the token (sv and sig only) has neither expiry nor permissions: cut short when copied
          assertThat(e.diagnosisValue().remediation()).isEqualTo("the SAS token has no permissions (sp=) and names no"
              + " stored access policy (si=): it was cut short when copied, or is not a SAS; issue a new SAS (sp=raud"
              + " on table " + table + ") and update sasToken; then replay the dead letters");
          assertThat(e.toString()).doesNotContain("c2VjcmV0LXNpZ25hdHVyZQ");
        });
  }

  @Test
  void deliver_slowerThanRequestTimeout_isTransient() {
    fake.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(204).withFixedDelay(3_000)));
    assertThat(whatDeliveryThrows(0, Duration.ofMillis(500)))
        .isInstanceOfSatisfying(TransientDeliveryException.class, e ->
            assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("AZURETABLE_UNREACHABLE"));
  }

  @Test
  void deliver_connectionRefused_isTransientUnreachable() throws Exception {
    int dead;
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    try (AzureTableSink sink = AzureTableSink.builder()
        .account(AzureTableAccount.sas(URI.create("http://127.0.0.1:" + dead + "/acct"), Secret.of("sig=x")))
        .maxRetries(0).build()) {
      assertThatThrownBy(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()))
          .isInstanceOfSatisfying(TransientDeliveryException.class, e -> {
            assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("AZURETABLE_UNREACHABLE");
            assertThat(e.getMessage()).startsWith("Azure Table service did not answer: ");
          });
    }
  }
}
