package io.leadrouter.marketo;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Sync Leads answers that are not what Adobe documents ({@code {"requestId","success":true,"result":[{"seq":i,
 * "status":..}]}}, one result per input): a lead whose result is missing, doubled or without status is never counted
 * delivered, and an answer without Marketo's envelope is retried, not dead-lettered.
 */
class MarketoEdgeAnswersTest {
  private static final Instant START = Instant.parse("2026-11-25T10:15:30Z");
  private static final MutableClock CLOCK = new MutableClock(START);
  @RegisterExtension static final FakeMarketo fake = new FakeMarketo(CLOCK);
  private final List<MarketoSink> sinks = new ArrayList<>();

  private final List<com.github.tomakehurst.wiremock.stubbing.StubMapping> stubs = new ArrayList<>();

  @AfterEach
  void closeSinksAndRemoveStubs() {
    sinks.forEach(MarketoSink::close);
    stubs.forEach(fake.server()::removeStub);
  }

  private MarketoSink sink() {
    MarketoSink sink = fake.sinkBuilder().clock(CLOCK).build();
    sinks.add(sink);
    return sink;
  }

  private static List<Lead> leads(int n) {
    return IntStream.range(0, n).mapToObj(i -> Lead.builder().id(LeadId.of("lead-" + i)).createdTime(START)
        .firstName("Lead").lastName("No" + i).email(String.format("lead-%03d@contoso.com", i)).country("US")
        .company("Contoso").source("AzureMarketplace-INS|contoso.crm-connector").build()).toList();
  }

  private void syncLeadsAnswers(String body) {
    stubs.add(fake.server().stubFor(post(urlPathEqualTo("/rest/v1/leads.json")).atPriority(1).willReturn(okJson(body))));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      // the same seq twice: lead 2 has no result
      "[{\"id\":1,\"status\":\"created\",\"seq\":0},{\"id\":2,\"status\":\"updated\",\"seq\":1},"
          + "{\"id\":3,\"status\":\"created\",\"seq\":1}]",
      // a result without seq lands on a seq another result names
      "[{\"id\":1,\"status\":\"created\",\"seq\":1},{\"id\":2,\"status\":\"created\"},"
          + "{\"id\":3,\"status\":\"created\",\"seq\":0}]",
      // a result without status
      "[{\"id\":1,\"status\":\"created\",\"seq\":0},{\"id\":2,\"seq\":1},{\"id\":3,\"status\":\"created\",\"seq\":2}]"})
  void deliverBatch_resultsThatLeaveALeadUnconfirmed_noLeadCountsDeliveredAndAllAreRetried(String result)
      throws Exception {
    syncLeadsAnswers("{\"requestId\":\"e42b#14272d07d78\",\"success\":true,\"result\":" + result + "}");

    List<BatchItemResult> out = sink().deliverBatch(leads(3));

    assertThat(out).hasSize(3).allSatisfy(r -> assertThat(r.failure()).hasValueSatisfying(f -> assertThat(f)
        .isInstanceOf(TransientDeliveryException.class)
        .satisfies(e -> assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.UNEXPECTED_RESPONSE))));
  }

  @Test
  void deliverBatch_resultsOutOfOrderWithSeq_eachLeadGetsItsOwnResult() throws Exception {
    syncLeadsAnswers("{\"requestId\":\"e42b#1\",\"success\":true,\"result\":[{\"id\":30,\"status\":\"created\","
        + "\"seq\":2},{\"id\":10,\"status\":\"updated\",\"seq\":0},{\"status\":\"skipped\",\"seq\":1,\"reasons\":"
        + "[{\"code\":\"1007\",\"message\":\"Multiple lead match lookup criteria\"}]}]}");

    List<BatchItemResult> out = sink().deliverBatch(leads(3));

    assertThat(out.get(0).result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(out.get(0).result().orElseThrow().recordId()).hasValue("10");
    assertThat(out.get(1).failure().orElseThrow().diagnosis().orElseThrow().code())
        .isEqualTo(MarketoErrors.MULTIPLE_LEADS_MATCH);
    assertThat(out.get(2).result().orElseThrow().recordId()).hasValue("30");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{}", "{\"requestId\":\"e42b#1\"}", "{\"requestId\":\"e42b#1\",\"success\":\"yes\"}",
      "{\"requestId\":\"e42b#1\",\"success\":false}", "{\"requestId\":\"e42b#1\",\"success\":false,\"errors\":[]}"})
  void deliver_200WithoutMarketosEnvelope_isRetriedNotDeadLettered(String body) {
    syncLeadsAnswers(body);

    DeliveryException e = org.assertj.core.api.Assertions.catchThrowableOfType(DeliveryException.class,
        () -> sink().deliver(leads(1).get(0)));

    assertThat(e).isInstanceOf(TransientDeliveryException.class);
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.UNEXPECTED_RESPONSE);
  }

  /**
   * A redirect from the identity or the REST endpoint (a wrong Munchkin URL, a proxy's sign-in page) is not followed
   * (the identity request carries the client secret) and names the URL setting to correct, not the credentials.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/identity/oauth/token", "/rest/v1/leads.json"})
  void deliver_endpointRedirecting_namesTheUrlSettingNotTheCredentials(String path) {
    stubs.add(fake.server().stubFor(com.github.tomakehurst.wiremock.client.WireMock.any(urlPathEqualTo(path))
        .atPriority(1).willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(302)
            .withHeader("Location", "https://app-ab01.marketo.com/homepage/login"))));

    DeliveryException e = org.assertj.core.api.Assertions.catchThrowableOfType(DeliveryException.class,
        () -> sink().deliver(leads(1).get(0)));

    String setting = path.startsWith("/identity") ? "identity" : "endpoint";
    assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.ENDPOINT_NOT_FOUND);
    assertThat(e.diagnosis().orElseThrow().message()).contains("302", "redirect", "app-ab01.marketo.com")
        .doesNotContain("/homepage");
    assertThat(e.diagnosis().orElseThrow().remediation()).contains("set " + setting + " to")
        .doesNotContain("clientSecret");
    assertThat(fake.leads()).isEmpty();
  }

  /**
   * Marketo's own texts (a record's skip reason, a response-level error, their codes) go into diagnoses, logs and the
   * journal: a hostile or broken peer's megabyte of text, or a line break forging a log line, comes out as one bounded
   * line, the customer's e-mail still masked.
   */
  @Test
  void deliver_hugeMultiLineReasonsAndErrors_areQuotedInOneBoundedLine() {
    String huge = "Invalid value for lead-000@contoso.com\\n2026-11-25 INFO forged log line " + "x".repeat(200_000);
    syncLeadsAnswers("{\"requestId\":\"e42b#1\",\"success\":true,\"result\":[{\"seq\":0,\"status\":\"skipped\","
        + "\"reasons\":[{\"code\":\"1003" + "9".repeat(100_000) + "\",\"message\":\"" + huge + "\"}]}]}");
    DeliveryException skipped = org.assertj.core.api.Assertions.catchThrowableOfType(DeliveryException.class,
        () -> sink().deliver(leads(1).get(0)));
    stubs.forEach(fake.server()::removeStub);
    syncLeadsAnswers("{\"requestId\":\"e42b#2\",\"success\":false,\"errors\":[{\"code\":\"612\",\"message\":\""
        + huge + "\"}]}");
    DeliveryException refused = org.assertj.core.api.Assertions.catchThrowableOfType(DeliveryException.class,
        () -> sink().deliver(leads(1).get(0)));

    for (DeliveryException e : List.of(skipped, refused)) {
      io.leadrouter.spi.Diagnosis d = e.diagnosis().orElseThrow();
      assertThat(d.message()).contains("Invalid value for").hasSizeLessThan(1000).doesNotContain("\n")
          .doesNotContain("lead-000@contoso.com");
      assertThat(d.remediation()).hasSizeLessThan(1000);
      assertThat(e.getMessage()).hasSizeLessThan(2000).doesNotContain("\n");
    }
  }

  /**
   * Adobe documents {@code reasons} as an array: a lead skipped for several (a missing field and a bad value) gets a
   * diagnosis naming every reason, so the user fixes them all at once; many reasons stay one bounded line.
   */
  @Test
  void deliver_skippedForSeveralReasons_diagnosisNamesEveryReasonBounded() {
    syncLeadsAnswers("{\"requestId\":\"e42b#1\",\"success\":true,\"result\":[{\"seq\":0,\"status\":\"skipped\","
        + "\"reasons\":[{\"code\":\"1006\",\"message\":\"Field 'crmSource' not found\"},"
        + "{\"code\":\"1003\",\"message\":\"Value 'lead-000@contoso.com' for field 'altEmail' is invalid\"},"
        + "{\"code\":\"1007\",\"message\":\"Multiple leads match the lookup criteria\"}]}]}");
    DeliveryException three = org.assertj.core.api.Assertions.catchThrowableOfType(DeliveryException.class,
        () -> sink().deliver(leads(1).get(0)));
    stubs.forEach(fake.server()::removeStub);
    StringBuilder many = new StringBuilder();
    for (int i = 0; i < 40; i++) {
      many.append(i == 0 ? "" : ",").append("{\"code\":\"10").append(10 + i).append("\",\"message\":\"reason ")
          .append((char) ('a' + i)).append("\\nINFO forged ").append("x".repeat(5_000)).append("\"}");
    }
    syncLeadsAnswers("{\"requestId\":\"e42b#2\",\"success\":true,\"result\":[{\"seq\":0,\"status\":\"skipped\","
        + "\"reasons\":[" + many + "]}]}");
    DeliveryException forty = org.assertj.core.api.Assertions.catchThrowableOfType(DeliveryException.class,
        () -> sink().deliver(leads(1).get(0)));

    io.leadrouter.spi.Diagnosis d = three.diagnosis().orElseThrow();
    assertThat(d.code()).isEqualTo(MarketoErrors.FIELD_NOT_FOUND);
    assertThat(d.message()).contains("1006 Field 'crmSource' not found",
        "1003 Value 'l", "for field 'altEmail' is invalid", "1007 Multiple leads match the lookup criteria")
        .doesNotContain("lead-000@contoso.com");
    io.leadrouter.spi.Diagnosis d40 = forty.diagnosis().orElseThrow();
    assertThat(d40.message())
        .contains("1010 reason a", "1011 reason b INFO forged", "1014 reason e", "and 35 more reasons")
        .doesNotContain("1015").doesNotContain("\n").hasSizeLessThan(1000);
    assertThat(forty.getMessage()).doesNotContain("\n").hasSizeLessThan(2000);
  }
}
