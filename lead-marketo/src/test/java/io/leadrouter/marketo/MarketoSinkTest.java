package io.leadrouter.marketo;

import io.leadrouter.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.marketo.MarketoConfig.LeadField;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.spi.VerificationReport.Status;
import io.leadrouter.spi.VerificationReport.Step;
import io.leadrouter.testkit.AtOnce;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MarketoSinkTest {
  private static final Instant START = Instant.parse("2026-11-25T10:15:30Z");
  private static final MutableClock CLOCK = new MutableClock(START);
  private static final ObjectMapper JSON = new ObjectMapper();
  @RegisterExtension static final FakeMarketo fake = new FakeMarketo(CLOCK);
  private final List<MarketoSink> sinks = new ArrayList<>();

  @BeforeEach
  void reset() {
    CLOCK.set(START);
  }

  @AfterEach
  void closeSinks() {
    sinks.forEach(MarketoSink::close);
  }

  private MarketoSink sink() {
    return sink(b -> b);
  }

  private MarketoSink sink(UnaryOperator<MarketoSink.Builder> customize) {
    MarketoSink.Builder b = fake.sinkBuilder().clock(CLOCK);
    MarketoSink sink = customize.apply(b).build();
    sinks.add(sink);
    return sink;
  }

  /** What delivering lead 1 through a default sink throws, as {@code type}, when Marketo answers this error. */
  private <T extends Throwable> T failureOn(String code, String message, Class<T> type) {
    fake.scriptError(code, message);
    return catchThrowableOfType(type, () -> sink().deliver(lead(1)));
  }

  private static Lead lead(int i) {
    return Lead.builder().id(LeadId.of("lead-" + i)).createdTime(START).firstName("Lead").lastName("No" + i)
        .email(String.format("lead-%03d@contoso.com", i)).country("US").company("Contoso")
        .source("AzureMarketplace-INS|contoso.crm-connector").build();
  }

  private static List<Lead> leads(int n) {
    return IntStream.range(0, n).mapToObj(MarketoSinkTest::lead).toList();
  }

  // ---- batching and per-record results ----

  @Test
  void deliverBatch_300LeadsTwoSkipped_onlyThoseTwoFailPermanently() throws Exception {
    List<Lead> leads = leads(300);
    fake.skip("lead-017@contoso.com", "1007", "Multiple lead match lookup criteria");
    fake.skip("lead-250@contoso.com", "1003", "Invalid value for field 'country'");

    List<BatchItemResult> results = sink().deliverBatch(leads);

    assertThat(fake.syncCallSizes()).as("one call carries all 300").containsExactly(300);
    assertThat(results).extracting(BatchItemResult::leadId).containsExactlyElementsOf(
        leads.stream().map(Lead::id).toList());
    assertThat(results).filteredOn(BatchItemResult::succeeded).hasSize(298)
        .allSatisfy(r -> assertThat(r.result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.CREATED));
    PermanentDeliveryException multiple = (PermanentDeliveryException) results.get(17).failure().orElseThrow();
    assertThat(multiple.diagnosisValue().code()).isEqualTo("MARKETO_MULTIPLE_LEADS_MATCH");
    assertThat(multiple.diagnosisValue().message())
        .isEqualTo("Marketo skipped the lead: 1007 Multiple lead match lookup criteria");
    assertThat(multiple.diagnosisValue().remediation()).startsWith("several Marketo leads share this lookup value");
    PermanentDeliveryException invalid = (PermanentDeliveryException) results.get(250).failure().orElseThrow();
    assertThat(invalid.diagnosisValue().code()).isEqualTo("MARKETO_INVALID_DATA");
    assertThat(invalid.diagnosisValue().message())
        .isEqualTo("Marketo skipped the lead: 1003 Invalid value for field 'country'");
    assertThat(fake.leads()).hasSize(298);
  }

  /**
   * The warning of a skipped lead named it by its id as sent: a sender may make it of the customer's e-mail or phone
   * ({@code form:...@...}, {@code tel-...}), which the router's own log lines mask and this one showed.
   */
  @Test
  void deliver_skippedLead_theWarningMasksALeadIdMadeOfTheCustomersAddressOrPhone() throws Exception {
    String log;
    try (io.leadrouter.testkit.OutputCapture out = io.leadrouter.testkit.OutputCapture.start()) {
      int n = 0;
      for (String id : List.of("form:ottoline.vexcombe@contoso.com", "tel-4915112345678")) {
        String email = "ottoline" + n++ + "@contoso.com";
        fake.skip(email, "1003", "Invalid value for field 'country'");
        Lead lead = Lead.builder().id(LeadId.of(id)).createdTime(START).email(email).country("US")
            .source("AzureMarketplace-INS|contoso.crm-connector").build();
        assertThat(catchThrowable(() -> sink().deliver(lead))).isInstanceOf(PermanentDeliveryException.class);
      }
      log = out.text();
    }
    assertThat(log).contains("lead form:o***@contoso.com: reason 1003", "lead tel-***78: reason 1003")
        .doesNotContain("ottoline.vexcombe", "4915112345678");
  }

  /** Mode create logs Marketo's 1005 reason at INFO: an echo of the secret or the customer must not be in it. */
  @Test
  void deliver_leadExistsReasonEchoingTheSecretAndTheCustomer_isLoggedScrubbed() throws Exception {
    Lead lead = lead(7);
    fake.skip(lead.customer().email(), "1005", "Lead already exists: " + lead.customer().email().toUpperCase(
        java.util.Locale.ROOT) + ", phone (425) 555-0107, client_secret " + FakeMarketo.CLIENT_SECRET);
    MarketoSink sink = sink(b -> b.mode(MarketoConfig.Mode.CREATE_ONLY));

    String log;
    DeliveryResult result;
    try (io.leadrouter.testkit.OutputCapture out = io.leadrouter.testkit.OutputCapture.start()) {
      result = sink.deliver(lead);
      log = out.text();
    }

    assertThat(result.outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);
    assertThat(log).contains("left unchanged", "L***@CONTOSO.COM", "***07")
        .doesNotContain(FakeMarketo.CLIENT_SECRET, "LEAD-007", "555-0107");
  }

  @Test
  void deliverBatch_301Leads_sendsCallsOf300And1() throws Exception {
    List<BatchItemResult> results = sink().deliverBatch(leads(301));
    assertThat(fake.syncCallSizes()).containsExactly(300, 1);
    assertThat(results).hasSize(301).allMatch(BatchItemResult::succeeded);
  }

  @Test
  void deliverBatch_anonymousLeadUnderEmailLookup_failsAloneAndIsNotSent() throws Exception {
    Lead anonymous = SampleLeads.eduAnonymous();
    List<BatchItemResult> results = sink().deliverBatch(List.of(lead(1), anonymous, lead(2)));

    assertThat(fake.syncCallSizes()).containsExactly(2);
    assertThat(results.get(0).succeeded()).isTrue();
    assertThat(results.get(2).succeeded()).isTrue();
    PermanentDeliveryException e = (PermanentDeliveryException) results.get(1).failure().orElseThrow();
    assertThat(e.diagnosisValue().code()).isEqualTo("MARKETO_NO_LOOKUP_VALUE");
    assertThat(e.diagnosisValue().message()).isEqualTo("the lead has no value for the lookup field 'email'"
        + " (anonymous leads, e.g. from .edu customers, carry no e-mail)");
    assertThat(e.diagnosisValue().remediation()).startsWith("set leadIdField to a custom Marketo field");
  }

  @Test
  void deliver_lookupByLeadIdField_anonymousLeadDeliveredAndRedeliveryUpdates() throws Exception {
    MarketoSink sink = sink(b -> b.leadIdField("leadRouterLeadId").createOrUpdate("leadRouterLeadId"));
    Lead anonymous = SampleLeads.eduAnonymous();

    assertThat(sink.deliver(anonymous).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    DeliveryResult again = sink.deliver(anonymous);

    assertThat(again.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(fake.count("leadRouterLeadId", anonymous.id().value())).isEqualTo(1);
    assertThat(JSON.readTree(fake.syncCalls().get(0).getBodyAsString()).path("lookupField").asText())
        .isEqualTo("leadRouterLeadId");
  }

  @Test
  void deliver_sendsDocumentedRequestWithBearerHeader() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    DeliveryResult result = sink(b -> b.leadIdField("leadRouterLeadId")).deliver(lead);

    assertThat(result.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(result.recordId()).isPresent();
    LoggedRequest request = fake.syncCalls().get(0);
    assertThat(request.getHeader("Authorization")).matches("Bearer [0-9a-f-]{36}:ab");
    assertThat(request.getHeader("Content-Type")).startsWith("application/json");
    assertThat(request.getUrl()).isEqualTo("/rest/v1/leads.json");
    assertThat(JSON.readTree(request.getBodyAsString())).isEqualTo(JSON.readTree("{\"action\":\"createOrUpdate\","
        + "\"lookupField\":\"email\",\"input\":[{\"firstName\":\"Jane\",\"lastName\":\"Doe\","
        + "\"email\":\"jane.doe@contoso.com\",\"phone\":\"+1 425 555 0100\",\"country\":\"US\","
        + "\"company\":\"Contoso\",\"title\":\"CTO\",\"leadSource\":\"AzureMarketplace-INS|contoso.crm-connector\","
        + "\"leadRouterLeadId\":\"" + lead.id() + "\"}]}"));
  }

  @Test
  void deliver_submitFormMode_postsFormAndUpsertsByEmail() throws Exception {
    MarketoSink sink = sink(b -> b.submitForm(FakeMarketo.FORM_ID).unmap(LeadField.PHONE));
    Lead lead = SampleLeads.appSourceCreate();

    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

    assertThat(sink.capabilities().maxBatchSize()).isEqualTo(1);
    assertThat(fake.count("email", "ana.silva@adventure-works.com")).isEqualTo(1);
    LoggedRequest request = fake.allRequests().stream()
        .filter(r -> r.getUrl().equals("/rest/v1/leads/submitForm.json")).findFirst().orElseThrow();
    assertThat(JSON.readTree(request.getBodyAsString())).isEqualTo(JSON.readTree("{\"formId\":1001,\"input\":["
        + "{\"leadFormFields\":{\"firstName\":\"Ana\",\"lastName\":\"Silva\","
        + "\"email\":\"ana.silva@adventure-works.com\",\"country\":\"BR\",\"company\":\"Adventure Works\","
        + "\"title\":\"Head of Sales\",\"leadSource\":\"SPZA-Create|contoso.crm-connector\"}}]}"));
  }

  /** URL settings ending in several slashes still call {@code /rest/v1/...}: no double slash reaches Marketo. */
  @Test
  void deliver_urlSettingsEndingInSlashes_callsWithoutDoubleSlashes() throws Exception {
    MarketoSink sink = sink(b -> b.endpoint(java.net.URI.create(fake.rest() + "//"))
        .identity(java.net.URI.create(fake.identity() + "///")));

    assertThat(sink.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED);

    assertThat(fake.server().getAllServeEvents()).extracting(e -> e.getRequest().getUrl())
        .allSatisfy(url -> assertThat(url).doesNotContain("//"))
        .anySatisfy(url -> assertThat(url).startsWith("/identity/oauth/token?"))
        .contains("/rest/v1/leads.json");
  }

  // ---- 413/414: split the batch ----

  @Test
  void deliverBatch_over1MB_413SplitsIntoHalvesAndDeliversAll() throws Exception {
    String longText = "x".repeat(5_000); // 300 leads ~ 1.6 MB > Marketo's 1 MB; 150 ~ 0.8 MB fits
    List<Lead> leads = leads(300).stream().map(l -> l.toBuilder().description(longText).build()).toList();

    List<BatchItemResult> results = sink(b -> b.map(LeadField.DESCRIPTION, "leadRouterDescription"))
        .deliverBatch(leads);

    assertThat(fake.syncCallSizes()).containsExactly(300, 150, 150);
    assertThat(results).hasSize(300).allMatch(BatchItemResult::succeeded);
    assertThat(fake.leads()).hasSize(300);
  }

  @Test
  void deliver_singleLeadOver1MB_permanentLeadTooLarge() {
    Lead huge = lead(1).toBuilder().description("x".repeat(1_100_000)).build();
    MarketoSink sink = sink(b -> b.map(LeadField.DESCRIPTION, "leadRouterDescription"));

    PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class, () -> sink.deliver(huge));

    assertThat(e.diagnosisValue().code()).isEqualTo("MARKETO_LEAD_TOO_LARGE");
    assertThat(e.diagnosisValue().message())
        .isEqualTo("Marketo answered HTTP 413 for a single lead (requests are limited to 1 MB)");
    assertThat(fake.syncCallSizes()).containsExactly(1);
  }

  // ---- response-level errors in HTTP 200 bodies ----

  /**
   * Marketo's throttle answers slow the sink down; they are not an outage. 606: a rolling window frees calls
   * continuously, so the pace is found, not a 20-s hold of every call; 615: a short retry. Either way the sink
   * declares Marketo's limits (100 calls per 20 s, 10 at once, 300 leads a call).
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"606, Max rate limit '100' exceeded with in '20' secs, , MARKETO_RATE_LIMITED",
      "615, Concurrent access limit reached, PT2S, MARKETO_CONCURRENCY_LIMIT"})
  void deliver_throttleCodes_throttledTransient(String code, String message, Duration wait, String diagnosis) {
    TransientDeliveryException e = failureOn(code, message, TransientDeliveryException.class);

    assertThat(e).hasMessage("Marketo error " + code + ": " + message);
    assertThat(e.retryAfter()).isEqualTo(Optional.ofNullable(wait));
    assertThat(e.isThrottled()).as("a rate limit slows the sink down; it is not an outage").isTrue();
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(diagnosis);
    SinkCapabilities c = sink().capabilities();
    assertThat(c.rateLimit().orElseThrow()).hasToString("100/PT20S");
    assertThat(c.maxConcurrency()).isEqualTo(10);
    assertThat(c.maxBatchSize()).isEqualTo(300);
  }

  @ParameterizedTest
  @CsvSource({"604,Request timed out", "608,API Temporarily Unavailable", "611,System error",
      "713,Transient Error"})
  void deliver_transientCodes_transientUnavailable(String code, String message) {
    TransientDeliveryException e = failureOn(code, message, TransientDeliveryException.class);

    assertThat(e).hasMessage("Marketo error " + code + ": " + message);
    assertThat(e.retryAfter()).isEmpty();
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("MARKETO_UNAVAILABLE");
  }

  @Test
  void deliver_603AccessDenied_permanentWithRoleFix() {
    PermanentDeliveryException e = failureOn("603", "Access denied", PermanentDeliveryException.class);

    assertThat(e.diagnosisValue().code()).isEqualTo("MARKETO_ACCESS_DENIED");
    assertThat(e.diagnosisValue().message()).isEqualTo("Marketo error 603: Access denied");
    assertThat(e.diagnosisValue().remediation()).contains("'Read-Write Lead' permission");
  }

  /**
   * 1xxx codes are Adobe's record-level codes ("Error Codes" > "Record-Level Error Codes"); in the errors array they
   * refuse the call. The queue codes clear by themselves, in the table's words: 1016 "Too many imports" ("There are
   * too many imports queued. A maximum of 10 is allowed"), 1019 "Import in progress" ("The target list is already
   * being imported to"), 1029 "Too many jobs in queue" ("Subscriptions are allowed a maximum of 10 bulk extract jobs
   * in the queue at any given time") and "Job already queued". A throttle: the leads wait, nothing is dead-lettered
   * (before: every lead of the call dead-lettered MARKETO_RECORD_SKIPPED).
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"1016, Too many imports", "1019, Import in progress", "1029, Too many jobs in queue",
      "1029, Job already queued"})
  void deliver_responseLevelQueueCodes_throttledTransient_thenDelivered(String code, String message)
      throws Exception {
    MarketoSink sink = sink();
    fake.scriptError(code, message);

    TransientDeliveryException e = catchThrowableOfType(TransientDeliveryException.class,
        () -> sink.deliver(lead(1)));

    assertThat(e).hasMessage("Marketo error " + code + ": " + message);
    assertThat(e.isThrottled()).as("the subscription's queue is full: a throttle, not an outage").isTrue();
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.QUEUE_FULL);
    assertThat(sink.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  /**
   * 1029 "Export daily quota exceeded" ("By default extract jobs are limited to 500MB per day (resets daily at 12:00AM
   * CST)"): a quota until midnight US Central, the leads held, not dead-lettered.
   */
  @Test
  void deliver_responseLevel1029ExportDailyQuota_quotaUntilTheCentralMidnightReset() {
    QuotaExceededException e = failureOn("1029", "Export daily quota exceeded", QuotaExceededException.class);

    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.DAILY_ALLOWANCE);
    assertThat(e.resumeAt()).isEqualTo(MarketoErrors.quotaResume(CLOCK));
  }

  /**
   * A record-level code in the errors array (1003 "Invalid data": "When the data submitted is not a valid type for the
   * given endpoint or mode") refuses the whole call, nothing written: the call is split until the lead at fault fails
   * alone, the others are delivered (before: all 3 dead-lettered, 'Marketo skipped the lead').
   */
  @Test
  void deliverBatch_responseLevelRecordCode_onlyTheLeadAtFaultFails_othersDelivered() throws Exception {
    List<Lead> leads = leads(3);
    fake.refuseCallsWith(leads.get(1).customer().email(), "1003", "Invalid data");

    List<BatchItemResult> results = sink().deliverBatch(leads);

    assertThat(results.get(0).succeeded()).isTrue();
    assertThat(results.get(2).succeeded()).isTrue();
    PermanentDeliveryException p = (PermanentDeliveryException) results.get(1).failure().orElseThrow();
    assertThat(p.diagnosisValue().code()).isEqualTo(MarketoErrors.INVALID_DATA);
    assertThat(p.diagnosisValue().message()).isEqualTo("Marketo refused the call: 1003 Invalid data (a "
        + "response-level error: no lead of the call was written)");
    assertThat(fake.recordCount()).isEqualTo(2);
  }

  /**
   * Every call refused (a setting Marketo refuses, not one lead): the split to find a lead at fault stops after a bounded
   * number of calls and the rest fail whole, instead of some 600 calls for 300 leads.
   */
  @Test
  void deliverBatch_everyCallRefused_splitsABoundedNumberOfTimes_allFailWithTheDiagnosis() throws Exception {
    fake.failEveryCall("1006", "Field 'leadRouterLeadId' not found");

    List<BatchItemResult> results = sink().deliverBatch(leads(300));

    assertThat(results).allSatisfy(r -> assertThat(((PermanentDeliveryException) r.failure().orElseThrow())
        .diagnosisValue().code()).isEqualTo(MarketoErrors.FIELD_NOT_FOUND));
    assertThat(fake.syncCalls()).hasSizeLessThanOrEqualTo(1 + 2 * 24);
  }

  /** 1006 in the errors array for a lone lead: permanent FIELD_NOT_FOUND, saying the call was refused. */
  @Test
  void deliver_responseLevel1006_permanentFieldNotFoundNamingTheRefusedCall() {
    PermanentDeliveryException e = failureOn("1006", "Field 'leadRouterLeadId' not found",
        PermanentDeliveryException.class);

    assertThat(e.diagnosisValue().code()).isEqualTo(MarketoErrors.FIELD_NOT_FOUND);
    assertThat(e.diagnosisValue().message()).startsWith("Marketo refused the call: 1006 Field 'leadRouterLeadId' "
        + "not found");
  }

  @Test
  void deliver_http503_transient() {
    TransientDeliveryException e = failureOn("503", "Service Unavailable", TransientDeliveryException.class);

    assertThat(e).hasMessage("Marketo answered HTTP 503: Service Unavailable");
  }

  @Test
  void deliver_wrongEndpointPath_permanentEndpointNotFound() {
    MarketoSink sink = sink(b -> b.endpoint(fake.rest().resolve("/rest/rest")));

    PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
        () -> sink.deliver(lead(1)));

    assertThat(e.diagnosisValue().code()).isEqualTo("MARKETO_ENDPOINT_NOT_FOUND");
    assertThat(e.diagnosisValue().message()).isEqualTo("Marketo error 610: Requested resource not found");
  }

  // ---- 607 daily quota: resets at midnight US Central time (America/Chicago, Adobe KB ka-29461), re-probed hourly ----

  @Test
  void deliver_607DailyQuota_parksAnHourAtMost_thenReprobes_thenResumesAtTheReset() throws Exception {
    MarketoSink sink = sink();
    fake.scriptError("607", "Max daily quota reached");

    QuotaExceededException first = catchThrowableOfType(QuotaExceededException.class, () -> sink.deliver(lead(1)));

    // 10:15:30 UTC: the reset (06:00 UTC tomorrow) is 19 h away, so the quota is probed again in an hour
    assertThat(first.resumeAt()).isEqualTo(Instant.parse("2026-11-25T11:15:30Z"));
    assertThat(first.diagnosis().orElseThrow().code()).isEqualTo("MARKETO_DAILY_QUOTA");
    assertThat(first).hasMessageStartingWith("MARKETO_DAILY_QUOTA: Marketo error 607: Max daily quota reached. Fix:")
        .hasMessageEndingWith("(resumes at 2026-11-25T11:15:30Z)");

    CLOCK.advance(Duration.ofMinutes(30)); // still parked, Marketo is not called
    List<BatchItemResult> held = sink.deliverBatch(List.of(lead(2), lead(3)));
    assertThat(held).allSatisfy(r -> assertThat(r.failure().orElseThrow())
        .isInstanceOfSatisfying(QuotaExceededException.class,
            q -> assertThat(q.resumeAt()).isEqualTo(Instant.parse("2026-11-25T11:15:30Z"))));
    assertThat(fake.syncCalls()).hasSize(1);

    CLOCK.set(Instant.parse("2026-11-26T05:30:00Z")); // the probe still finds it spent: the reset is 30 min away
    fake.scriptError("607", "Max daily quota reached");
    QuotaExceededException probe = catchThrowableOfType(QuotaExceededException.class, () -> sink.deliver(lead(2)));
    assertThat(probe.resumeAt()).isEqualTo(Instant.parse("2026-11-26T06:00:00Z"));
    assertThat(fake.syncCalls()).hasSize(2);

    CLOCK.set(Instant.parse("2026-11-26T06:00:00Z"));
    assertThat(sink.deliver(lead(2)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.syncCalls()).hasSize(3);
  }

  /** The subscription's quota is shared: dailyCallLimit keeps this integration to its share, per Marketo day. */
  @Test
  void deliver_dailyCallLimitSpent_quotaUntilTheReset_withoutCallingMarketo() throws Exception {
    MarketoSink sink = sink(b -> b.dailyCallLimit(2));
    assertThat(sink.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink.deliver(lead(2)).outcome()).isEqualTo(DeliveryOutcome.CREATED);

    QuotaExceededException capped = catchThrowableOfType(QuotaExceededException.class, () -> sink.deliver(lead(3)));

    assertThat(capped.diagnosis().orElseThrow().code()).isEqualTo("MARKETO_DAILY_CALL_CAP");
    assertThat(capped.resumeAt()).isEqualTo(Instant.parse("2026-11-26T06:00:00Z"));
    assertThat(fake.syncCalls()).hasSize(2);
    CLOCK.set(Instant.parse("2026-11-26T06:00:00Z")); // a new Marketo day
    assertThat(sink.deliver(lead(3)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.syncCalls()).hasSize(3);
  }

  /**
   * A Marketo day's count is read only on its day: the journal forgets it a whole day after the day ended (midnight
   * US Central), and not before; before, every day of the year left its row in {@code lr_counters} for ever.
   */
  @Test
  void deliver_dailyCallLimitKeptInTheJournal_dayCountForgottenADayAfterItsDay(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(dir.resolve("j.db"))) {
      io.leadrouter.spi.SinkCounters counters = journal.counters("marketo").orElseThrow();
      MarketoSink sink = sink(b -> b.dailyCallLimit(2));
      sink.useCounters(counters);
      assertThat(sink.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED); // 2026-11-25 in Chicago
      assertThat(counters.get("calls.2026-11-25")).isEqualTo(1);

      // the 25th ends at 06:00 UTC on the 26th (CST); a whole day later its count may go
      assertThat(journal.pruneCounters(Instant.parse("2026-11-27T05:59:59Z"))).isZero();
      assertThat(counters.get("calls.2026-11-25")).isEqualTo(1);
      assertThat(journal.pruneCounters(Instant.parse("2026-11-27T06:00:01Z"))).isEqualTo(1);
      assertThat(counters.get("calls.2026-11-25")).isZero();
    }
  }

  /**
   * dailyCallLimit is this integration's share of the day: kept in the router's journal, a restart (a new sink, its
   * memory empty, on the same journal) continues the day's count instead of spending the share a second time.
   */
  @Test
  void deliver_dailyCallLimitKeptInTheJournal_survivesARestart(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    java.nio.file.Path db = dir.resolve("journal.db");
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      MarketoSink first = sink(b -> b.dailyCallLimit(2));
      first.useCounters(journal.counters("marketo").orElseThrow());
      assertThat(first.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      MarketoSink second = sink(b -> b.dailyCallLimit(2));
      second.useCounters(journal.counters("marketo").orElseThrow());
      assertThat(second.deliver(lead(2)).outcome()).isEqualTo(DeliveryOutcome.CREATED);

      QuotaExceededException capped = catchThrowableOfType(QuotaExceededException.class,
          () -> second.deliver(lead(3)));

      assertThat(capped.diagnosis().orElseThrow().code()).isEqualTo("MARKETO_DAILY_CALL_CAP");
      assertThat(fake.syncCalls()).as("the day's 2 calls, across the restart").hasSize(2);
      CLOCK.set(Instant.parse("2026-11-26T06:00:00Z")); // a new Marketo day, a new counter
      assertThat(second.deliver(lead(3)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
  }

  /**
   * Only calls Marketo received count against the day's share: attempts during an outage of the identity endpoint
   * (no token) or of the REST endpoint (connection refused) are given back, so once Marketo is back (here: a restart
   * on the same journal with reachable URLs) the day's calls are still there, not spent on nothing until midnight.
   */
  @ParameterizedTest(name = "{0} refusing connections")
  @CsvSource({"identity", "endpoint"})
  void deliver_attemptsThatNeverReachedMarketo_doNotSpendTheDailyCallLimit(String down,
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    URI dead;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      dead = URI.create("http://127.0.0.1:" + s.getLocalPort() + "/" + (down.equals("identity") ? "identity" : "rest"));
    }
    java.nio.file.Path db = dir.resolve("journal.db");
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      URI at = dead;
      MarketoSink outage = sink(b -> (down.equals("identity") ? b.identity(at) : b.endpoint(at)).dailyCallLimit(2));
      outage.useCounters(journal.counters("marketo").orElseThrow());
      for (int i = 0; i < 3; i++) {
        assertThat(catchThrowable(() -> outage.deliver(lead(1)))).as("attempt " + i)
            .isInstanceOf(TransientDeliveryException.class);
      }
    }
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      MarketoSink back = sink(b -> b.dailyCallLimit(2));
      back.useCounters(journal.counters("marketo").orElseThrow());

      assertThat(back.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(back.deliver(lead(2)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(catchThrowable(() -> back.deliver(lead(3)))).as("the cap still holds")
          .isInstanceOf(QuotaExceededException.class);
      assertThat(fake.syncCalls()).hasSize(2);
    }
  }

  /**
   * Marketo counts no call it refused with a response-level error against the daily quota or the rate limit (Adobe,
   * "Error Codes"; developers.marketo.com: "API calls that return errors do not count against your daily quota"): a
   * spell of 606 and 615 throttling and a 602 refresh leave this sink's dailyCallLimit for the leads, instead of
   * holding them until midnight.
   */
  @Test
  void deliver_callsMarketoRefusedWithAnError_doNotSpendTheDailyCallLimit() throws Exception {
    MarketoSink sink = sink(b -> b.dailyCallLimit(2));
    fake.scriptError("606", "Max rate limit '100' exceeded with in '20' secs");
    fake.scriptError("615", "Concurrent access limit reached");
    fake.scriptError("606", "Max rate limit '100' exceeded with in '20' secs");
    for (int i = 0; i < 3; i++) {
      TransientDeliveryException throttled = catchThrowableOfType(TransientDeliveryException.class,
          () -> sink.deliver(lead(1)));
      assertThat(throttled.isThrottled()).as("attempt " + i).isTrue();
    }
    fake.scriptError("602", "Access token expired"); // refreshed once, then the same call again

    assertThat(sink.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink.deliver(lead(2)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(catchThrowable(() -> sink.deliver(lead(3)))).as("the cap still holds")
        .isInstanceOf(QuotaExceededException.class);
    assertThat(fake.syncCalls()).as("3 refused, a 602 and its retry, lead 2").hasSize(6);
  }

  /**
   * Adobe: the quota "will reset itself that night at midnight central time" (10:00 PM Pacific, 11:00 PM Mountain,
   * 12:00 AM Central, 01:00 AM Eastern): the America/Chicago midnight, 06:00 UTC under CST and 05:00 UTC under CDT,
   * through both clock changes (2026-03-08 and 2026-11-01, at 2:00 AM local).
   */
  @ParameterizedTest
  @CsvSource({
      "2026-11-25T10:15:30Z, 2026-11-26T06:00:00Z", // winter (CST)
      "2026-07-01T12:00:00Z, 2026-07-02T05:00:00Z", // summer: 12:00 AM CDT = 05:00 UTC
      "2026-07-02T04:59:59Z, 2026-07-02T05:00:00Z", // summer, 23:59:59 CDT: a second before the reset
      "2026-07-02T05:00:00Z, 2026-07-03T05:00:00Z", // summer, at the reset: the next one
      "2026-07-02T05:30:00Z, 2026-07-03T05:00:00Z", // summer, 00:30 CDT: today's reset is past
      "2026-03-08T05:59:59Z, 2026-03-08T06:00:00Z", // March change day: its midnight is still CST
      "2026-03-08T06:00:00Z, 2026-03-09T05:00:00Z", // a 23-hour Marketo day: the next midnight is CDT
      "2026-03-08T12:00:00Z, 2026-03-09T05:00:00Z", // after 2:00 AM became 3:00 AM
      "2026-10-31T12:00:00Z, 2026-11-01T05:00:00Z", // November change day: its midnight is still CDT
      "2026-11-01T05:00:00Z, 2026-11-02T06:00:00Z", // a 25-hour Marketo day: the next midnight is CST
      "2026-11-01T06:30:00Z, 2026-11-02T06:00:00Z", // 01:30 CDT
      "2026-11-01T07:30:00Z, 2026-11-02T06:00:00Z", // 01:30 CST, the hour lived twice
      "2026-12-31T05:59:59Z, 2026-12-31T06:00:00Z"}) // winter, 23:59:59 CST
  void nextQuotaReset_isTheNextMidnightInAmericaChicago(Instant now, Instant expected) {
    assertThat(MarketoErrors.nextQuotaReset(Clock.fixed(now, ZoneOffset.UTC))).isEqualTo(expected);
  }

  /**
   * A spent quota holds leads until the next Central midnight, not 06:00 UTC all year: Marketo's 607 at 23:30 CDT
   * resumes at 05:00 UTC (not 05:30, the hourly probe, nor 06:00), and dailyCallLimit's Marketo day after the March
   * change (a 23-hour day) ends at 05:00 UTC.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "607 at 23:30 CDT, 2026-07-02T04:30:00Z, 0, 2026-07-02T05:00:00Z",
      "dailyCallLimit spent on the March change day, 2026-03-08T12:00:00Z, 1, 2026-03-09T05:00:00Z"})
  void deliver_quotaSpent_resumesAtTheNextCentralMidnight(String what, Instant now, int dailyCallLimit,
      Instant resumes) throws Exception {
    CLOCK.set(now);
    MarketoSink sink = sink(b -> b.dailyCallLimit(dailyCallLimit));
    if (dailyCallLimit == 0) {
      fake.scriptError("607", "Max daily quota reached");
    } else {
      assertThat(sink.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED); // spends the day's calls
    }

    QuotaExceededException spent = catchThrowableOfType(QuotaExceededException.class, () -> sink.deliver(lead(2)));

    assertThat(spent.resumeAt()).isEqualTo(resumes);
    CLOCK.set(resumes);
    assertThat(sink.deliver(lead(2)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  // ---- 615: at most 10 calls in flight ----

  /**
   * Marketo answers 615 to an eleventh concurrent call; the router's in-flight setting for the destination may be set
   * higher than the sink declares, so the sink holds the limit itself: 20 deliveries at once, never more than 10 calls
   * in flight at the fake (which serves 64 at once), every lead delivered.
   */
  @Test
  void deliver_20AtOnce_neverMoreThan10CallsInFlight() throws Exception {
    MarketoSink sink = sink();
    sink.deliver(lead(0)); // signed in: the 20 calls below overlap at the REST endpoint only
    fake.customers().reset();
    fake.processingTime(300);

    List<DeliveryResult> results = concurrently(20, i -> sink.deliver(lead(100 + i)));

    assertThat(results).hasSize(20).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(DeliveryOutcome.CREATED));
    assertThat(fake.customers().maxConcurrent()).as(fake.customers().toString())
        .isLessThanOrEqualTo(MarketoSink.MAX_CONCURRENCY).isGreaterThan(1);
  }

  // ---- tokens ----

  @Test
  void deliver_tokenExpiredOnClockUnderConcurrency_oneRefresh() throws Exception {
    MarketoSink sink = sink();
    sink.deliver(lead(0));
    assertThat(fake.identityCalls()).isEqualTo(1);

    CLOCK.advance(Duration.ofSeconds(3600)); // the token has expired for both sides
    fake.identityDelay(Duration.ofMillis(300)); // the refresh is in flight while the others ask
    List<DeliveryResult> results = concurrently(8, i -> sink.deliver(lead(100 + i)));

    assertThat(results).hasSize(8).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(DeliveryOutcome.CREATED));
    assertThat(fake.identityCalls()).as("one refresh for 8 concurrent deliveries").isEqualTo(2);
    assertThat(sink.tokenFetches()).isEqualTo(2);
  }

  /**
   * An identity answer whose {@code expires_in} is absurdly large (beyond what an {@code Instant} holds, beyond a long)
   * or written oddly is believed for a day at most: leads are delivered, never a bare sink error; and when Marketo
   * expires the token meanwhile, one 602 refreshes it.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"100000000000000000", "9223372036854775807",
      "18446744073709551616", "1e30", "\"3599\""})
  void deliver_identityAnswersAnAbsurdLifetime_deliversAndRefreshesOnThe602(String expiresIn) throws Exception {
    fake.identityExpiresIn(expiresIn);
    MarketoSink sink = sink();

    assertThat(sink.deliver(lead(0)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    CLOCK.advance(Duration.ofSeconds(3600)); // Marketo's hour is over: the next call meets a 602
    assertThat(sink.deliver(lead(1)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.identityCalls()).isEqualTo(2);
  }

  @Test
  void deliver_602UnderConcurrency_refreshesOnceAndAllSucceed() throws Exception {
    MarketoSink sink = sink();
    sink.deliver(lead(0));
    fake.expireTokensNow(); // Marketo expires the token while the sink still thinks it valid
    fake.identityDelay(Duration.ofMillis(300));

    List<DeliveryResult> results = concurrently(8, i -> sink.deliver(lead(100 + i)));

    assertThat(results).hasSize(8).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(DeliveryOutcome.CREATED));
    assertThat(fake.identityCalls()).as("one refresh after 8 concurrent 602s").isEqualTo(2);
  }

  @Test
  void deliver_nearExpiry_refreshesAheadAndKeepsTheSameTokenToItsExpiry() throws Exception {
    MarketoSink sink = sink();
    sink.deliver(lead(0));
    CLOCK.advance(Duration.ofSeconds(3550)); // inside the 60 s margin: refresh; Marketo returns the same token
    sink.deliver(lead(1));
    assertThat(fake.identityCalls()).isEqualTo(2);

    CLOCK.advance(Duration.ofSeconds(30)); // same token, still valid: no more refreshes
    sink.deliver(lead(2));
    assertThat(fake.identityCalls()).isEqualTo(2);

    CLOCK.advance(Duration.ofSeconds(30)); // expired: one refresh, a new token
    sink.deliver(lead(3));
    assertThat(fake.identityCalls()).isEqualTo(3);
    List<String> tokens = fake.syncCalls().stream().map(r -> r.getHeader("Authorization")).distinct().toList();
    assertThat(tokens).hasSize(2);
  }

  /**
   * Marketo hands out the same token until it expires, its {@code expires_in} counting down in whole seconds; in the
   * token's last second it answers {@code expires_in: 0}. Such a token is used for the call in hand and the next
   * identity call waits a second: the sink fetched again for every delivery (one identity call per lead, each
   * delivery queued behind the one before's) until Marketo rolled to a new token. Here Marketo answers the same token
   * with {@code expires_in: 0} twice, a second apart, then a new one: three bursts of 20 leads make three identity
   * calls.
   */
  @Test
  void deliver_identityAnswersTheSameTokenWithExpiresInZero_oneIdentityCallPerSecond() throws Exception {
    MarketoSink sink = sink();
    sink.deliver(lead(0)); // the token, for an hour
    assertThat(fake.identityCalls()).isEqualTo(1);

    CLOCK.advance(Duration.ofMillis(3_598_500)); // 1.5 s left: Marketo answers the same token, expires_in 0
    List<DeliveryResult> first = concurrently(20, i -> sink.deliver(lead(100 + i)));
    assertThat(fake.identityCalls()).as("identity calls for the first burst").isEqualTo(2);

    CLOCK.advance(Duration.ofSeconds(1)); // 0.5 s left: the same token again, expires_in 0
    List<DeliveryResult> second = concurrently(20, i -> sink.deliver(lead(200 + i)));
    assertThat(fake.identityCalls()).as("identity calls for the second burst").isEqualTo(3);

    CLOCK.advance(Duration.ofSeconds(1)); // expired: Marketo hands out a new token
    List<DeliveryResult> third = concurrently(20, i -> sink.deliver(lead(300 + i)));
    assertThat(fake.identityCalls()).as("identity calls for the third burst").isEqualTo(4);

    assertThat(java.util.stream.Stream.of(first, second, third).flatMap(List::stream))
        .hasSize(60).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(DeliveryOutcome.CREATED));
    assertThat(fake.syncCalls().stream().map(r -> r.getHeader("Authorization")).distinct()).hasSize(2);
  }

  @Test
  void deliver_601AgainAfterRefresh_transientTokenRejected() {
    fake.scriptError("601", "Access token invalid"); // and again after the refresh:
    TransientDeliveryException e = failureOn("601", "Access token invalid", TransientDeliveryException.class);

    assertThat(e).hasMessage("Marketo error 601: Access token invalid (again after a token refresh)");
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("MARKETO_TOKEN_REJECTED");
    assertThat(fake.identityCalls()).isEqualTo(2);
  }

  /**
   * An HTTP 401/403 from the REST endpoint after the identity endpoint gave a token is not Marketo refusing the
   * credentials (it answers 601/602/603 inside an HTTP 200): a firewall's or proxy's page, another host at endpoint.
   * The fix names endpoint and the proxy, not clientId/clientSecret, which were just accepted.
   */
  @ParameterizedTest
  @CsvSource({"401", "403"})
  void deliver_restEndpointRefusingAtHttpLevel_namesEndpointAndProxyNotTheCredentials(int status) {
    fake.scriptError(Integer.toString(status), "<html><head><title>Access Denied</title></head><body>You don't have "
        + "permission to access this server.</body></html>");

    PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
        () -> sink().deliver(lead(1)));

    assertThat(e.diagnosisValue().code()).isEqualTo("MARKETO_REQUEST_REJECTED");
    assertThat(e.diagnosisValue().message()).startsWith("Marketo REST endpoint answered HTTP " + status + ": ")
        .contains("Access Denied");
    assertThat(e.diagnosisValue().remediation()).contains("set endpoint to the REST API endpoint", "proxy or firewall")
        .doesNotContain("check clientId and clientSecret");
  }

  @Test
  void deliver_badClientCredentials_permanentAuthFailed() {
    MarketoSink sink = sink(b -> b.clientSecret(Secret.of("not-the-secret")));

    PermanentDeliveryException e = catchThrowableOfType(PermanentDeliveryException.class,
        () -> sink.deliver(lead(1)));

    assertThat(e.diagnosisValue().code()).isEqualTo("MARKETO_AUTH_FAILED");
    assertThat(e.diagnosisValue().message())
        .isEqualTo("Marketo identity endpoint answered HTTP 401: unauthorized (Bad client credentials)");
    assertThat(e.diagnosisValue().remediation()).startsWith("check clientId and clientSecret");
    assertThat(fake.syncCalls()).isEmpty();
  }

  @Test
  void identityFailure_okHttpMessageQuotingTheUrl_neverShowsTheSecret() {
    // an application interceptor (or OkHttp itself) may put the request URL, query string included, in a message
    OkHttpClient quoting = new OkHttpClient.Builder()
        .addInterceptor(chain -> {
          throw new IOException("failed calling " + chain.request().url());
        }).build();
    MarketoSink sink = sink(b -> b.httpClient(quoting));

    TransientDeliveryException e = catchThrowableOfType(TransientDeliveryException.class,
        () -> sink.deliver(lead(1)));

    StringWriter trace = new StringWriter();
    e.printStackTrace(new PrintWriter(trace));
    assertThat(e.getMessage()).startsWith("Marketo identity endpoint unreachable: java.io.IOException: failed calling "
        + fake.identity() + "/oauth/token?grant_type=client_credentials&client_id=" + FakeMarketo.CLIENT_ID)
        .endsWith("&client_secret=[redacted]");
    assertThat(trace.toString()).contains("client_secret=[redacted]")
        .doesNotContain(FakeMarketo.CLIENT_SECRET).doesNotContain("Zx9%2BQp%3DLm%26Kv");
  }

  // ---- verify ----

  @Test
  void verify_healthy_signsInChecksFieldsAndSendsMarketplaceTestLead() {
    VerificationReport report = sink(b -> b.leadIdField("leadRouterLeadId")).verify();

    assertThat(report.passed()).as("%s", report).isTrue();
    assertThat(report.steps()).extracting(Step::name, Step::status).containsExactly(
        tuple("token", Status.PASSED),
        tuple("fields", Status.PASSED),
        tuple("opt-out field", Status.PASSED),
        tuple("test lead", Status.PASSED));
    long ticks = START.toEpochMilli() * 10_000L + 621_355_968_000_000_000L;
    String t = "MSFT_TEST_" + ticks;
    assertThat(fake.count("email", t + "@test.com")).isEqualTo(1);
    JsonNode held = fake.leads().get(0);
    assertThat(held.path("firstName").asText()).isEqualTo(t);
    assertThat(held.path("company").asText()).isEqualTo(t);
    assertThat(held.path("phone").asText()).isEqualTo("1234567890");
    assertThat(held.path("leadSource").asText()).isEqualTo(t + "-" + t + "|LeadRouter verify");
    assertThat(held.path("leadRouterLeadId").asText()).isEqualTo(t);
    assertThat(held.path("title").asText()).isEqualTo(t);
    assertThat(held.has("unsubscribed")).as("the test lead is no DNC").isFalse();
  }

  @Test
  void verify_unsubscribedNotVisibleToTheApiUser_failsWithTheFix() {
    fake.dropField("unsubscribed");
    VerificationReport report = sink(b -> b).verify();
    assertThat(report.steps()).extracting(Step::name, Step::status).containsExactly(
        tuple("token", Status.PASSED),
        tuple("fields", Status.PASSED),
        tuple("opt-out field", Status.FAILED),
        tuple("test lead", Status.SKIPPED));
    Step step = report.steps().get(2);
    assertThat(step.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.OPT_OUT_FIELD_MISSING);
    assertThat(step.detail()).contains("sets unsubscribed").contains("DNC leads would be skipped");
    assertThat(step.diagnosis().orElseThrow().remediation()).contains("Unsubscribed");
    assertThat(fake.syncCalls()).isEmpty();
  }

  @Test
  void deliver_dncLead_setsUnsubscribedTrue_otherLeadsLeaveItAlone() throws Exception {
    MarketoSink sink = sink(b -> b);
    sink.deliverBatch(List.of(SampleLeads.doNotContact(), SampleLeads.azureMarketplaceInstall()));
    JsonNode dnc = fake.leads().stream().filter(l -> l.path("email").asText().startsWith("sam.")).findFirst()
        .orElseThrow();
    assertThat(dnc.path("unsubscribed").isBoolean()).isTrue();
    assertThat(dnc.path("unsubscribed").asBoolean()).isTrue();
    assertThat(fake.leads()).filteredOn(l -> !l.path("email").asText().startsWith("sam."))
        .allSatisfy(l -> assertThat(l.has("unsubscribed")).isFalse());
  }

  @Test
  void deliver_dncLeadWhenUnsubscribedIsGone_isSkippedPermanentlyWithFieldNotFound() {
    fake.dropField("unsubscribed");
    PermanentDeliveryException t = catchThrowableOfType(
        () -> sink(b -> b).deliver(SampleLeads.doNotContact()), PermanentDeliveryException.class);
    assertThat(t).isNotNull();
    assertThat(t.diagnosis().orElseThrow().code())
        .isEqualTo(MarketoErrors.FIELD_NOT_FOUND);
  }

  @Test
  void verify_mappedFieldsMissing_namesThemAndSkipsTheTestLead() {
    fake.dropField("leadRouterLeadId");
    VerificationReport report = sink(b -> b.leadIdField("leadRouterLeadId").map(LeadField.OFFER_TITLE, "offerName"))
        .verify();

    assertThat(report.passed()).isFalse();
    Step fields = report.steps().get(1);
    assertThat(fields.status()).isEqualTo(Status.FAILED);
    assertThat(fields.diagnosis().orElseThrow().code()).isEqualTo("MARKETO_FIELD_NOT_FOUND");
    assertThat(fields.detail()).isEqualTo("Marketo has no lead field with REST API name offerName, leadRouterLeadId");
    assertThat(fields.diagnosis().orElseThrow().remediation()).isEqualTo("create them in Admin > Field Management"
        + " (custom string fields), or correct mapping.offerTitle, leadIdField");
    assertThat(report.steps().get(3).status()).isEqualTo(Status.SKIPPED);
    assertThat(fake.syncCalls()).isEmpty();
  }

  @Test
  void verify_badCredentials_failsAtTokenWithAuthDiagnosis() {
    VerificationReport report = sink(b -> b.clientSecret(Secret.of("wrong"))).verify();

    assertThat(report.steps()).extracting(Step::status)
        .containsExactly(Status.FAILED, Status.SKIPPED, Status.SKIPPED, Status.SKIPPED);
    assertThat(report.failures().get(0).diagnosis().orElseThrow().code()).isEqualTo("MARKETO_AUTH_FAILED");
  }

  @Test
  void toString_showsSettingsNeverTheSecret() {
    MarketoSink sink = sink(b -> b.leadIdField("leadRouterLeadId"));
    assertThat(sink).hasToString("MarketoSink[endpoint=" + fake.rest()
        + ", mode=upsert, match=email, lookupField=email, leadIdField=leadRouterLeadId]");
    assertThat(sink.config().toString()).doesNotContain(FakeMarketo.CLIENT_SECRET).contains("Secret[******]");
  }

  private interface Delivery {
    DeliveryResult run(int i) throws DeliveryException;
  }

  /** Runs {@code n} deliveries at once (released together by a latch) and waits, bounded, for all. */
  private static List<DeliveryResult> concurrently(int n, Delivery delivery) throws Exception {
    return AtOnce.run(n, delivery::run);
  }
}
