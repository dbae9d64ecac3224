package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.MutableClock;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code match: email} sends no key with its create, so a create whose answer was lost may still be running in
 * Salesforce (up to the 10-minute API timeout: "The timeout limit for REST and SOAP API calls is 10 minutes", API
 * Request Limits and Allocations) when the retry looks the customer up: the lookup sees no Lead and a second create made
 * a second Lead. Here the fake loses the create's answer without holding the Lead yet (the create still running), and
 * holds it later (the create committing).
 */
class SalesforceEmailMatchLostCreateTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T09:00:00Z"));

  private static int apiRequests() {
    return fake.server.findAll(anyRequestedFor(urlPathMatching(FakeSalesforce.API + "/.*"))).size();
  }

  private static ResponseDefinitionBuilder lostAnswer(String how) {
    return switch (how) {
      case "gateway timeout" -> aResponse().withStatus(504).withBody("<html>504 Gateway Time-out</html>");
      case "no answer in time" -> aResponse().withStatus(201).withFixedDelay(5_000)
          .withBody("{\"id\":\"00Q5e00000LateAAA\",\"success\":true,\"errors\":[]}");
      case "a proxy's page" -> aResponse().withStatus(200).withHeader("Content-Type", "text/html")
          .withBody("<html><body>Request accepted</body></html>");
      default -> throw new IllegalArgumentException(how);
    };
  }

  @ParameterizedTest
  @ValueSource(strings = {"gateway timeout", "no answer in time", "a proxy's page"})
  void matchEmail_createAnswerLost_customerWaitsUntilTheCreateSettles_thenUpdatesTheOneLead(String how)
      throws Exception {
    SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL).timeout(Duration.ofSeconds(3)).clock(clock));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    String email = lead.customer().email();
    StubMapping lost = fake.server.stubFor(post(urlPathEqualTo(FakeSalesforce.API + "/sobjects/Lead")).atPriority(1)
        .willReturn(lostAnswer(how)));

    Throwable first = catchThrowable(() -> sink.deliver(lead));

    assertThat(first).isInstanceOfSatisfying(TransientDeliveryException.class, t -> {
      assertThat(t.diagnosis().orElseThrow().code()).isEqualTo(SalesforceErrors.CREATE_SETTLING);
      assertThat(t.isDeferred()).as("the lost create itself went out: an attempt that failed").isFalse();
      assertThat(t.retryAfter()).get().isEqualTo(Duration.ofMinutes(11));
      assertThat(t.getMessage()).contains("looked up again after 2026-12-04T09:11:00Z").doesNotContain(email);
    });
    fake.server.removeStub(lost);

    // the retry, and the customer's next lead, come while the create may still run: no lookup, no create
    clock.advance(Duration.ofMinutes(5));
    int before = apiRequests();
    Lead next = lead.toBuilder().id(LeadId.of("next-" + lead.id().value())).build();
    for (Lead l : new Lead[] {lead, next}) {
      assertThat(catchThrowable(() -> sink.deliver(l))).isInstanceOfSatisfying(TransientDeliveryException.class,
          t -> {
            assertThat(t.retryAfter()).get().isEqualTo(Duration.ofMinutes(6));
            // the lead's own wait: no outage for the destination's breaker, no failed attempt, no throttle
            assertThat(t.isDeferred()).isTrue();
            assertThat(t.isThrottled()).isFalse();
            assertThat(t.diagnosis().orElseThrow().code()).isEqualTo(SalesforceErrors.CREATE_SETTLING);
          });
    }
    assertThat(apiRequests()).as("nothing sent while the create may run").isEqualTo(before);

    fake.addLead(email, lead.customer().lastName(), false); // the lost create commits
    clock.advance(Duration.ofMinutes(6));

    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(sink.deliver(next).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(fake.recordsWithEmail(email)).as("one Lead for the customer").hasSize(1);
  }

  /**
   * A settling wait kept in the journal is forgotten a day after it has passed, and not while it runs: before, every
   * lost create left its row in {@code lr_counters} for ever.
   */
  @org.junit.jupiter.api.Test
  void matchEmail_createAnswerLost_settlingWaitForgottenADayAfterItEnds(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    java.nio.file.Path db = dir.resolve("j.db");
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL).timeout(Duration.ofSeconds(3))
          .clock(clock));
      sink.useCounters(journal.counters("sf").orElseThrow());
      Instant until = clock.instant().plus(SalesforceSink.CREATE_SETTLES_AFTER);
      StubMapping lost = fake.server.stubFor(post(urlPathEqualTo(FakeSalesforce.API + "/sobjects/Lead"))
          .atPriority(1).willReturn(lostAnswer("gateway timeout")));
      assertThat(catchThrowable(() -> sink.deliver(lead))).isInstanceOf(TransientDeliveryException.class);
      fake.server.removeStub(lost);
      assertThat(settlingRows(db)).as("the wait, in the journal").isEqualTo(1);

      assertThat(journal.pruneCounters(until)).as("when the wait ends").isZero();
      assertThat(journal.pruneCounters(until.plus(Duration.ofDays(1)).minusSeconds(1))).as("a day after").isZero();
      assertThat(settlingRows(db)).isEqualTo(1);
      assertThat(journal.pruneCounters(until.plus(Duration.ofDays(1)).plusSeconds(1))).isEqualTo(1);
      assertThat(settlingRows(db)).isZero();
    }
  }

  private static int settlingRows(java.nio.file.Path db) throws java.sql.SQLException {
    try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
        java.sql.ResultSet rs = c.createStatement().executeQuery(
            "SELECT count(*) FROM lr_counters WHERE name LIKE 'createSettling.%'")) {
      rs.next();
      return rs.getInt(1);
    }
  }

  /**
   * The wait is kept in the router's journal: a restart within it (a new sink, its memory empty, on the same journal)
   * still waits, instead of looking the customer up at once and creating a second Lead while the lost create runs.
   */
  @ParameterizedTest
  @ValueSource(strings = {"gateway timeout", "no answer in time"})
  void matchEmail_createAnswerLost_restartWithinTheWait_stillWaits_oneLead(String how,
      @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
    java.nio.file.Path db = dir.resolve("journal.db");
    Lead lead = SampleLeads.azureMarketplaceInstall();
    String email = lead.customer().email();
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      SalesforceSink before = fake.open(fake.sinkBuilder().match(Match.EMAIL).timeout(Duration.ofSeconds(3))
          .clock(clock));
      before.useCounters(journal.counters("sf").orElseThrow());
      StubMapping lost = fake.server.stubFor(post(urlPathEqualTo(FakeSalesforce.API + "/sobjects/Lead"))
          .atPriority(1).willReturn(lostAnswer(how)));
      assertThat(catchThrowable(() -> before.deliver(lead))).isInstanceOf(TransientDeliveryException.class);
      fake.server.removeStub(lost);
      before.close();
    }
    clock.advance(Duration.ofMinutes(4));
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      SalesforceSink after = fake.open(fake.sinkBuilder().match(Match.EMAIL).timeout(Duration.ofSeconds(3))
          .clock(clock));
      after.useCounters(journal.counters("sf").orElseThrow());
      int sent = apiRequests();
      Lead next = lead.toBuilder().id(LeadId.of("next-" + lead.id().value())).build();
      for (Lead l : new Lead[] {lead, next}) {
        assertThat(catchThrowable(() -> after.deliver(l))).as("after the restart")
            .isInstanceOfSatisfying(TransientDeliveryException.class, t -> {
              assertThat(t.isDeferred()).isTrue();
              assertThat(t.retryAfter()).get().isEqualTo(Duration.ofMinutes(7));
            });
      }
      assertThat(apiRequests()).as("no lookup, no create while the lost create may run").isEqualTo(sent);
      try (java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + db);
          java.sql.ResultSet rs = c.createStatement().executeQuery("SELECT name FROM lr_counters")) {
        assertThat(rs.next()).as("the wait is in the journal").isTrue();
        assertThat(rs.getString(1)).as("under a digest, not the e-mail").startsWith("createSettling.")
            .doesNotContain(email.substring(0, email.indexOf('@')));
      }

      fake.addLead(email, lead.customer().lastName(), false); // the lost create commits
      clock.advance(Duration.ofMinutes(7));
      assertThat(after.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(after.deliver(next).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(fake.recordsWithEmail(email)).as("one Lead for the customer").hasSize(1);
    }
  }

  /** Only the customer whose create was lost waits: another customer's lead is created at once. */
  @org.junit.jupiter.api.Test
  void matchEmail_createAnswerLost_otherCustomersDoNotWait() throws Exception {
    SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL).timeout(Duration.ofSeconds(3)).clock(clock));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    StubMapping lost = fake.server.stubFor(post(urlPathEqualTo(FakeSalesforce.API + "/sobjects/Lead")).atPriority(1)
        .willReturn(lostAnswer("gateway timeout")));
    assertThat(catchThrowable(() -> sink.deliver(lead))).isInstanceOf(TransientDeliveryException.class);
    fake.server.removeStub(lost);

    Lead other = lead.toBuilder().id(LeadId.of("other")).email("someone.else@fabrikam.example").build();
    assertThat(sink.deliver(other).outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }
}
