package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.patch;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.salesforce.internal.ApiBudget;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.MutableClock;
import io.leadrouter.testkit.SampleLeads;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Answers and values at the edges of Salesforce's REST API, each as its docs show: lead ids that cannot be named in
 * an upsert URL, {@code Sforce-Limit-Info} in the spellings the header takes, error lists with several entries, and
 * 2xx answers that confirm nothing.
 */
class SalesforceEdgeAnswersTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:00:00Z"));

  private SalesforceSink sink() {
    return fake.open(fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD).clock(clock));
  }

  // ---- lead ids in the upsert URL ----

  @ParameterizedTest(name = "lead id {0}")
  @ValueSource(strings = {"mkt-0001.json", "order.inc", "lead.xml", "..", ".", "a+b", "x:y@z=1~"})
  void deliver_leadIdSalesforceCannotAddressInTheUrl_isUpsertedByItsExactValueThroughCollections(String id)
      throws Exception {
    SalesforceSink sink = sink();
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of(id)).build();

    DeliveryResult first = sink.deliver(lead);
    DeliveryResult again = sink.deliver(lead);

    assertThat(first.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(again.outcome()).as("a redelivery finds the same Lead").isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(again.recordId()).isEqualTo(first.recordId());
    assertThat(fake.records(lead)).as("a Lead holds exactly this lead id").isEqualTo(1);
    assertThat(fake.leads()).singleElement()
        .satisfies(l -> assertThat(l.path(FakeSalesforce.EXT_FIELD).asText()).isEqualTo(id));
    assertThat(fake.server.getAllServeEvents()).as("no upsert named the id in its URL")
        .noneMatch(e -> e.getRequest().getUrl().startsWith(FakeSalesforce.API + "/sobjects/Lead/"));
  }

  @Test
  void deliver_plainGuidLeadId_stillUpsertsByUrl() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    sink().deliver(lead);
    assertThat(fake.requests(FakeSalesforce.API + "/sobjects/Lead/" + FakeSalesforce.EXT_FIELD + "/"
        + lead.id())).hasSize(1);
  }

  // ---- Sforce-Limit-Info ----

  @Test
  void apiBudget_readsTheOrgUsageInEverySpellingAndNeverThePerAppUsage() {
    assertThat(ApiBudget.parse("api-usage=25/5000")).hasValueSatisfying(u -> assertThat(u).containsExactly(25, 5000));
    assertThat(ApiBudget.parse("api-usage = 25 / 5000")).hasValueSatisfying(u -> assertThat(u)
        .containsExactly(25, 5000));
    assertThat(ApiBudget.parse("API-Usage=25/5000")).hasValueSatisfying(u -> assertThat(u).containsExactly(25, 5000));
    assertThat(ApiBudget.parse("per-app-api-usage=249/250(appName=LeadRouter); api-usage=25/5000"))
        .hasValueSatisfying(u -> assertThat(u).containsExactly(25, 5000));
    assertThat(ApiBudget.parse("per-app-api-usage=249/250(appName=LeadRouter)")).isEmpty();
  }

  /** A usage of 17 digits or more (a hostile or broken peer): used * 100 overflowed and 99.9 % read as negative. */
  @Test
  void apiBudget_usageOfSeventeenDigitsOrMore_isComparedExactly() {
    java.time.Clock clock = java.time.Clock.fixed(java.time.Instant.parse("2026-12-04T10:00:00Z"),
        java.time.ZoneOffset.UTC);
    ApiBudget budget = new ApiBudget(95, java.time.Duration.ofMinutes(5), clock);
    budget.record("api-usage=99900000000000000/100000000000000000");
    assertThat(catchThrowable(budget::check)).as("99.9 %% of the budget").isInstanceOf(QuotaExceededException.class);
    budget.record("api-usage=9223372036854775807/9223372036854775807");
    assertThat(catchThrowable(budget::check)).as("all of it").isInstanceOf(QuotaExceededException.class);
    budget.record("api-usage=1000000000000000/9223372036854775807");
    assertThat(catchThrowable(budget::check)).as("0.01 %%").isNull();
  }

  @Test
  void deliver_perAppUsageNearItsLimitFirstInTheHeader_doesNotStopTheSink() throws Exception {
    SalesforceSink sink = sink();
    fake.limitInfoFormat("per-app-api-usage=249/250(appName=LeadRouter); api-usage=%d/%d");
    fake.apiUsage(100, 15_000);

    sink.deliver(SampleLeads.azureMarketplaceInstall());
    DeliveryResult next = sink.deliver(SampleLeads.appSourceCreate());

    assertThat(next.outcome()).as("the org has used 0.7 %% of its budget").isEqualTo(DeliveryOutcome.CREATED);
  }

  @Test
  void deliver_orgUsageAtThresholdWrittenWithSpaces_holdsTheNextLead() throws Exception {
    SalesforceSink sink = sink();
    fake.limitInfoFormat("api-usage = %d / %d");
    fake.apiUsage(14_249, 15_000); // this call makes it 14,250: 95 %

    sink.deliver(SampleLeads.azureMarketplaceInstall());
    Throwable next = catchThrowable(() -> sink.deliver(SampleLeads.appSourceCreate()));

    assertThat(next).isInstanceOf(QuotaExceededException.class);
    assertThat(((QuotaExceededException) next).diagnosis().orElseThrow().code())
        .isEqualTo(SalesforceErrors.API_USAGE_HIGH);
  }

  // ---- error lists with several entries ----

  @Test
  void deliver_twoRequiredFieldsMissing_namesBothFieldsAndBothFixes() {
    fake.apiAnswersBody(400, "[{\"message\":\"Required fields are missing: [Region__c]\",\"errorCode\":"
        + "\"REQUIRED_FIELD_MISSING\",\"fields\":[\"Region__c\"]},{\"message\":\"Required fields are missing: "
        + "[Industry]\",\"errorCode\":\"REQUIRED_FIELD_MISSING\",\"fields\":[\"Industry\"]}]");

    Throwable e = catchThrowable(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(PermanentDeliveryException.class);
    Diagnosis d = ((PermanentDeliveryException) e).diagnosisValue();
    assertThat(d.code()).isEqualTo(SalesforceErrors.REQUIRED_FIELD_MISSING);
    assertThat(d.message()).contains("Region__c").contains("Industry");
    assertThat(d.remediation()).contains("send a value for Region__c").contains("send a value for Industry");
  }

  @Test
  void deliver_validationErrorThenRowLock_isRetriedNotDeadLettered() {
    fake.apiAnswersBody(400, "[{\"message\":\"Region is required\",\"errorCode\":"
        + "\"FIELD_CUSTOM_VALIDATION_EXCEPTION\",\"fields\":[]},{\"message\":\"unable to obtain exclusive access to "
        + "this record\",\"errorCode\":\"UNABLE_TO_LOCK_ROW\",\"fields\":[]}]");

    Throwable e = catchThrowable(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(TransientDeliveryException.class)
        .hasMessageContaining("FIELD_CUSTOM_VALIDATION_EXCEPTION").hasMessageContaining("UNABLE_TO_LOCK_ROW");
  }

  @Test
  void deliverBatch_recordWithAPermanentErrorAndTheRequestLimit_isHeldNotDeadLettered() throws Exception {
    fake.apiAnswersBody(200, "[{\"success\":true,\"id\":\"00Q5e000009AAAAAAA\",\"created\":true,\"errors\":[]},"
        + "{\"success\":false,\"errors\":[{\"statusCode\":\"DUPLICATES_DETECTED\",\"message\":\"Use one of these "
        + "records?\",\"fields\":[]},{\"statusCode\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"TotalRequests Limit "
        + "exceeded.\",\"fields\":[]}]}]");

    List<BatchItemResult> out = sink().deliverBatch(List.of(SampleLeads.azureMarketplaceInstall(),
        SampleLeads.appSourceCreate()));

    assertThat(out.get(0).result()).hasValueSatisfying(r -> assertThat(r.outcome())
        .isEqualTo(DeliveryOutcome.CREATED));
    assertThat(out.get(1).failure()).hasValueSatisfying(f -> assertThat(f).isInstanceOf(QuotaExceededException.class)
        .hasMessageContaining("DUPLICATES_DETECTED"));
  }

  // ---- duplicate rules ----

  private static Lead sameCustomer(Lead lead) {
    return SampleLeads.appSourceCreate().toBuilder().email(lead.customer().email()).build();
  }

  /** The org's Lead duplicate rule set to {@code action}, and a customer's first lead delivered through it. */
  private Lead firstLeadUnder(String action, SalesforceSink sink) throws Exception {
    fake.duplicateRule(action);
    Lead first = SampleLeads.azureMarketplaceInstall();
    sink.deliver(first);
    return first;
  }

  @Test
  void deliver_customersSecondLeadUnderAnAllowRuleWithAlert_isCreatedAsTheRuleAllows() throws Exception {
    SalesforceSink sink = sink();
    Lead first = firstLeadUnder("Allow", sink); // the standard Lead duplicate rule: Allow, with an alert

    DeliveryResult second = sink.deliver(sameCustomer(first));

    assertThat(second.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.recordsWithEmail(first.customer().email())).hasSize(2);
  }

  @Test
  void deliverBatch_customersLaterLeadsUnderAnAllowRuleWithAlert_areCreated() throws Exception {
    SalesforceSink sink = sink();
    Lead first = firstLeadUnder("Allow", sink);

    List<BatchItemResult> out = sink.deliverBatch(List.of(sameCustomer(first), sameCustomer(first)));

    assertThat(out).allSatisfy(r -> assertThat(r.succeeded()).as(r.toString()).isTrue());
    assertThat(fake.recordsWithEmail(first.customer().email())).hasSize(3);
  }

  @Test
  void deliver_customersSecondLeadUnderABlockRule_isDuplicatesDetectedNamingTheRuleAndTheFix() throws Exception {
    SalesforceSink sink = sink();
    Lead first = firstLeadUnder("Block", sink);

    Throwable e = catchThrowable(() -> sink.deliver(sameCustomer(first)));

    assertThat(e).isInstanceOf(PermanentDeliveryException.class);
    Diagnosis d = ((PermanentDeliveryException) e).diagnosisValue();
    assertThat(d.code()).isEqualTo(SalesforceErrors.DUPLICATES_DETECTED);
    assertThat(d.message()).contains("Standard_Lead_Duplicate_Rule").doesNotContain(first.customer().email());
    assertThat(d.remediation()).contains("Block").contains("match: email");
    assertThat(fake.recordsWithEmail(first.customer().email())).hasSize(1);
    // which existing record it duplicates (its id, from matchResults) and which rule to change, by name
    String existing = fake.recordsWithEmail(first.customer().email()).get(0).path("Id").asText();
    assertThat(d.message()).endsWith("; existing Lead " + existing + ")");
    assertThat(d.remediation()).contains("(Standard_Lead_Duplicate_Rule)")
        .contains("Setup > Duplicate Rules set Standard_Lead_Duplicate_Rule's action on create to Allow");
  }

  // ---- 2xx that confirm nothing ----

  @Test
  void deliver_upsertAnswered200WithAProxysHtmlPage_isNotCountedDelivered() {
    fake.server.stubFor(patch(urlPathMatching(FakeSalesforce.API + "/sobjects/Lead/.*")).atPriority(1)
        .willReturn(aResponse().withStatus(200).withHeader("Content-Type", "text/html")
            .withBody("<html><body>Welcome to the guest network</body></html>")));

    Throwable e = catchThrowable(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(TransientDeliveryException.class).hasMessageContaining("not counted as delivered");
  }

  @Test
  void deliver_upsertAnswered202_isNotCountedDelivered() {
    fake.server.stubFor(patch(urlPathMatching(FakeSalesforce.API + "/sobjects/Lead/.*")).atPriority(1)
        .willReturn(aResponse().withStatus(202)));

    assertThat(catchThrowable(() -> sink().deliver(SampleLeads.azureMarketplaceInstall())))
        .isInstanceOf(TransientDeliveryException.class);
  }

  @Test
  void deliverBatch_collectionResultWithoutSuccess_isRetriedNotDeadLettered() throws Exception {
    fake.apiAnswersBody(200, "[{\"id\":\"00Q5e000009AAAAAAA\",\"created\":true},{}]");

    List<BatchItemResult> out = sink().deliverBatch(List.of(SampleLeads.azureMarketplaceInstall(),
        SampleLeads.appSourceCreate()));

    assertThat(out).allSatisfy(r -> assertThat(r.failure()).hasValueSatisfying(f -> assertThat(f)
        .isInstanceOf(TransientDeliveryException.class)));
  }

  // ---- peer text that would forge log lines ----

  /**
   * Salesforce's error texts (message, errorCode, fields) go into diagnoses, logs and the journal: a hostile or broken
   * peer's line breaks in any spelling (CR, LF, NEL, the Unicode line and paragraph separators, other control
   * characters, bidi overrides) would start a forged log line. They come out as one line, still capped, e-mails masked.
   */
  @ParameterizedTest(name = "U+{0}")
  @ValueSource(strings = {"000D", "000A", "0085", "2028", "2029", "000B", "000C", "001B", "009B", "202E", "2066"})
  void deliver_errorTextWithALineBreak_isDiagnosedOnOneLine(String hex) {
    String brk = new String(Character.toChars(Integer.parseInt(hex, 16)));
    String json = "\\u" + hex;
    fake.apiAnswersBody(400, "[{\"message\":\"Validation failed" + json + "2026-12-03 08:00:00 INFO lead delivered"
        + json + "for megan.bowen@contoso.com " + "x".repeat(300) + "\",\"errorCode\":\"FIELD_CUSTOM_VALIDATION_"
        + "EXCEPTION\",\"fields\":[\"Region__c" + json + "INFO forged\"]}]");

    Throwable e = catchThrowable(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()));

    assertThat(e).isInstanceOf(PermanentDeliveryException.class);
    Diagnosis d = ((PermanentDeliveryException) e).diagnosisValue();
    for (String text : List.of(d.message(), d.remediation(), d.toString(), e.getMessage())) {
      assertThat(text).as(text).doesNotContain(brk).doesNotContain("\n").doesNotContain("\r")
          .doesNotContain("megan.bowen@contoso.com").hasSizeLessThan(2_000);
    }
    assertThat(d.message()).contains("Validation failed", "INFO lead delivered", "Region__c INFO forged");
  }
}
