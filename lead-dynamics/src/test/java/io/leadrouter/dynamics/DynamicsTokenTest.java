package io.leadrouter.dynamics;

import io.leadrouter.testkit.MutableClock;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.AtOnce;
import io.leadrouter.testkit.SampleLeads;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Entra token: cached, refreshed once however many threads deliver, 401 and 429 handled. */
class DynamicsTokenTest extends FakeDynamicsTest {
  private static final int THREADS = 16;
  private MutableClock clock;

  @BeforeEach
  void newClock() {
    clock = new MutableClock(Instant.parse("2026-11-25T10:15:30Z"));
  }

  private List<DeliveryResult> deliverConcurrently(DynamicsSink sink) throws Exception {
    return AtOnce.run(THREADS, i -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
  }


  /**
   * Entra answers {@code temporarily_unavailable} and {@code server_error} (as 400 as often as 5xx) with its advice to
   * retry: the lead waits, never dead-lettered as a sign-in failure; and is delivered once Entra recovers.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0} {1}")
  @org.junit.jupiter.params.provider.CsvSource({
      "400, temporarily_unavailable, 'AADSTS90033: A transient error has occurred. Please try again.'",
      "400, server_error, 'AADSTS90100: An unexpected error occurred.'",
      // Entra's error reference calls these temporary whatever OAuth error carries them; as sign-in failures one
      // hiccup of Entra dead-lettered every lead due
      "400, invalid_request, 'AADSTS90033: A transient error has occurred. Please try again.'",
      "400, invalid_request, 'AADSTS90006: The service is temporarily unavailable.'"})
  void deliver_entraTemporaryError_isRetriedThenDelivered(int status, String error, String description)
      throws Exception {
    DynamicsSink sink = fake.sink().clock(clock).build();
    fake.tokenAnswers(aResponse().withStatus(status).withHeader("Content-Type", "application/json; charset=utf-8")
        .withBody("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\\r\\nTrace ID: "
            + "0000aaaa-11bb-cccc-dd22-eeeeee333333\",\"error_codes\":[" + description.substring(6, 11) + "]}"));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    fake.reset();

    assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessageContaining(error)
        .hasMessageContaining(description);
    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  /**
   * Entra's throttling numbers, 90055 "TenantThrottlingError" and 50196 "LoopDetected", sent as a 400
   * {@code invalid_request}: the destination is throttled (the router slows down, its breaker stays closed), never a
   * dead-lettered sign-in failure; the lead is delivered once Entra answers again.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "AADSTS{0}")
  @org.junit.jupiter.params.provider.CsvSource({
      "90055, 'There are too many incoming requests. This exception is thrown for blocked tenants.'",
      "50196, 'The server terminated an operation because it encountered a client request loop. Please contact your "
          + "app vendor.'"})
  void deliver_entraThrottlingNumber_isThrottledThenDelivered(long aadsts, String description) throws Exception {
    DynamicsSink sink = fake.sink().clock(clock).build();
    fake.tokenAnswers(FakeDynamics.entraError(400, "invalid_request", aadsts, description));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    fake.reset();

    assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessageContaining("AADSTS" + aadsts);
    assertThat(((TransientDeliveryException) e).isThrottled()).isTrue();
    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  @Test
  void deliver_manyLeads_usesOneCachedToken() throws Exception {
    DynamicsSink sink = fake.sink().clock(clock).build();
    for (int i = 0; i < 5; i++) {
      sink.deliver(SampleLeads.azureMarketplaceInstall());
      clock.advance(Duration.ofMinutes(10));
    }
    assertThat(fake.tokenRequests()).isEqualTo(1);
  }

  @Test
  void deliver_16ThreadsAfterTokenExpired_refreshesExactlyOnce() throws Exception {
    DynamicsSink sink = fake.sink().clock(clock).build();
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    fake.tokenForAnyScope(200); // a slow token endpoint, so that all threads arrive during the refresh
    clock.advance(Duration.ofSeconds(3600)); // past expires_in = 3599

    List<DeliveryResult> results = deliverConcurrently(sink);

    assertThat(results).extracting(DeliveryResult::outcome).containsOnly(DeliveryOutcome.CREATED).hasSize(THREADS);
    assertThat(fake.tokenRequests()).as("the first token plus exactly one refresh").isEqualTo(2);
    assertThat(fake.rows()).hasSize(THREADS + 1);
  }

  @Test
  void deliver_16ThreadsInsideRefreshWindow_refreshOnceWhileOthersUseTheValidToken() throws Exception {
    DynamicsSink sink = fake.sink().clock(clock).build();
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    fake.tokenForAnyScope(200);
    clock.advance(Duration.ofSeconds(3599 - 120)); // valid for 2 more minutes: inside the 5-minute refresh window

    List<DeliveryResult> results = deliverConcurrently(sink);

    assertThat(results).hasSize(THREADS);
    assertThat(fake.tokenRequests()).isEqualTo(2);
    sink.deliver(SampleLeads.testDrive());
    assertThat(fake.tokenRequests()).as("the refreshed token is cached").isEqualTo(2);
  }

  @Test
  void deliver_tokenRejectedWith401_refreshesOnceAndRetries() throws Exception {
    DynamicsSink sink = fake.sink().clock(clock).build();
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    fake.revokeTokens();

    Lead lead = SampleLeads.appSourceCreate();
    DeliveryResult result = sink.deliver(lead);

    assertThat(result.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.tokenRequests()).isEqualTo(2);
    assertThat(fake.rowsFor(lead)).isEqualTo(1);
  }

  @Test
  void deliver_tokenEndpointThrottles_honoursRetryAfter() throws Exception {
    fake.tokenAnswers(aResponse().withStatus(429).withHeader("Retry-After", "7"));
    DynamicsSink sink = fake.sink().clock(clock).build();

    Throwable first = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(first).isInstanceOf(TransientDeliveryException.class)
        .hasMessage("Microsoft Entra token endpoint answered 429, retry after 7 s");
    assertThat(((TransientDeliveryException) first).retryAfter()).contains(Duration.ofSeconds(7));

    clock.advance(Duration.ofSeconds(3));
    Throwable second = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(second).isInstanceOf(TransientDeliveryException.class)
        .hasMessage("Microsoft Entra token endpoint asked to wait 4 s more (429)");
    assertThat(((TransientDeliveryException) first).isThrottled()).as("the 429 is a throttle").isTrue();
    assertThat(((TransientDeliveryException) second).isThrottled()).as("so is the wait it named, not an outage")
        .isTrue();
    assertThat(((TransientDeliveryException) second).retryAfter()).contains(Duration.ofSeconds(4));
    assertThat(fake.tokenRequests()).as("no request before Retry-After has passed").isEqualTo(1);

    fake.reset();
    clock.advance(Duration.ofSeconds(4));
    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.wm.countRequestsMatching(postRequestedFor(urlPathEqualTo(FakeDynamics.tokenPath())).build())
        .getCount()).isEqualTo(1);
  }

  /**
   * A 429 at the token endpoint with an absurd {@code Retry-After} (a gateway's day, in either form): the wait is passed
   * on for the router to clamp to its maxRetryAfter, but the sink's own refusal to ask Entra again ends after
   * {@code MAX_HOLD} (before: every delivery of the destination refused without a request for a day).
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"86400", "Thu, 26 Nov 2026 10:15:30 GMT"})
  void deliver_tokenEndpointThrottlesForADay_theSinkAsksAgainAfterItsHold(String retryAfter) throws Exception {
    fake.tokenAnswers(aResponse().withStatus(429).withHeader("Retry-After", retryAfter));
    DynamicsSink sink = fake.sink().clock(clock).build();

    Throwable first = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(first).isInstanceOfSatisfying(TransientDeliveryException.class,
        t -> assertThat(t.retryAfter()).as("passed on, for the router to clamp").contains(Duration.ofDays(1)));

    fake.reset();
    clock.advance(Duration.ofMinutes(5)); // EntraTokenClient.MAX_HOLD
    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  /**
   * A token answer whose {@code expires_in} is absurdly large (beyond what an {@code Instant} holds, beyond a long,
   * a float) is believed for a day at most: the lead is delivered and the token cached, never a bare sink error.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"100000000000000000", "9223372036854775807",
      "18446744073709551616", "1e30", "\"99999999999999999999\"", "3599.75", "\"3599\""})
  void deliver_tokenWithAnAbsurdlyLongOrOddlyWrittenLifetime_isCachedAtMostADay(String expiresIn) throws Exception {
    fake.tokenExpiresIn(expiresIn);
    DynamicsSink sink = fake.sink().clock(clock).build();

    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    clock.advance(Duration.ofMinutes(50));
    assertThat(sink.deliver(SampleLeads.testDrive()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.tokenRequests()).as("cached").isEqualTo(1);
    clock.advance(Duration.ofDays(1));
    assertThat(sink.deliver(SampleLeads.appSourceCreate()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.tokenRequests()).as("refreshed after a day at the latest").isEqualTo(2);
  }

  /** A lifetime of zero, negative or not a number gives no usable token: retried, the Web API never called. */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"0", "-3599", "\"soon\"", "null", "true", "{}"})
  void deliver_tokenWithoutAUsableLifetime_isTransientAndSendsNoLead(String expiresIn) {
    fake.tokenExpiresIn(expiresIn);
    DynamicsSink sink = fake.sink().clock(clock).build();

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessageContaining("expires_in");
    assertThat(fake.rows()).isEmpty();
  }

  /**
   * A 200 from the token endpoint that holds no token (a proxy's or captive portal's page, JSON without access_token,
   * an empty body): retried, and the diagnosis names authorityHost and what came, never quoting a JSON answer (it may
   * hold a token) nor markup; no lead is sent.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      text/html        | "<html><head><title>Proxy</title><script>var t='x';</script></head><body>Sign in to the guest network</body></html>" | a web page
      application/json | {"token_type":"Bearer","expires_in":3599,"refresh":"opaque-in-json"}                                                | without access_token
      application/json | ""                                                                                                                  | no body
      """)
  void deliver_tokenEndpointAnswers200WithoutAToken_transientNamingAuthorityHost(String type, String body,
      String what) {
    fake.tokenAnswers(aResponse().withStatus(200).withHeader("Content-Type", type).withBody(body));
    DynamicsSink sink = fake.sink().clock(clock).build();

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessageContaining(what);
    io.leadrouter.spi.Diagnosis d = ((TransientDeliveryException) e).diagnosis().orElseThrow();
    assertThat(d.code()).isEqualTo(DynamicsErrors.SIGN_IN_FAILED);
    assertThat(d.message()).contains(what).doesNotContain("opaque-in-json", "<title>", "var t");
    assertThat(d.remediation()).contains("authorityHost");
    assertThat(e.getMessage()).doesNotContain("opaque-in-json", FakeDynamics.SECRET);
    assertThat(fake.rows()).isEmpty();
  }

  /**
   * Dataverse refusing even a fresh token with only a {@code WWW-Authenticate} challenge: one refresh, then
   * DYNAMICS_SIGN_IN_FAILED quoting the challenge in one bounded line (a hostile instance may send kilobytes).
   */
  @Test
  void deliver_freshTokenRefusedWithAHugeChallenge_signInFailedQuotingItBounded() {
    DynamicsSink sink = fake.sink().clock(clock).build();
    fake.dataverseAnswers(aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=invalid_token, "
        + "error_description=\"" + "token rejected ".repeat(400) + "\""));

    Throwable e = catchThrowable(() -> sink.deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(io.leadrouter.spi.PermanentDeliveryException.class);
    io.leadrouter.spi.Diagnosis d = ((io.leadrouter.spi.DeliveryException) e).diagnosis().orElseThrow();
    assertThat(d.code()).isEqualTo(DynamicsErrors.SIGN_IN_FAILED);
    assertThat(d.message()).contains("invalid_token").hasSizeLessThan(1000);
    assertThat(fake.tokenRequests()).as("the first token and one refresh").isEqualTo(2);
  }

  /**
   * The token is asked for the instance's resource however its URL is spelled: Entra knows
   * {@code https://contoso.crm.dynamics.com}, never the absolute {@code contoso.crm.dynamics.com.} (a sign-in failure,
   * AADSTS500011) nor an upper-case host.
   */
  @Test
  void deliver_instanceUrlWithATrailingDotOrUpperCase_asksForTheInstancesCanonicalScope() throws Exception {
    fake.tokenForAnyScope(0);
    int port = URI.create(fake.baseUrl()).getPort();
    OkHttpClient everyNameIsHere = new OkHttpClient.Builder()
        .dns(name -> List.of(InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1}))).build();
    DynamicsSink sink = FakeDynamics.withCredentials().instanceUrl("http://LOCALHOST.:" + port)
        .authorityHost(URI.create(fake.baseUrl())).httpClient(everyNameIsHere).clock(clock).build();

    assertThat(sink.deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.tokenScopes()).containsExactly("http://localhost:" + port + "/.default");
  }
}
