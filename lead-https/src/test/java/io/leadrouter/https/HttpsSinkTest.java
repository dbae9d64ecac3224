package io.leadrouter.https;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.testkit.SampleLeads;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the sink sends, and one test per row of its classification of the receiver's answers. */
class HttpsSinkTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  @RegisterExtension
  static final WebhookReceiverFake receiver = new WebhookReceiverFake();
  private String shownUrl;

  @BeforeEach
  void showUrl() {
    shownUrl = "http://127.0.0.1:" + receiver.server.port() + "/hooks/leads?…";
  }

  private HttpsSink sink() {
    return receiver.sink().clock(CLOCK).build();
  }

  private PermanentDeliveryException permanent(ResponseDefinitionBuilder answer) {
    receiver.answer(answer);
    return catchThrowableOfType(PermanentDeliveryException.class,
        () -> sink().deliver(SampleLeads.azureMarketplaceInstall()));
  }

  private TransientDeliveryException transientFailure(ResponseDefinitionBuilder answer) {
    receiver.answer(answer);
    return catchThrowableOfType(TransientDeliveryException.class,
        () -> sink().deliver(SampleLeads.azureMarketplaceInstall()));
  }

  @Test
  void deliver_healthyReceiver_postsMarketplaceJsonSignedWithHashedLeadIdAsWebhookId() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    DeliveryResult result = sink().deliver(lead);

    assertThat(result).isEqualTo(DeliveryResult.created(lead.id().value()));
    Map<String, List<String>> headers = receiver.onlyRequestHeaders();
    byte[] body = receiver.requests().get(0).getRequest().getBody();
    assertThat(new String(body, StandardCharsets.UTF_8))
        .isEqualTo(io.leadrouter.MarketplaceCodec.standard().toJsonString(lead))
        .startsWith("{\"UserDetails\":{\"FirstName\":\"Jane\",\"LastName\":\"Doe\",\"Email\":\"jane.doe@contoso.com\"");
    assertThat(headers.get("webhook-id")).containsExactly(WebhookSigner.messageId(lead.id()));
    assertThat(headers.get("webhook-timestamp")).containsExactly(Long.toString(NOW.getEpochSecond()));
    assertThat(headers.get("Content-Type")).containsExactly("application/json");
    assertThat(headers.get("X-Api-Key")).containsExactly(WebhookReceiverFake.API_KEY);
    assertThat(headers.get("User-Agent")).containsExactly("leadrouter-https/0.1");
    VerifiedWebhook verified = WebhookVerifier.builder().secret(Secret.of(WebhookReceiverFake.SECRET)).clock(CLOCK)
        .build().verify(body, headers);
    assertThat(verified).isEqualTo(new VerifiedWebhook(WebhookSigner.messageId(lead.id()), NOW));
  }

  @Test
  void deliver_twoSigningSecrets_sendsTwoSignaturesEachVerifiable() throws Exception {
    Secret next = Secret.of("whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]));
    HttpsSink rotating = HttpsSink.builder(receiver.url()).signingSecret(next)
        .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).secretHeader("X-Api-Key",
            Secret.of(WebhookReceiverFake.API_KEY)).allowHost("127.0.0.1").allowHttpHost("127.0.0.1").clock(CLOCK)
        .build();
    rotating.deliver(SampleLeads.appSourceCreate());

    Map<String, List<String>> headers = receiver.onlyRequestHeaders();
    byte[] body = receiver.requests().get(0).getRequest().getBody();
    assertThat(headers.get("webhook-signature").get(0).split(" ")).hasSize(2).allMatch(s -> s.startsWith("v1,"));
    for (Secret s : List.of(next, Secret.of(WebhookReceiverFake.SECRET))) {
      assertThat(WebhookVerifier.builder().secret(s).clock(CLOCK).build().verify(body, headers).id()).isNotBlank();
    }
  }

  @Test
  void deliver_staticHeaders_areSent() throws Exception {
    receiver.sink().header("X-Source", "leadrouter").clock(CLOCK).build().deliver(SampleLeads.testDrive());
    assertThat(receiver.onlyRequestHeaders().get("X-Source")).containsExactly("leadrouter");
  }

  @Test
  void deliver_sameLeadAgain_isUpdatedWithSameWebhookId() throws Exception {
    HttpsSink sink = sink();
    Lead lead = SampleLeads.doNotContact();
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(receiver.requests()).hasSize(2)
        .allMatch(e -> e.getRequest().getHeader("webhook-id").equals(WebhookSigner.messageId(lead.id())));
    assertThat(receiver.recordsFor(lead)).isEqualTo(1);
  }

  @Test
  void deliver_beyondRememberedIds_oldestIsCreatedAgain() throws Exception {
    HttpsSink sink = receiver.sink().rememberedIds(2).build();
    Lead a = SampleLeads.testDrive();
    sink.deliver(a);
    sink.deliver(SampleLeads.testDrive());
    sink.deliver(SampleLeads.testDrive());
    assertThat(sink.deliver(a).outcome()).as("a was forgotten: memory is bounded").isEqualTo(DeliveryOutcome.CREATED);
  }

  @Test
  void deliver_retryAnHourLater_sameWebhookIdAndBody_freshTimestampAReceiversFiveMinuteWindowAccepts()
      throws Exception {
    // the receiver is down, then up an hour later (the router's retry after Retry-After: 3600): a timestamp stamped
    // once for the lead would be an hour old at the retry, and every Standard Webhooks receiver refuses that (TOO_OLD)
    io.leadrouter.testkit.MutableClock clock = new io.leadrouter.testkit.MutableClock(NOW);
    HttpsSink sink = receiver.sink().clock(clock).build();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    receiver.answer(aResponse().withStatus(503).withHeader("Retry-After", "3600"));
    assertThat(catchThrowableOfType(TransientDeliveryException.class, () -> sink.deliver(lead)).retryAfter())
        .contains(Duration.ofHours(1));
    clock.advance(Duration.ofHours(1));
    receiver.answer(aResponse().withStatus(204));

    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);

    List<com.github.tomakehurst.wiremock.stubbing.ServeEvent> attempts = receiver.requests();
    assertThat(attempts).hasSize(2);
    var first = attempts.get(0).getRequest();
    var retry = attempts.get(1).getRequest();
    assertThat(retry.getHeader("webhook-id")).isEqualTo(first.getHeader("webhook-id"))
        .isEqualTo(WebhookSigner.messageId(lead.id()));
    assertThat(retry.getBody()).isEqualTo(first.getBody());
    assertThat(retry.getHeader("webhook-timestamp")).isEqualTo(Long.toString(NOW.getEpochSecond() + 3600));
    Map<String, List<String>> headers = Map.of("webhook-id", List.of(retry.getHeader("webhook-id")),
        "webhook-timestamp", List.of(retry.getHeader("webhook-timestamp")),
        "webhook-signature", List.of(retry.getHeader("webhook-signature")));
    assertThat(WebhookVerifier.builder().secret(Secret.of(WebhookReceiverFake.SECRET)).clock(clock).build()
        .verify(retry.getBody(), headers).id()).isEqualTo(WebhookSigner.messageId(lead.id()));
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 201, 202, 204})
  void deliver_any2xx_isCreated(int status) throws Exception {
    receiver.answer(aResponse().withStatus(status).withBody(status == 204 ? "" : "{\"ok\":true}"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    assertThat(sink().deliver(lead)).isEqualTo(DeliveryResult.created(lead.id().value()));
  }

  @Test
  void deliver_2xxWithHugeBody_succeedsReadingBoundedPrefix() throws Exception {
    receiver.answer(aResponse().withStatus(200).withBody("x".repeat(2 * 1024 * 1024)));
    assertThat(sink().deliver(SampleLeads.azureMarketplaceInstall()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  @ParameterizedTest
  @ValueSource(ints = {408, 425, 500, 502, 503, 504})
  void deliver_retryableStatus_isTransient(int status) {
    TransientDeliveryException e = transientFailure(aResponse().withStatus(status).withBody("try later"));
    assertThat(e).hasMessage(shownUrl + " answered " + status + ": try later");
    assertThat(e.retryAfter()).isEmpty();
    assertThat(e.diagnosis()).map(Diagnosis::code).contains("HTTPS_UNAVAILABLE");
  }

  @Test
  void deliver_429WithRetryAfterSeconds_isTransientWithThatWait() {
    TransientDeliveryException e = transientFailure(aResponse().withStatus(429).withHeader("Retry-After", "120"));
    assertThat(e).hasMessage(shownUrl + " answered 429");
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(120));
  }

  @Test
  void deliver_503WithRetryAfterHttpDate_isTransientWaitingUntilThen() {
    TransientDeliveryException e = transientFailure(aResponse().withStatus(503)
        .withHeader("Retry-After", "Wed, 25 Nov 2026 10:02:30 GMT"));
    assertThat(e.retryAfter()).contains(Duration.ofSeconds(150));
  }

  @Test
  void deliver_timeout_isTransient() {
    receiver.answer(aResponse().withStatus(200).withFixedDelay(2_000));
    HttpsSink sink = receiver.sink().callTimeout(Duration.ofMillis(300)).build();
    TransientDeliveryException e = catchThrowableOfType(TransientDeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e).hasMessageStartingWith(shownUrl + " did not answer in time");
    assertThat(e.diagnosis()).map(Diagnosis::code).contains("HTTPS_TIMEOUT");
  }

  @ParameterizedTest
  @ValueSource(strings = {"CONNECTION_RESET_BY_PEER", "EMPTY_RESPONSE", "RANDOM_DATA_THEN_CLOSE"})
  void deliver_connectionResetOrGarbage_isTransient(String fault) {
    TransientDeliveryException e = transientFailure(aResponse().withFault(Fault.valueOf(fault)));
    assertThat(e).hasMessageStartingWith(shownUrl + ": connection broke");
    assertThat(e.diagnosis()).map(Diagnosis::code).contains("HTTPS_UNAVAILABLE");
  }

  @Test
  void deliver_connectionRefused_isTransient() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      port = s.getLocalPort();
    }
    HttpsSink sink = HttpsSink.builder(java.net.URI.create("http://127.0.0.1:" + port + "/hook"))
        .signingSecret(Secret.of(WebhookReceiverFake.SECRET)).allowHost("127.0.0.1").allowHttpHost("127.0.0.1")
        .build();
    TransientDeliveryException e = catchThrowableOfType(TransientDeliveryException.class,
        () -> sink.deliver(SampleLeads.azureMarketplaceInstall()));
    assertThat(e).hasMessageStartingWith("http://127.0.0.1:" + port + "/hook: connection failed");
  }

  @ParameterizedTest
  @ValueSource(ints = {401, 403})
  void deliver_unauthorized_isPermanentHttpsUnauthorized(int status) {
    PermanentDeliveryException e = permanent(aResponse().withStatus(status).withBody("{\"error\":\"bad key\"}"));
    assertThat(e.diagnosisValue().code()).isEqualTo("HTTPS_UNAUTHORIZED");
    assertThat(e.diagnosisValue().message()).isEqualTo(shownUrl + " answered " + status + ": {\"error\":\"bad key\"}");
    assertThat(e.diagnosisValue().remediation()).startsWith("give the receiver the credentials it expects");
  }

  @ParameterizedTest
  @ValueSource(ints = {404, 410})
  void deliver_notFoundOrGone_isPermanentHttpsNotFound(int status) {
    PermanentDeliveryException e = permanent(aResponse().withStatus(status));
    assertThat(e.diagnosisValue().code()).isEqualTo("HTTPS_NOT_FOUND");
    assertThat(e.diagnosisValue().message()).isEqualTo(shownUrl + " answered " + status);
  }

  @ParameterizedTest
  @ValueSource(ints = {400, 409, 413, 422})
  void deliver_otherClientError_isPermanentRejectedWithStatusAndBody(int status) {
    PermanentDeliveryException e = permanent(aResponse().withStatus(status).withBody("{\"error\":\"bad Country\"}"));
    assertThat(e.diagnosisValue().code()).isEqualTo("HTTPS_REJECTED");
    assertThat(e.diagnosisValue().message())
        .isEqualTo(shownUrl + " answered " + status + ": {\"error\":\"bad Country\"}");
  }

  @Test
  void deliver_rejectedWithLongBody_quotesFirstKibOnly() {
    String body = "é".repeat(1000) + "TAIL";
    PermanentDeliveryException e = permanent(aResponse().withStatus(400).withBody(body));
    String quoted = e.diagnosisValue().message().substring((shownUrl + " answered 400: ").length());
    assertThat(quoted).isEqualTo("é".repeat(512) + "…").doesNotContain("TAIL");
  }

  @Test
  void deliver_rejectionEchoingCustomer_masksEmailAndPhone() {
    PermanentDeliveryException e = permanent(aResponse().withStatus(422)
        .withBody("{\"error\":\"duplicate jane.doe@contoso.com / +1 425 555 0100\"}"));
    assertThat(e.diagnosisValue().message()).contains("duplicate j***@contoso.com / ***00")
        .doesNotContain("jane.doe").doesNotContain("555 0100");
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 303, 307, 308})
  void deliver_redirect_isNotFollowedAndIsPermanentNamingLocation(int status) {
    PermanentDeliveryException e = permanent(aResponse().withStatus(status)
        .withHeader("Location", "https://new.example.com/hooks/v2?sig=abc"));
    assertThat(e.diagnosisValue().code()).isEqualTo("HTTPS_REDIRECT");
    assertThat(e.diagnosisValue().message()).isEqualTo(shownUrl + " answered " + status
        + " redirecting to https://new.example.com/hooks/v2?… (redirects are not followed)");
    assertThat(receiver.requests()).hasSize(1);
  }

  @Test
  void verify_healthyReceiver_sendsMarketplaceTestLeadAndPasses() {
    VerificationReport report = sink().verify();
    assertThat(report.passed()).as("%s", report).isTrue();
    long ticks = 621_355_968_000_000_000L + NOW.getEpochSecond() * 10_000_000L;
    String t = "MSFT_TEST_" + ticks;
    assertThat(report.steps()).extracting(VerificationReport.Step::detail).containsExactly(
        shownUrl + " over plain http (allowed by allowHttpHosts), signed with 1 secret(s)",
        shownUrl + " accepted test lead " + t + " (CREATED)");
    byte[] body = receiver.requests().get(0).getRequest().getBody();
    Lead received = MarketplaceWebhook.parse(body, receiver.onlyRequestHeaders());
    assertThat(received.isTest()).isTrue();
    assertThat(received.id()).isEqualTo(LeadId.of(t));
    assertThat(received.customer().email()).isEqualTo(t + "@test.com");
    assertThat(received.customer().phone()).isEqualTo("1234567890");
    assertThat(received.source().raw()).isEqualTo(t + "-" + t + "|LeadRouter connection test");
  }

  @Test
  void verify_unauthorized_failsWithDiagnosis() {
    receiver.answer(aResponse().withStatus(403));
    VerificationReport report = sink().verify();
    assertThat(report.passed()).isFalse();
    assertThat(report.failures()).singleElement()
        .satisfies(s -> assertThat(s.diagnosis()).map(Diagnosis::code).contains("HTTPS_UNAUTHORIZED"));
  }

  @Test
  void verify_unavailable_failsWithTransientDiagnosis() {
    receiver.answer(aResponse().withStatus(503));
    VerificationReport report = sink().verify();
    assertThat(report.failures()).singleElement()
        .satisfies(s -> assertThat(s.diagnosis()).map(Diagnosis::code).contains("HTTPS_UNAVAILABLE"));
  }

  @Test
  void capabilitiesAndToString_declareUpsertAndHideSecrets() {
    HttpsSink sink = receiver.sink().maxConcurrency(8).build();
    assertThat(sink.capabilities().upsert()).isTrue();
    assertThat(sink.capabilities().maxConcurrency()).isEqualTo(8);
    assertThat(sink.capabilities().maxBatchSize()).isEqualTo(1);
    assertThat(sink.toString()).isEqualTo("HttpsSink[" + shownUrl + ", 1 signing secret(s)]");
    assertThat(sink.config().toString()).doesNotContain(WebhookReceiverFake.URL_TOKEN)
        .doesNotContain(WebhookReceiverFake.API_KEY).doesNotContain("MfKQ9r8");
  }
}
