package io.leadrouter.salesforce;

import io.leadrouter.testkit.MutableClock;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.spi.VerificationReport.Status;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.api.extension.RegisterExtension;

class SalesforceSinkTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();
  private final MutableClock clock = new MutableClock(NOW);


  private SalesforceSink.Builder builder() {
    return fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD).clock(clock);
  }

  private SalesforceSink sink() {
    return fake.open(builder());
  }

  private static Diagnosis permanent(Throwable t) {
    assertThat(t).isInstanceOf(PermanentDeliveryException.class);
    return ((PermanentDeliveryException) t).diagnosisValue();
  }

  private int tokenRequests() {
    return fake.requests("/services/oauth2/token").size();
  }

  // ---- delivery ----

  @Test
  void deliver_newLead_upsertsByLeadIdWithMappedFields() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    DeliveryResult result = sink().deliver(lead);

    assertThat(result.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(result.recordId()).hasValueSatisfying(id -> assertThat(id).startsWith("00Q"));
    LoggedRequest r = fake.requests(FakeSalesforce.API + "/sobjects/Lead/" + FakeSalesforce.EXT_FIELD + "/"
        + lead.id()).get(0);
    assertThat(r.getMethod().getName()).isEqualTo("PATCH");
    assertThat(r.getHeader("Authorization")).isEqualTo("Bearer 00D5e000000AbCd!AQ4AQFakeToken1");
    JsonNode body = MAPPER.readTree(r.getBodyAsString());
    assertThat(body.toString()).isEqualTo("{\"FirstName\":\"Jane\",\"LastName\":\"Doe\","
        + "\"Email\":\"jane.doe@contoso.com\",\"Phone\":\"+1 425 555 0100\",\"Company\":\"Contoso\",\"Title\":\"CTO\","
        + "\"Country\":\"US\",\"LeadSource\":\"AzureMarketplace-INS|contoso.crm-connector\","
        + "\"Description\":\"{\\\"mktcmpid\\\":\\\"blog\\\"}\"}");
  }

  @Test
  void deliver_sameLeadTwice_updatesTheSameLead() throws Exception {
    SalesforceSink sink = sink();
    Lead lead = SampleLeads.appSourceCreate();
    DeliveryResult first = sink.deliver(lead);
    DeliveryResult second = sink.deliver(lead);
    assertThat(second.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(second.recordId()).isEqualTo(first.recordId());
    assertThat(fake.records(lead)).isEqualTo(1);
  }

  @Test
  void deliver_upsertAnswers204_reportsUpdated() throws Exception {
    fake.server.stubFor(patch(urlPathMatching(FakeSalesforce.API + "/sobjects/Lead/.*")).atPriority(1)
        .willReturn(aResponse().withStatus(204).withHeader("Sforce-Limit-Info", "api-usage=18/15000")));
    assertThat(sink().deliver(SampleLeads.testDrive())).isEqualTo(DeliveryResult.updated(null));
  }

  @Test
  void deliver_anonymousLead_fillsLastNameAndCompanyLikeWebToLead() throws Exception {
    sink().deliver(SampleLeads.eduAnonymous());
    JsonNode body = MAPPER.readTree(fake.server.getAllServeEvents().stream()
        .filter(e -> e.getRequest().getUrl().contains("/sobjects/Lead/")).findFirst().orElseThrow()
        .getRequest().getBodyAsString());
    assertThat(body.path("LastName").asText()).isEqualTo("[not provided]");
    assertThat(body.path("Company").asText()).isEqualTo("[not provided]");
    assertThat(body.has("Email")).isFalse();
  }

  @Test
  void deliver_withoutExternalIdField_createsAndDeclaresNoUpsert() throws Exception {
    SalesforceSink sink = fake.open(fake.sinkBuilder().clock(clock));
    DeliveryResult result = sink.deliver(SampleLeads.azureMarketplaceInstall());
    assertThat(result.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.created()).hasSize(1);
    assertThat(fake.requests(FakeSalesforce.API + "/sobjects/Lead").get(0).getMethod().getName()).isEqualTo("POST");
    assertThat(sink.capabilities().upsert()).isFalse();
    assertThat(sink.toString()).contains("create (not idempotent)").doesNotContain(FakeSalesforce.CLIENT_SECRET);
  }

  @Test
  void deliver_leadSourceValueAndCustomMapping_areSent() throws Exception {
    SalesforceSink sink = fake.open(builder().leadSourceValue("Partner Referral")
        .fields(FieldMapping.restDefaults().with(LeadField.OFFER_TITLE, "Offer__c").without(LeadField.PHONE)));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    sink.deliver(lead);
    JsonNode body = MAPPER.readTree(fake.requests(FakeSalesforce.API + "/sobjects/Lead/" + FakeSalesforce.EXT_FIELD
        + "/" + lead.id()).get(0).getBodyAsString());
    assertThat(body.path("LeadSource").asText()).isEqualTo("Partner Referral");
    assertThat(body.path("Offer__c").asText()).isEqualTo("Contoso CRM Connector");
    assertThat(body.has("Phone")).isFalse();
  }

  // ---- tokens ----

  @Test
  void deliver_tokenExpired_refreshesOnceAndSucceeds() throws Exception {
    SalesforceSink sink = sink();
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    fake.rotateToken("00D5e000000AbCd!AQ4AQFakeToken2");
    assertThat(sink.deliver(SampleLeads.testDrive()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(tokenRequests()).isEqualTo(2);
    String form = fake.requests("/services/oauth2/token").get(0).getBodyAsString();
    assertThat(FakeSalesforce.form(form)).containsEntry("grant_type", "client_credentials")
        .containsEntry("client_id", FakeSalesforce.CLIENT_ID)
        .containsEntry("client_secret", FakeSalesforce.CLIENT_SECRET);
  }

  @Test
  void deliver_manyThreadsSeeExpiredToken_oneRefresh() throws Exception {
    SalesforceSink sink = fake.open(builder().maxConcurrency(8));
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    fake.rotateToken("00D5e000000AbCd!AQ4AQFakeToken2");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<DeliveryResult>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(pool.submit(() -> {
          go.await();
          return sink.deliver(SampleLeads.testDrive());
        }));
      }
      go.countDown();
      for (Future<DeliveryResult> f : results) {
        assertThat(f.get(20, TimeUnit.SECONDS).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(tokenRequests()).as("one initial token plus exactly one refresh").isEqualTo(2);
  }

  @Test
  void deliver_freshTokenAlsoRefused_permanentInvalidSession() {
    fake.apiAnswers(401, "INVALID_SESSION_ID", "Session expired or invalid");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d.code()).isEqualTo("SALESFORCE_INVALID_SESSION_ID");
    assertThat(d.message()).isEqualTo("Salesforce refused a freshly issued token: "
        + "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\",\"fields\":[]}]");
    assertThat(tokenRequests()).isEqualTo(2);
  }

  @Test
  void deliver_invalidClient_authFailedWithFix() {
    fake.revokeCredentials();
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d).isEqualTo(new Diagnosis("SALESFORCE_AUTH_FAILED", "invalid_client: invalid client credentials",
        "clientSecret does not match clientId: copy the connected app's Consumer Secret again and update the "
            + "secret"));
  }

  /**
   * The token endpoint's refusals fail permanently as SALESFORCE_AUTH_FAILED, the remediation naming what to fix: the
   * Client Credentials Flow not enabled (no Run As user), or a client id that is no connected app's Consumer Key.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      invalid_grant     | no client credentials user enabled | enable the Client Credentials Flow on the connected app and choose its Run As user
      invalid_client_id | client identifier invalid          | clientId is not the Consumer Key of a connected app in this org: copy it from the connected app's Manage Consumer Details
      inactive_user     | user is inactive                   | the connected app's Run As user is inactive: activate it (Setup > Users) or choose an active Run As user in the connected app's Client Credentials Flow settings, then replay the dead letters
      inactive_org      | organization is locked, closed, or suspended | the org is locked, closed or suspended: ask its administrator or Salesforce to reactivate it (or point myDomain at the org that should receive the leads), then replay the dead letters
      """)
  void deliver_tokenRefused_authFailedNamingTheFix(String error, String description, String remediation) {
    tokenAnswers(400, "{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d).isEqualTo(new Diagnosis("SALESFORCE_AUTH_FAILED", error + ": " + description, remediation));
  }

  /**
   * Salesforce's OAuth error table: {@code rate_limit_exceeded}, "number of logins exceeded" (3,600 logins per user
   * per hour, shared by every integration signing in as the Run As user). A quota: the destination waits an hour,
   * then signs in and delivers; never a dead-lettered sign-in failure.
   */
  @Test
  void deliver_loginRateExceeded_quotaForAnHourThenDelivered() throws Exception {
    SalesforceSink sink = sink();
    tokenAnswers(400, "{\"error\":\"rate_limit_exceeded\",\"error_description\":\"number of logins exceeded\"}");

    Throwable t = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));

    assertThat(t).isInstanceOf(QuotaExceededException.class);
    QuotaExceededException q = (QuotaExceededException) t;
    assertThat(q.resumeAt()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(q.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_LOGIN_RATE_EXCEEDED");
    assertThat(q.diagnosis().orElseThrow().message()).isEqualTo("rate_limit_exceeded: number of logins exceeded");
    assertThat(q.diagnosis().orElseThrow().remediation()).startsWith("wait: leads are held");
    fake.reset();
    clock.set(q.resumeAt());
    assertThat(sink.deliver(SampleLeads.testDrive()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  /**
   * The login limit counts logins per hour, so no wait beyond an hour is needed, and none of zero helps (each sign-in
   * tried is one more login counted): a Retry-After of a day (a gateway's) parked the destination for a day, one of 0
   * for a second, then signed in again and again. Both now park it for the hour.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"86400", "0"})
  void deliver_loginRateExceeded_absurdRetryAfter_parksForTheHour(String retryAfter) {
    SalesforceSink sink = sink();
    fake.server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(aResponse()
        .withStatus(400).withHeader("Content-Type", "application/json;charset=UTF-8")
        .withHeader("Retry-After", retryAfter)
        .withBody("{\"error\":\"rate_limit_exceeded\",\"error_description\":\"number of logins exceeded\"}")));

    Throwable t = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));

    assertThat(t).isInstanceOfSatisfying(QuotaExceededException.class,
        q -> assertThat(q.resumeAt()).isEqualTo(NOW.plus(Duration.ofHours(1))));
  }

  @Test
  void deliver_tokenEndpointDown_transientWithRetryAfter() {
    fake.server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1)
        .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "30")));
    Throwable t = catchThrowable(() -> sink().deliver(SampleLeads.testDrive()));
    assertThat(t).isInstanceOf(TransientDeliveryException.class)
        .hasMessage("Salesforce token endpoint answered HTTP 503");
    assertThat(((TransientDeliveryException) t).retryAfter()).contains(Duration.ofSeconds(30));
  }

  /**
   * A 200 from the token endpoint that holds no token (a proxy's or captive portal's page, JSON without
   * access_token, an empty body): retried, and the diagnosis names myDomain and what came, never quoting a JSON
   * answer (it may hold a token) nor the secret, and sends no lead.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      text/html        | "<!DOCTYPE html><html><head><title>Guest Wi-Fi</title></head><body>Sign in to the guest network</body></html>" | a web page
      application/json | {"instance_url":"https://x.my.salesforce.com","token_type":"Bearer","secret":"s3cr3t-in-json"}                | without access_token
      application/json | ""                                                                                                             | no body
      """)
  void deliver_tokenEndpointAnswers200WithoutAToken_transientNamingMyDomain(String type, String body, String what) {
    fake.server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(aResponse()
        .withStatus(200).withHeader("Content-Type", type).withBody(body)));

    Throwable t = catchThrowable(() -> sink().deliver(SampleLeads.testDrive()));

    assertThat(t).isInstanceOf(TransientDeliveryException.class).hasMessageContaining(what);
    Diagnosis d = ((TransientDeliveryException) t).diagnosis().orElseThrow();
    assertThat(d.code()).isEqualTo(SalesforceErrors.AUTH_FAILED);
    assertThat(d.message()).contains(what).doesNotContain("s3cr3t-in-json", "<title>", "\n");
    assertThat(d.remediation()).contains("myDomain");
    assertThat(t.getMessage()).doesNotContain("s3cr3t-in-json", FakeSalesforce.CLIENT_SECRET);
    assertThat(fake.server.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(
        com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching("/services/data/.*")))).isEmpty();
  }

  private void tokenAnswers(int status, String body) {
    fake.server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(aResponse()
        .withStatus(status).withHeader("Content-Type", "application/json;charset=UTF-8").withBody(body)));
  }

  // ---- error codes ----

  @Test
  void deliver_requiredFieldMissing_permanentNamingTheField() {
    fake.apiAnswers(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Region__c]", "Region__c");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d).isEqualTo(new Diagnosis("SALESFORCE_REQUIRED_FIELD_MISSING",
        "REQUIRED_FIELD_MISSING: Required fields are missing: [Region__c] (fields: Region__c)",
        "send a value for Region__c (fields.<leadPart>: <ApiName>) or make Region__c not required / give it a "
            + "default value on Lead"));
  }

  @Test
  void deliver_restrictedPicklist_permanentNamingTheField() {
    fake.apiAnswers(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        "Lead Source: bad value for restricted picklist field: AzureMarketplace-INS|contoso.crm-connector",
        "LeadSource");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d.code()).isEqualTo("SALESFORCE_INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST");
    assertThat(d.message()).isEqualTo("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST: Lead Source: bad value for "
        + "restricted picklist field: AzureMarketplace-INS|contoso.crm-connector (fields: LeadSource)");
    assertThat(d.remediation()).isEqualTo("add the value to the picklist LeadSource, set leadSourceValue to an "
        + "allowed value, or remove the field from the mapping");
  }

  @Test
  void deliver_validationRule_permanentWithRuleMessage() {
    fake.apiAnswers(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "Phone must have 10 digits");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d.code()).isEqualTo("SALESFORCE_FIELD_CUSTOM_VALIDATION_EXCEPTION");
    assertThat(d.message()).isEqualTo("FIELD_CUSTOM_VALIDATION_EXCEPTION: Phone must have 10 digits");
    assertThat(d.remediation()).startsWith("a validation rule on Lead refused the lead");
  }

  @Test
  void deliver_duplicatesDetected_permanentWithDuplicateRuleMessage() {
    fake.apiAnswersBody(400, "[{\"duplicateResult\":{\"allowSave\":false,"
        + "\"duplicateRule\":\"Standard_Lead_Duplicate_Rule\",\"duplicateRuleEntityType\":\"Lead\","
        + "\"errorMessage\":\"You're creating a duplicate record. We recommend you use an existing record instead.\","
        + "\"matchResults\":[]},\"errorCode\":\"DUPLICATES_DETECTED\",\"message\":\"Use one of these records?\","
        + "\"fields\":[]}]");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d.code()).isEqualTo("SALESFORCE_DUPLICATES_DETECTED");
    assertThat(d.message()).isEqualTo("DUPLICATES_DETECTED: Use one of these records? (duplicate rule "
        + "Standard_Lead_Duplicate_Rule: You're creating a duplicate record. We recommend you use an existing "
        + "record instead.)");
    assertThat(d.remediation()).startsWith("a duplicate rule whose action is Block refused this lead");
  }

  @Test
  void deliver_requestLimitExceeded_quotaResumingInAnHour() {
    fake.apiAnswers(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    Throwable t = catchThrowable(() -> sink().deliver(SampleLeads.testDrive()));
    assertThat(t).isInstanceOf(QuotaExceededException.class);
    QuotaExceededException q = (QuotaExceededException) t;
    assertThat(q.resumeAt()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(q.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_REQUEST_LIMIT_EXCEEDED");
    assertThat(q.diagnosis().orElseThrow().message()).isEqualTo("REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.");
  }

  /**
   * REQUEST_LIMIT_EXCEEDED also names Salesforce's concurrent long-running request limit (requests of 20 s or more
   * running at once): it clears in seconds, so it throttles for 20 s instead of parking the destination an hour as
   * the rolling 24-hour TotalRequests limit does.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {
      "ConcurrentRequests (Concurrent API Requests) Limit exceeded.", "ConcurrentPerOrgLongTxn Limit exceeded."})
  void deliver_concurrentRequestLimitExceeded_throttledSecondsNotParkedAnHour(String message) {
    fake.apiAnswers(403, "REQUEST_LIMIT_EXCEEDED", message);
    Throwable t = catchThrowable(() -> sink().deliver(SampleLeads.testDrive()));
    assertThat(t).isInstanceOfSatisfying(TransientDeliveryException.class, e -> {
      assertThat(e.isThrottled()).isTrue();
      assertThat(e.retryAfter()).contains(Duration.ofSeconds(20));
      assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_CONCURRENT_REQUEST_LIMIT");
      assertThat(e.diagnosis().orElseThrow().message()).isEqualTo("REQUEST_LIMIT_EXCEEDED: " + message);
    });
  }

  @Test
  void deliver_externalIdMatchesSeveralLeads_permanentNotUnique() {
    fake.apiAnswersBody(300, "[\"/services/data/v62.0/sobjects/Lead/00Q1\",\"/services/data/v62.0/sobjects/Lead/00Q2\"]");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d.code()).isEqualTo("SALESFORCE_EXTERNAL_ID_NOT_UNIQUE");
  }

  @Test
  void deliver_invalidEmail_permanentWithEmailMasked() {
    fake.apiAnswers(400, "INVALID_EMAIL_ADDRESS", "Email: invalid email address: jane.doe@contoso", "Email");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d.code()).isEqualTo("SALESFORCE_INVALID_EMAIL_ADDRESS");
    assertThat(d.message()).isEqualTo("INVALID_EMAIL_ADDRESS: Email: invalid email address: j***@contoso "
        + "(fields: Email)");
  }

  @Test
  void deliver_unableToLockRow_transient() {
    fake.apiAnswers(400, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record");
    assertThat(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())))
        .isInstanceOf(TransientDeliveryException.class)
        .hasMessage("UNABLE_TO_LOCK_ROW: unable to obtain exclusive access to this record");
  }

  /**
   * DUPLICATE_VALUE on the external id field: an earlier attempt's write of this lead id (its answer lost) was still
   * running when the retry's upsert came, and the unique field refused the second. Retried (the next upsert updates
   * that Lead), never dead-lettered; on another unique field it stays permanent. In a collection too.
   */
  @Test
  void deliver_duplicateValueOnTheExternalIdField_isARaceRetriedNotDeadLettered() throws Exception {
    SalesforceSink sink = sink();
    fake.apiAnswers(400, "DUPLICATE_VALUE", "duplicate value found: " + FakeSalesforce.EXT_FIELD
        + " duplicates value on record with id: 00Q5e00000AbCdEEAZ");

    Throwable raced = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));

    assertThat(raced).isInstanceOf(TransientDeliveryException.class).hasMessageContaining(FakeSalesforce.EXT_FIELD);
    assertThat(((TransientDeliveryException) raced).diagnosis().orElseThrow().code())
        .isEqualTo("SALESFORCE_DUPLICATE_VALUE");

    fake.apiAnswers(400, "DUPLICATE_VALUE", "duplicate value found: " + FakeSalesforce.EXT_FIELD
        + "_Other__c duplicates value on record with id: 00Q5e00000AbCdEEAZ");
    assertThat(permanent(catchThrowable(() -> sink.deliver(SampleLeads.testDrive()))).code())
        .as("another unique field").isEqualTo("SALESFORCE_DUPLICATE_VALUE");

    fake.reset();
    fake.recordFails("Raced", "DUPLICATE_VALUE", "duplicate value found: " + FakeSalesforce.EXT_FIELD.toLowerCase()
        + " duplicates value on record with id: 00Q5e00000AbCdEEAZ");
    Lead racedInBatch = SampleLeads.testDrive().toBuilder().lastName("Raced").build();
    List<BatchItemResult> results = sink.deliverBatch(List.of(SampleLeads.appSourceCreate(), racedInBatch));
    assertThat(results.get(0).succeeded()).isTrue();
    assertThat(results.get(1).failure().orElseThrow()).isInstanceOf(TransientDeliveryException.class);
  }

  @Test
  void deliver_serverError_transientWithRetryAfter() {
    fake.server.stubFor(any(anyUrl()).atPriority(1).willReturn(aResponse().withStatus(503)
        .withHeader("Retry-After", "120")));
    SalesforceSink sink = sink();
    Throwable t = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));
    assertThat(t).isInstanceOf(TransientDeliveryException.class);
    assertThat(((TransientDeliveryException) t).retryAfter()).contains(Duration.ofSeconds(120));
  }

  @Test
  void deliver_timeout_transient() {
    fake.server.stubFor(any(anyUrl()).atPriority(1).willReturn(aResponse().withStatus(200).withFixedDelay(2_000)));
    SalesforceSink sink = fake.open(builder().timeout(Duration.ofMillis(300)));
    Throwable t = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));
    assertThat(t).isInstanceOf(TransientDeliveryException.class)
        .hasMessageStartingWith("Salesforce token request to http://127.0.0.1:");
  }

  // ---- API budget ----

  @Test
  void deliver_apiUsageAtThreshold_quotaBeforeSpendingTheRest() throws Exception {
    SalesforceSink sink = sink();
    fake.apiUsage(14_249, 15_000); // the fake counts this call: 14,250 = exactly 95 %
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    int calls = fake.server.getAllServeEvents().size();

    Throwable t = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));

    assertThat(t).isInstanceOf(QuotaExceededException.class);
    QuotaExceededException q = (QuotaExceededException) t;
    assertThat(q.resumeAt()).isEqualTo(NOW.plus(Duration.ofHours(1)));
    assertThat(q.diagnosis().orElseThrow()).isEqualTo(new Diagnosis("SALESFORCE_API_USAGE_HIGH",
        "the org has used 14250 of its 15000 daily API requests (threshold 95%)",
        "wait: leads are held and sent when usage drops; or raise apiUsageThreshold, or buy more API calls"));
    assertThat(fake.server.getAllServeEvents()).as("no request spent").hasSize(calls);

    fake.apiUsage(1_000, 15_000);
    clock.advance(Duration.ofHours(1));
    assertThat(sink.deliver(SampleLeads.testDrive()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink.deliver(SampleLeads.appSourceCreate()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  @Test
  void deliver_apiUsageBelowThreshold_keepsSending() throws Exception {
    SalesforceSink sink = fake.open(builder().apiUsageThreshold(99));
    fake.apiUsage(14_249, 15_000);
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    assertThat(sink.deliver(SampleLeads.testDrive()).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  // ---- batches ----

  @Test
  void deliverBatch_oneBadRecord_failsOnlyItself() throws Exception {
    fake.recordFails("Broken", "REQUIRED_FIELD_MISSING", "Required fields are missing: [Region__c]", "Region__c");
    Lead good1 = SampleLeads.azureMarketplaceInstall();
    Lead bad = SampleLeads.testDrive().toBuilder().lastName("Broken").build();
    Lead good2 = SampleLeads.appSourceCreate();

    List<BatchItemResult> results = sink().deliverBatch(List.of(good1, bad, good2));

    assertThat(results).extracting(BatchItemResult::leadId).containsExactly(good1.id(), bad.id(), good2.id());
    assertThat(results.get(0).result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(results.get(2).result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.CREATED);
    DeliveryException failure = results.get(1).failure().orElseThrow();
    assertThat(permanent(failure)).isEqualTo(new Diagnosis("SALESFORCE_REQUIRED_FIELD_MISSING",
        "REQUIRED_FIELD_MISSING: Required fields are missing: [Region__c] (fields: Region__c)",
        "send a value for Region__c (fields.<leadPart>: <ApiName>) or make Region__c not required / give it a "
            + "default value on Lead"));
    LoggedRequest r = fake.requests(FakeSalesforce.API + "/composite/sobjects/Lead/" + FakeSalesforce.EXT_FIELD)
        .get(0);
    assertThat(r.getMethod().getName()).isEqualTo("PATCH");
    JsonNode body = MAPPER.readTree(r.getBodyAsString());
    assertThat(body.path("allOrNone").asBoolean(true)).isFalse();
    assertThat(body.path("records").get(0).path("attributes").path("type").asText()).isEqualTo("Lead");
    assertThat(body.path("records").get(0).path(FakeSalesforce.EXT_FIELD).asText()).isEqualTo(good1.id().value());
  }

  @Test
  void deliverBatch_redelivered_updatesTheSameLeads() throws Exception {
    SalesforceSink sink = sink();
    List<Lead> leads = List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.testDrive());
    sink.deliverBatch(leads);
    List<BatchItemResult> again = sink.deliverBatch(leads);
    assertThat(again).allSatisfy(r ->
        assertThat(r.result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.UPDATED));
    assertThat(leads).allSatisfy(l -> assertThat(fake.records(l)).isEqualTo(1));
  }

  @Test
  void deliverBatch_createMode_postsCollectionAndReportsCreated() throws Exception {
    SalesforceSink sink = fake.open(fake.sinkBuilder().clock(clock));
    List<BatchItemResult> results = sink.deliverBatch(List.of(SampleLeads.azureMarketplaceInstall(),
        SampleLeads.testDrive(), SampleLeads.doNotContact()));
    assertThat(results).allSatisfy(r ->
        assertThat(r.result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.CREATED));
    assertThat(fake.created()).hasSize(3);
    assertThat(fake.requests(FakeSalesforce.API + "/composite/sobjects")).hasSize(1);
  }

  @Test
  void deliverBatch_moreThanBatchSize_splitsIntoSeveralRequests() throws Exception {
    SalesforceSink sink = fake.open(builder().maxBatchSize(2));
    List<BatchItemResult> results = sink.deliverBatch(List.of(SampleLeads.azureMarketplaceInstall(),
        SampleLeads.testDrive(), SampleLeads.doNotContact()));
    assertThat(results).hasSize(3).allMatch(BatchItemResult::succeeded);
    assertThat(fake.requests(FakeSalesforce.API + "/composite/sobjects/Lead/" + FakeSalesforce.EXT_FIELD))
        .hasSize(2);
  }

  @Test
  void deliverBatch_requestLimitExceeded_throwsQuota() {
    fake.apiAnswers(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
    assertThat(catchThrowable(() -> sink().deliverBatch(List.of(SampleLeads.testDrive(),
        SampleLeads.appSourceCreate())))).isInstanceOf(QuotaExceededException.class);
  }

  // ---- verify ----

  @Test
  void verify_healthyOrg_passesAndSendsTheTestLead() {
    VerificationReport report = sink().verify();
    assertThat(report.steps()).extracting(VerificationReport.Step::name)
        .containsExactly("token", "lead fields", "opt-out fields", "test lead");
    assertThat(report.passed()).isTrue();
    assertThat(report.steps().get(3).detail()).matches("MSFT_TEST_\\d+ created as Lead 00Q\\w+");
    JsonNode sent = fake.upserted().get(0);
    assertThat(sent.path("Title").asText()).isEqualTo(sent.path("LastName").asText());
    assertThat(sent.path("Description").asText()).isEqualTo(sent.path("LastName").asText());
    assertThat(sent.path("LeadSource").asText()).matches("MSFT_TEST_\\d+-MSFT_TEST_\\d+\\|LeadRouter verify");
    assertThat(sent.has("HasOptedOutOfEmail")).isFalse();
    assertThat(fake.requests(FakeSalesforce.API + "/sobjects/Lead/describe")).hasSize(1);
  }

  /**
   * What Lead's describe shows reaches the "lead fields" step: a required custom field the sink does not send fails
   * it (naming the field; the test lead is skipped), a restricted LeadSource receiving free text warns with the
   * allowed values (the test lead is still sent).
   */
  @ParameterizedTest(name = "required Region__c {0}, restricted LeadSource {1}: {3}")
  @CsvSource(delimiter = '|', textBlock = """
      true  | false | false | FAILED  | SALESFORCE_REQUIRED_FIELD_MISSING | Lead requires Region__c, which this sink does not send: every lead would be refused | SKIPPED
      false | true  | true  | WARNING | SALESFORCE_INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST | restricted picklists receive free text from leads: LeadSource (allowed: [Web, Partner Referral]) | PASSED
      """)
  void verify_describeProblems_showInTheLeadFieldsStep(boolean requiredRegion, boolean restrictedLeadSource,
      boolean passed, Status status, String code, String detail, Status testLead) {
    fake.describeWith(requiredRegion, restrictedLeadSource);
    VerificationReport report = sink().verify();
    assertThat(report.passed()).isEqualTo(passed);
    VerificationReport.Step step = report.steps().get(1);
    assertThat(step.status()).isEqualTo(status);
    assertThat(step.diagnosis().orElseThrow().code()).isEqualTo(code);
    assertThat(step.detail()).isEqualTo(detail);
    assertThat(report.steps().get(3).status()).isEqualTo(testLead);
  }

  @Test
  void verify_optOutFieldHiddenFromTheUser_failsWithTheFieldLevelSecurityFix() {
    fake.hideField("DoNotCall");
    VerificationReport report = sink().verify();
    assertThat(report.failures()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("opt-out fields");
      assertThat(s.diagnosis().orElseThrow().code()).isEqualTo(SalesforceErrors.OPT_OUT_FIELD_MISSING);
      assertThat(s.detail()).contains("Lead shows this user no field DoNotCall").contains("DNC leads would be refused");
      assertThat(s.diagnosis().orElseThrow().remediation()).contains("Edit access to Lead.HasOptedOutOfEmail and "
          + "Lead.DoNotCall");
    });
    assertThat(report.steps().get(3).status()).isEqualTo(Status.SKIPPED);
    assertThat(fake.upserted()).isEmpty();
  }

  @Test
  void deliver_dncLead_setsEmailOptOutAndDoNotCall_otherLeadsNeither() throws Exception {
    SalesforceSink sink = sink();
    sink.deliver(SampleLeads.doNotContact());
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    JsonNode dnc = fake.upserted().get(0);
    assertThat(dnc.path("HasOptedOutOfEmail").isBoolean() && dnc.path("HasOptedOutOfEmail").asBoolean()).isTrue();
    assertThat(dnc.path("DoNotCall").asBoolean()).isTrue();
    assertThat(fake.upserted().get(1).has("HasOptedOutOfEmail") || fake.upserted().get(1).has("DoNotCall")).isFalse();
  }

  @Test
  void deliverBatch_dncLeadInACollection_setsTheOptOutFieldsOnItsRecordOnly() throws Exception {
    List<BatchItemResult> results = sink().deliverBatch(List.of(SampleLeads.azureMarketplaceInstall(),
        SampleLeads.doNotContact()));
    assertThat(results).allMatch(BatchItemResult::succeeded);
    assertThat(fake.upserted().get(0).has("DoNotCall")).isFalse();
    assertThat(fake.upserted().get(1).path("DoNotCall").asBoolean()).isTrue();
    assertThat(fake.upserted().get(1).path("HasOptedOutOfEmail").asBoolean()).isTrue();
  }

  @Test
  void deliverBatch_flaggedEmailSalesforceRefuses_failsThatRecordOnly_masked() throws Exception {
    Lead bad = io.leadrouter.MarketplaceCodec.standard().fromJson(("{\"UserDetails\":{\"LastName\":\"Lee\","
        + "\"Email\":\"kim\u200b@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|x\",\"LeadId\":\"bad-1\"}")
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    assertThat(bad.isFlagged()).isTrue();
    Lead good = SampleLeads.azureMarketplaceInstall();
    List<BatchItemResult> results = sink().deliverBatch(List.of(bad, good));
    assertThat(results.get(1).succeeded()).isTrue();
    assertThat(results.get(0).succeeded()).isFalse();
    DeliveryException e = results.get(0).failure().orElseThrow();
    assertThat(e).isInstanceOf(PermanentDeliveryException.class);
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_INVALID_EMAIL_ADDRESS");
    assertThat(e.diagnosis().orElseThrow().toString()).doesNotContain("kim\u200b@contoso.com");
    assertThat(fake.upserted()).hasSize(1);
  }

  @Test
  void deliver_dncLeadWhenTheFieldIsHidden_failsPermanentlyNamingIt() {
    fake.hideField("HasOptedOutOfEmail");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.doNotContact())));
    assertThat(d.message()).contains("HasOptedOutOfEmail");
    assertThat(fake.upserted()).isEmpty();
  }

  @Test
  void verify_restrictedLeadSourceWithAllowedFixedValue_passes() {
    fake.describeWith(false, true);
    VerificationReport report = fake.open(builder().leadSourceValue("Web")).verify();
    assertThat(report.steps().get(1).status()).isEqualTo(Status.PASSED);
  }

  @Test
  void verify_restrictedLeadSourceWithUnknownFixedValue_fails() {
    fake.describeWith(false, true);
    VerificationReport report = fake.open(builder().leadSourceValue("Azure Marketplace")).verify();
    VerificationReport.Step step = report.steps().get(1);
    assertThat(step.status()).isEqualTo(Status.FAILED);
    assertThat(step.diagnosis().orElseThrow().remediation())
        .isEqualTo("set leadSourceValue to one of [Web, Partner Referral] or add the value to the picklist");
  }

  @Test
  void verify_mappedFieldMissingOnLead_fails() {
    VerificationReport report = fake.open(builder().fields(FieldMapping.restDefaults()
        .with(LeadField.OFFER_TITLE, "Offer__c"))).verify();
    assertThat(report.steps().get(1).detail()).isEqualTo("Lead has no field Offer__c");
    assertThat(report.steps().get(1).diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_INVALID_FIELD");
  }

  @Test
  void verify_badCredentials_failsAtTokenStep() {
    fake.revokeCredentials();
    VerificationReport report = sink().verify();
    assertThat(report.failures()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("token");
      assertThat(s.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_AUTH_FAILED");
    });
  }

  @Test
  void verify_externalIdFieldNotMarkedExternalId_fails() {
    VerificationReport report = fake.open(builder().externalIdField("Email")).verify();
    assertThat(report.failures()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("external id");
      assertThat(s.detail()).isEqualTo("Email on Lead is not marked External ID");
    });
  }

  @Test
  void deliver_tokenEndpointNotFound_permanentMyDomain() {
    tokenAnswers(404, "");
    Diagnosis d = permanent(catchThrowable(() -> sink().deliver(SampleLeads.testDrive())));
    assertThat(d.code()).isEqualTo("SALESFORCE_MY_DOMAIN_UNREACHABLE");
    assertThat(d.remediation())
        .isEqualTo("set myDomain to the org's My Domain URL, e.g. https://contoso.my.salesforce.com");
  }
}
