package io.leadrouter.salesforce;

import io.leadrouter.testkit.MutableClock;
import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.spi.VerificationReport.Status;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class WebToLeadSinkTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-11-25T23:58:00Z"));
  private final List<WebToLeadSink> sinks = new ArrayList<>();


  @AfterEach
  void closeSinks() {
    sinks.forEach(WebToLeadSink::close);
  }

  private WebToLeadSink.Builder builder() {
    return WebToLeadSink.builder().orgId(FakeSalesforce.ORG_ID).endpoint(fake.webToLeadUrl())
        .leadIdField(FakeSalesforce.LEAD_ID_FORM_FIELD).timeout(Duration.ofSeconds(5)).clock(clock);
  }

  private WebToLeadSink open(WebToLeadSink.Builder b) {
    WebToLeadSink sink = b.build();
    sinks.add(sink);
    return sink;
  }

  private SalesforceCredentials credentials() {
    return SalesforceCredentials.of(fake.url(), FakeSalesforce.CLIENT_ID, Secret.of(FakeSalesforce.CLIENT_SECRET));
  }

  /**
   * Web-to-Lead answers 200 whatever happens to the lead; a redirect (a moved endpoint, a proxy's sign-in page) means
   * the servlet never took it: not handed off, its daily slot given back, retried with a diagnosis naming the fix.
   */
  @Test
  void deliver_redirectAnswer_isNotHandedOffButRetriedAndSpendsNoSlot() {
    fake.server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(
        com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(FakeSalesforce.WEB_TO_LEAD)).atPriority(1)
        .willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(302)
            .withHeader("Location", "https://login.proxy.example/sso?return=" + FakeSalesforce.ORG_ID)));
    WebToLeadSink sink = open(builder());

    Throwable e = org.assertj.core.api.Assertions.catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));

    assertThat(e).isInstanceOf(io.leadrouter.spi.TransientDeliveryException.class);
    io.leadrouter.spi.Diagnosis d = ((io.leadrouter.spi.DeliveryException) e).diagnosis().orElseThrow();
    assertThat(d.code()).isEqualTo(SalesforceErrors.WEB_TO_LEAD_REJECTED);
    assertThat(d.message()).contains("HTTP 302", "login.proxy.example", "not taken").doesNotContain("sso?return");
    assertThat(sink.sentToday()).isZero();
  }

  @Test
  void deliver_postsUtf8FormWithOidMappedFieldsAndLeadId() throws Exception {
    Lead lead = SampleLeads.unicodeNames();
    DeliveryResult result = open(builder()).deliver(lead);

    assertThat(result).isEqualTo(DeliveryResult.handedOff());
    LoggedRequest r = fake.requests(FakeSalesforce.WEB_TO_LEAD).get(0);
    assertThat(r.getUrl()).isEqualTo("/servlet/servlet.WebToLead?encoding=UTF-8");
    assertThat(r.getHeader("Content-Type")).startsWith("application/x-www-form-urlencoded");
    assertThat(FakeSalesforce.form(r.getBodyAsString())).containsExactlyEntriesOf(new java.util.LinkedHashMap<>(
        Map.ofEntries()) {
      {
        put("oid", FakeSalesforce.ORG_ID);
        put("first_name", "Zoë");
        put("last_name", "Ñúñez-山田");
        put("email", "zoe@müller-gmbh.example");
        put("phone", "+49 30 5555 0100");
        put("company", "Müller & Söhne 株式会社");
        put("title", "Geschäftsführerin ✓");
        put("country", "DE");
        put("lead_source", "AzureMarketplace-INS|contoso.crm-connector");
        put(FakeSalesforce.LEAD_ID_FORM_FIELD, lead.id().value());
      }
    });
  }

  /**
   * Salesforce's servlet decodes a form as ISO-8859-1 unless the URL says {@code encoding=UTF-8}: an endpoint set
   * without it (a sandbox URL copied bare) or with another charset still posts with it, other parameters kept.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', value = {
      "''|?encoding=UTF-8", "?encoding=ISO-8859-1|?encoding=UTF-8", "?orgTag=x&encoding=utf-8|?orgTag=x&encoding=UTF-8"})
  void deliver_endpointWithoutUtf8Encoding_postsWithEncodingUtf8(String query, String sent) throws Exception {
    WebToLeadSink sink = open(builder().endpoint(java.net.URI.create(fake.url() + FakeSalesforce.WEB_TO_LEAD + query)));

    sink.deliver(SampleLeads.unicodeNames());

    LoggedRequest r = fake.requests(FakeSalesforce.WEB_TO_LEAD).get(0);
    assertThat(r.getUrl()).isEqualTo(FakeSalesforce.WEB_TO_LEAD + sent);
    assertThat(FakeSalesforce.form(r.getBodyAsString())).containsEntry("first_name", "Zoë");
  }

  @Test
  void deliver_sameLeadTwice_postsTwiceAndReportsHandedOff() throws Exception {
    WebToLeadSink sink = open(builder());
    Lead lead = SampleLeads.azureMarketplaceInstall();
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.HANDED_OFF);
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.HANDED_OFF);
    assertThat(fake.webToLeadPosts(lead)).as("no upsert: the publisher dedupes by the LeadId field").isEqualTo(2);
  }

  @Test
  void capabilities_stateNoUpsertAndNoConfirmation() {
    SinkCapabilities c = open(builder()).capabilities();
    assertThat(c.upsert()).isFalse();
    assertThat(c.confirmsDelivery()).isFalse();
    assertThat(c.maxBatchSize()).isEqualTo(1);
  }

  @Test
  void deliver_dailyLimitReached_quotaUntilNextUtcMidnightWithoutPosting() throws Exception {
    WebToLeadSink sink = open(builder().dailyLimit(3));
    for (int i = 0; i < 3; i++) {
      sink.deliver(SampleLeads.testDrive());
    }
    Throwable t = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));

    assertThat(t).isInstanceOf(QuotaExceededException.class);
    QuotaExceededException q = (QuotaExceededException) t;
    assertThat(q.resumeAt()).isEqualTo(Instant.parse("2026-11-26T00:00:00Z"));
    assertThat(q.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_WEB_TO_LEAD_DAILY_LIMIT");
    assertThat(q.diagnosis().orElseThrow().message()).isEqualTo("this sink has sent 3 of the org's 3 Web-to-Lead "
        + "requests for 2026-11-25 (Z); Salesforce would not create more leads today");
    assertThat(fake.webToLeadForms()).hasSize(3);

    clock.set(Instant.parse("2026-11-26T00:00:01Z"));
    assertThat(sink.deliver(SampleLeads.testDrive()).outcome()).isEqualTo(DeliveryOutcome.HANDED_OFF);
    assertThat(sink.sentToday()).isEqualTo(1);
  }

  @Test
  void dailyCount_keptInTheJournal_survivesARestart(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    java.nio.file.Path db = dir.resolve("journal.db");
    clock.set(Instant.parse("2026-11-25T10:00:00Z"));
    // first run: 2 of today's 3 (the routers keep the sink's time: their maintenance forgets past days' counts)
    WebToLeadSink first = open(builder().dailyLimit(3));
    try (io.leadrouter.LeadRouter router = io.leadrouter.LeadRouter.builder().clock(clock)
        .journal(io.leadrouter.journal.SqliteJournal.open(db)).addSink("w2l", first).defaultRoute("w2l").build()) {
      for (int i = 0; i < 2; i++) {
        router.route(SampleLeads.testDrive().toBuilder().id("day1-" + i).build()).allDelivered()
            .get(30, java.util.concurrent.TimeUnit.SECONDS);
      }
      assertThat(first.sentToday()).isEqualTo(2);
    }
    // restarted: a new sink (its memory empty) on the same journal knows today's 2, sends 1 more and stops
    WebToLeadSink second = open(builder().dailyLimit(3));
    try (io.leadrouter.LeadRouter router = io.leadrouter.LeadRouter.builder().clock(clock)
        .journal(io.leadrouter.journal.SqliteJournal.open(db)).addSink("w2l", second).defaultRoute("w2l").build()) {
      router.route(SampleLeads.testDrive().toBuilder().id("day1-2").build()).allDelivered()
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(second.sentToday()).isEqualTo(3);
      io.leadrouter.LeadId over = io.leadrouter.LeadId.of("day1-3");
      router.route(SampleLeads.testDrive().toBuilder().id(over).build());
      long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (router.journal().deliveries(over).get(0).state() != io.leadrouter.journal.DeliveryState.PARKED) {
        assertThat(System.nanoTime()).as("the fourth lead parked for the quota within 30 s").isLessThan(end);
        Thread.sleep(20); // polling, not timing
      }
    }
    assertThat(fake.webToLeadForms()).as("the org got 3 requests that day, not 5").hasSize(3);
  }

  @Test
  void deliver_dailyLimitInOrgTimeZone_resumesAtTheOrgsMidnight() throws Exception {
    WebToLeadSink sink = open(builder().dailyLimit(1).timeZone(ZoneId.of("America/Los_Angeles")));
    sink.deliver(SampleLeads.testDrive()); // 15:58 in Los Angeles
    QuotaExceededException q = (QuotaExceededException) catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));
    assertThat(q.resumeAt()).isEqualTo(Instant.parse("2026-11-26T08:00:00Z"));
    clock.advance(Duration.ofHours(1)); // past UTC midnight, still the same day in Los Angeles
    assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
        .isInstanceOf(QuotaExceededException.class);
  }

  @Test
  void deliver_dailyLimit_acrossADaylightSavingChange_resumesAtTheOrgsNextMidnight_evenOneThatDoesNotExist()
      throws Exception {
    // Chile starts summer time at midnight: 2026-09-06 00:00 does not exist there, the day starts at 01:00 (-03)
    clock.set(Instant.parse("2026-09-06T03:30:00Z")); // 23:30 on the 5th in Santiago (-04)
    WebToLeadSink chile = open(builder().dailyLimit(1).timeZone(ZoneId.of("America/Santiago")));
    chile.deliver(SampleLeads.testDrive());
    QuotaExceededException q = (QuotaExceededException) catchThrowable(() -> chile.deliver(SampleLeads.testDrive()));
    assertThat(q.resumeAt()).isEqualTo(Instant.parse("2026-09-06T04:00:00Z"));
    // Los Angeles ends summer time on 2026-11-01: that day has 25 hours; its next midnight is 08:00Z, not 07:00Z
    clock.set(Instant.parse("2026-11-01T07:30:00Z")); // 00:30 PDT on the 1st
    WebToLeadSink la = open(builder().dailyLimit(1).timeZone(ZoneId.of("America/Los_Angeles")));
    la.deliver(SampleLeads.testDrive());
    q = (QuotaExceededException) catchThrowable(() -> la.deliver(SampleLeads.testDrive()));
    assertThat(q.resumeAt()).isEqualTo(Instant.parse("2026-11-02T08:00:00Z"));
  }

  @Test
  void deliver_serverError_transientAndSlotGivenBack() throws Exception {
    WebToLeadSink sink = open(builder().dailyLimit(1));
    fake.failTransiently();
    assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
        .isInstanceOf(TransientDeliveryException.class).hasMessage("Web-to-Lead answered HTTP 503");
    fake.reset();
    assertThat(sink.deliver(SampleLeads.testDrive()).outcome()).isEqualTo(DeliveryOutcome.HANDED_OFF);
  }

  /**
   * A form set off at 23:59:59 and refused (503) after midnight gives its slot back to the day it was taken from, not
   * to the new day: before, the new day's only slot (spent by another form) was freed and a third form went out.
   */
  @Test
  void deliver_refusedAfterMidnight_givesTheSlotBackToTheDayItWasTaken_notTheNewDay() throws Exception {
    clock.set(Instant.parse("2026-11-25T23:59:59Z"));
    java.util.concurrent.atomic.AtomicReference<WebToLeadSink> self = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
    List<DeliveryOutcome> duringTheFirst = new ArrayList<>();
    // while the first form is on its way, midnight passes and another form spends the new day's one slot
    okhttp3.OkHttpClient base = new okhttp3.OkHttpClient.Builder().addInterceptor(chain -> {
      if (first.getAndSet(false)) {
        clock.set(Instant.parse("2026-11-26T00:00:01Z"));
        try {
          duringTheFirst.add(self.get().deliver(SampleLeads.testDrive()).outcome());
        } catch (io.leadrouter.spi.DeliveryException e) {
          throw new AssertionError(e);
        }
        return new okhttp3.Response.Builder().request(chain.request()).protocol(okhttp3.Protocol.HTTP_1_1).code(503)
            .message("Service Unavailable").body(okhttp3.ResponseBody.create("", null)).build();
      }
      return chain.proceed(chain.request());
    }).build();
    WebToLeadSink sink = open(builder().dailyLimit(1).httpClient(base));
    self.set(sink);

    assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
        .isInstanceOf(TransientDeliveryException.class).hasMessage("Web-to-Lead answered HTTP 503");
    assertThat(duringTheFirst).containsExactly(DeliveryOutcome.HANDED_OFF);

    assertThat(sink.sentToday()).as("the 26th's one slot stays spent").isEqualTo(1);
    assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
        .isInstanceOf(QuotaExceededException.class);
    assertThat(fake.webToLeadForms()).as("one form reached the org on the 26th").hasSize(1);
  }

  /**
   * A day's count is read only on its day: the journal forgets it a whole day after the day ended, and not before;
   * before, every day left its row in {@code lr_counters} for ever.
   */
  @Test
  void dailyCount_inTheJournal_isForgottenADayAfterItsDay(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    clock.set(Instant.parse("2026-11-25T10:00:00Z"));
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(dir.resolve("j.db"))) {
      io.leadrouter.spi.SinkCounters counters = journal.counters("w2l").orElseThrow();
      WebToLeadSink sink = open(builder());
      sink.useCounters(counters);
      sink.deliver(SampleLeads.testDrive());
      assertThat(counters.get("webToLead.sent.2026-11-25")).isEqualTo(1);

      assertThat(journal.pruneCounters(Instant.parse("2026-11-26T23:59:59Z"))).as("the day after").isZero();
      assertThat(counters.get("webToLead.sent.2026-11-25")).isEqualTo(1);
      assertThat(journal.pruneCounters(Instant.parse("2026-11-27T00:00:01Z"))).isEqualTo(1);
      assertThat(counters.get("webToLead.sent.2026-11-25")).isZero();
    }
  }

  /** The same across midnight with the count in the journal: the slot goes back to the 25th's counter. */
  @Test
  void dailyCount_inTheJournal_slotFreedAfterMidnight_goesBackToItsOwnDay(
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    clock.set(Instant.parse("2026-11-25T23:59:59Z"));
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(dir.resolve("j.db"))) {
      io.leadrouter.spi.SinkCounters counters = journal.counters("w2l").orElseThrow();
      java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
      okhttp3.OkHttpClient base = new okhttp3.OkHttpClient.Builder().addInterceptor(chain -> {
        if (first.getAndSet(false)) {
          clock.set(Instant.parse("2026-11-26T00:00:01Z"));
          counters.incrementBelow("webToLead.sent.2026-11-26", 1); // another router on this journal sent one
          return new okhttp3.Response.Builder().request(chain.request()).protocol(okhttp3.Protocol.HTTP_1_1)
              .code(503).message("Service Unavailable").body(okhttp3.ResponseBody.create("", null)).build();
        }
        return chain.proceed(chain.request());
      }).build();
      WebToLeadSink sink = open(builder().dailyLimit(1).httpClient(base));
      sink.useCounters(counters);

      assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
          .isInstanceOf(TransientDeliveryException.class);

      assertThat(counters.get("webToLead.sent.2026-11-25")).isZero();
      assertThat(counters.get("webToLead.sent.2026-11-26")).isEqualTo(1);
      assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
          .isInstanceOf(QuotaExceededException.class);
    }
  }

  /**
   * A gateway's 502/504 leaves the form's fate unknown (dead-lettered OUTCOME_UNKNOWN, not re-sent): Salesforce may
   * have created the Lead, so its slot stays spent like a timeout's. Before, the slot was given back.
   */
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(ints = {502, 504})
  void deliver_gatewayAnswer_keepsTheSlotSpent(int status) {
    fake.server.stubFor(post(urlPathEqualTo(FakeSalesforce.WEB_TO_LEAD)).atPriority(1)
        .willReturn(aResponse().withStatus(status)));
    WebToLeadSink sink = open(builder().dailyLimit(1));

    Throwable t = catchThrowable(() -> sink.deliver(SampleLeads.testDrive()));

    assertThat(t).isInstanceOf(PermanentDeliveryException.class);
    assertThat(((PermanentDeliveryException) t).diagnosisValue().code())
        .isEqualTo(SalesforceErrors.WEB_TO_LEAD_OUTCOME_UNKNOWN);
    assertThat(sink.sentToday()).as("the form may have been taken").isEqualTo(1);
    assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
        .isInstanceOf(QuotaExceededException.class);
  }

  /**
   * The warning of an unknown outcome named the lead by its id as sent: a sender may make it of the customer's e-mail
   * or phone ({@code form:...@...}, {@code tel-...}), which the router's own log lines mask and this one showed.
   */
  @Test
  void deliver_outcomeUnknown_theWarningMasksALeadIdMadeOfTheCustomersAddressOrPhone() {
    fake.server.stubFor(post(urlPathEqualTo(FakeSalesforce.WEB_TO_LEAD)).atPriority(1)
        .willReturn(aResponse().withStatus(504)));
    WebToLeadSink sink = open(builder());
    String log;
    try (io.leadrouter.testkit.OutputCapture out = io.leadrouter.testkit.OutputCapture.start()) {
      for (String id : java.util.List.of("form:ottoline.vexcombe@contoso.com", "tel-4915112345678")) {
        io.leadrouter.Lead lead = io.leadrouter.Lead.builder().id(id).email("ottoline.vexcombe@contoso.com")
            .lastName("Vexcombe").company("Contoso").build();
        assertThat(catchThrowable(() -> sink.deliver(lead))).isInstanceOf(PermanentDeliveryException.class);
      }
      log = out.text();
    }
    assertThat(log).contains("Web-to-Lead outcome unknown for lead form:o***@contoso.com",
        "Web-to-Lead outcome unknown for lead tel-***78").doesNotContain("ottoline", "4915112345678");
  }

  @Test
  void deliver_endpointNotFound_permanentNamingTheDefault() {
    fake.server.stubFor(post(urlPathEqualTo(FakeSalesforce.WEB_TO_LEAD)).atPriority(1)
        .willReturn(aResponse().withStatus(404)));
    Throwable t = catchThrowable(() -> open(builder()).deliver(SampleLeads.testDrive()));
    assertThat(t).isInstanceOf(PermanentDeliveryException.class);
    assertThat(((PermanentDeliveryException) t).diagnosisValue()).isEqualTo(new Diagnosis(
        "SALESFORCE_WEB_TO_LEAD_REJECTED",
        "the Web-to-Lead endpoint 127.0.0.1/servlet/servlet.WebToLead answered HTTP 404",
        "set endpoint to https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8 (or remove it to "
            + "use that default)"));
  }

  @Test
  void deliver_unreachable_transient() {
    WebToLeadSink sink = open(builder().endpoint(java.net.URI.create("http://127.0.0.1:1/servlet")));
    assertThat(catchThrowable(() -> sink.deliver(SampleLeads.testDrive())))
        .isInstanceOf(TransientDeliveryException.class).hasMessageStartingWith("Web-to-Lead POST to 127.0.0.1 failed");
    assertThat(sink.sentToday()).as("a refused connection never reached Salesforce").isZero();
  }

  @Test
  void verify_withoutRestCredentials_warnsAboutSilentBlockersAndSendsTestLead() {
    VerificationReport report = open(builder()).verify();

    assertThat(report.passed()).isTrue();
    assertThat(report.steps()).extracting(VerificationReport.Step::name, VerificationReport.Step::status)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("org id", Status.PASSED),
            org.assertj.core.groups.Tuple.tuple("lead fields", Status.WARNING),
            org.assertj.core.groups.Tuple.tuple("test lead", Status.PASSED));
    assertThat(report.steps().get(1).diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_WEB_TO_LEAD_BLOCKERS");
    Map<String, String> form = fake.webToLeadForms().get(0);
    assertThat(form.get("last_name")).matches("MSFT_TEST_\\d+");
    assertThat(form.get("email")).matches("MSFT_TEST_\\d+@test\\.com");
    assertThat(form.get("phone")).isEqualTo("1234567890");
  }

  @Test
  void build_invalidOrgId_isRefusedSoNothingIsPosted() {
    // build() is the one place settings are checked: an invalid org id never makes a sink that could post
    assertThatThrownBy(() -> open(builder().orgId("00X5e000000AbCd")))
        .isInstanceOf(io.leadrouter.ConfigurationException.class)
        .hasMessage("invalid configuration: orgId: '00X5e000000AbCd' is not a Salesforce org id (15 or 18 letters "
            + "and digits starting 00D) (copy the Organization ID from Setup > Company Information)");
    assertThat(fake.webToLeadForms()).isEmpty();
  }

  @Test
  void orgIdProblem_checksLengthPrefixAndChecksum() {
    assertThat(WebToLeadConfig.orgIdProblem("00D5e000000AbCd")).isEmpty();
    assertThat(WebToLeadConfig.orgIdProblem("00D5e000000AbCdEAK")).isEmpty();
    assertThat(WebToLeadConfig.orgIdProblem("00D5e000000AbCdAAA")).contains(
        "'00D5e000000AbCdAAA' has a wrong 18-character checksum (last 3 characters)");
    assertThat(WebToLeadConfig.orgIdProblem("00D5e000000AbC")).isPresent();
  }

  @Test
  void verify_withRestCredentialsAndRequiredCustomField_failsNamingItWithoutPosting() {
    fake.describeWith(true, false);
    VerificationReport report = open(builder().restCredentials(credentials())).verify();
    assertThat(report.passed()).isFalse();
    VerificationReport.Step step = report.failures().get(0);
    assertThat(step.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_WEB_TO_LEAD_BLOCKERS");
    assertThat(step.detail()).isEqualTo("Lead requires Region__c, which this sink does not send: Web-to-Lead "
        + "silently drops every lead");
    assertThat(fake.webToLeadForms()).isEmpty();
  }

  @Test
  void verify_withRestCredentialsAndRestrictedLeadSource_warns() {
    fake.describeWith(false, true);
    VerificationReport report = open(builder().restCredentials(credentials())).verify();
    assertThat(report.passed()).isTrue();
    assertThat(report.steps()).filteredOn(s -> s.status() == Status.WARNING).singleElement()
        .satisfies(s -> assertThat(s.detail()).contains("LeadSource (allowed: [Web, Partner Referral])"));
  }

  @Test
  void verify_withRestCredentialsAndCleanLead_passesEveryStep() {
    VerificationReport report = open(builder().restCredentials(credentials())).verify();
    assertThat(report.steps()).extracting(VerificationReport.Step::status)
        .containsExactly(Status.PASSED, Status.PASSED, Status.PASSED, Status.PASSED, Status.PASSED);
    assertThat(report.steps().get(3).name()).isEqualTo("opt-out fields");
  }

  @Test
  void verify_withRestCredentialsAndOptOutFieldHidden_failsWithoutPosting() {
    fake.hideField("HasOptedOutOfEmail");
    VerificationReport report = open(builder().restCredentials(credentials())).verify();
    assertThat(report.failures()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("opt-out fields");
      assertThat(s.diagnosis().orElseThrow().code()).isEqualTo(SalesforceErrors.OPT_OUT_FIELD_MISSING);
      assertThat(s.detail()).contains("HasOptedOutOfEmail").contains("Web-to-Lead would silently drop DNC leads");
    });
    assertThat(fake.webToLeadForms()).isEmpty();
  }

  @Test
  void deliver_dncLead_ticksTheEmailOptOutAndDoNotCallCheckboxes() throws Exception {
    WebToLeadSink sink = open(builder());
    sink.deliver(SampleLeads.doNotContact());
    sink.deliver(SampleLeads.azureMarketplaceInstall());
    Map<String, String> dnc = fake.webToLeadForms().get(0);
    assertThat(dnc).containsEntry("emailOptOut", "1").containsEntry("doNotCall", "1");
    assertThat(fake.webToLeadForms().get(1)).doesNotContainKeys("emailOptOut", "doNotCall");
  }
}
