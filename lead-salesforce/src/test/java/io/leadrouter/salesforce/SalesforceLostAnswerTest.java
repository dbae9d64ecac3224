package io.leadrouter.salesforce;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.FaultProxy.Fault;
import io.leadrouter.testkit.LostAnswers;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The REST sink's answer lost after Salesforce applied the write (a {@link FaultProxy} in front of the fake org), then
 * the router's retries: the upsert by external id ends in exactly one Lead, delivered; a plain create (no
 * {@code externalIdField}), which Salesforce cannot be asked about, is not sent again but dead-lettered
 * {@code SALESFORCE_CREATE_OUTCOME_UNKNOWN} (before: a second Lead for every lost answer).
 */
@Timeout(120)
class SalesforceLostAnswerTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  @TempDir
  Path dir;

  private SalesforceSink.Builder through(FaultProxy proxy) {
    return SalesforceSink.builder().myDomain(proxy.uri()).clientId(FakeSalesforce.CLIENT_ID)
        .clientSecret(io.leadrouter.spi.Secret.of(FakeSalesforce.CLIENT_SECRET)).timeout(Duration.ofSeconds(1));
  }

  /**
   * Routes {@code lead} to the sink {@code settings} make {@link #through} a proxy that loses the first answer to
   * {@code method path} by {@code fault} (a delayed one comes after 3 s, past the sink's timeout); checks it was lost.
   */
  private LostAnswers.Settled routeLosingTheFirstAnswer(String method, String path, Fault fault, Lead lead,
      UnaryOperator<SalesforceSink.Builder> settings) {
    try (FaultProxy proxy = FaultProxy.to(fake.url()).delay(Duration.ofSeconds(3))) {
      proxy.fail(FaultProxy.request(method, FakeSalesforce.API + path), fault, 1);
      LostAnswers.Settled settled = LostAnswers.route(settings.apply(through(proxy)).build(), lead, dir,
          Duration.ofSeconds(60));
      assertThat(proxy.faulted()).as("answers lost").isEqualTo(1);
      return settled;
    }
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void upsertByExternalId_answerLost_isRetriedIntoExactlyOneLead(Fault fault) {
    Lead lead = SampleLeads.azureMarketplaceInstall();

    LostAnswers.Settled settled = routeLosingTheFirstAnswer("PATCH", "/sobjects/Lead/", fault, lead,
        b -> b.externalIdField(FakeSalesforce.EXT_FIELD));

    assertThat(settled.delivered()).as(settled.toString()).isTrue();
    assertThat(fake.recordsWithEmail(lead.customer().email())).as("Leads held").hasSize(1);
  }

  @ParameterizedTest
  @EnumSource(Fault.class)
  void plainCreate_answerLost_isNotCreatedAgain_butDeadLetteredSayingSo(Fault fault) {
    Lead lead = SampleLeads.azureMarketplaceInstall();

    LostAnswers.Settled settled = routeLosingTheFirstAnswer("POST", "/sobjects/Lead", fault, lead, b -> b);

    assertThat(fake.recordsWithEmail(lead.customer().email())).as("Leads held: " + settled).hasSize(1);
    assertThat(settled.deadLetter().orElseThrow().code()).isEqualTo(SalesforceErrors.CREATE_OUTCOME_UNKNOWN);
    assertThat(settled.deadLetter().get().remediation()).contains("replay", "externalIdField");
    assertThat(settled.deadLetter().get().message()).contains(lead.id().value())
        .doesNotContain(lead.customer().email());
  }

  /** A collection of plain creates whose answer is lost: every lead of it is dead-lettered, none created twice. */
  @Test
  void plainCreateCollection_answerLost_everyLeadDeadLetteredNoneCreatedTwice() throws Exception {
    try (FaultProxy proxy = FaultProxy.to(fake.url()); SalesforceSink sink = through(proxy).build()) {
      proxy.fail(FaultProxy.request("POST", FakeSalesforce.API + "/composite/sobjects"), Fault.DROP_BEFORE_RESPONSE,
          1);
      Lead a = SampleLeads.azureMarketplaceInstall();
      Lead b = a.toBuilder().id(LeadId.of("b-" + a.id().value())).email("other.customer@contoso.com").build();

      List<BatchItemResult> results = sink.deliverBatch(List.of(a, b));

      assertThat(results).hasSize(2).allSatisfy(r -> assertThat(r.failure()).get()
          .isInstanceOfSatisfying(PermanentDeliveryException.class, p -> assertThat(p.diagnosisValue().code())
              .isEqualTo(SalesforceErrors.CREATE_OUTCOME_UNKNOWN)));
      assertThat(fake.recordsWithEmail(a.customer().email())).hasSize(1);
      assertThat(fake.recordsWithEmail(b.customer().email())).hasSize(1);
    }
  }

  /**
   * A collection of plain creates answered 2xx without a result for each record (a proxy's page, one result for two
   * records): as for one lead, those leads are dead-lettered CREATE_OUTCOME_UNKNOWN, never created again; a record
   * with its result takes it. Retried, each unconfirmed one became a second Lead of a create Salesforce had applied.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
      a proxy's page     | text/html        | "<html><body>Request accepted</body></html>" | 0
      one result for two | application/json | "[{""id"":""00Q5e00000AbCdEEAZ"",""success"":true,""errors"":[]}]" | 1
      """)
  void plainCreateCollection_answeredWithoutEachResult_unconfirmedLeadsDeadLetteredNotSentAgain(String what,
      String type, String body, int confirmed) throws Exception {
    fake.server.stubFor(com.github.tomakehurst.wiremock.client.WireMock.post(
        com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo(FakeSalesforce.API + "/composite/sobjects"))
        .atPriority(1).willReturn(com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(200)
            .withHeader("Content-Type", type).withBody(body)));
    try (FaultProxy proxy = FaultProxy.to(fake.url()); SalesforceSink sink = through(proxy).build()) {
      Lead a = SampleLeads.azureMarketplaceInstall();
      Lead b = a.toBuilder().id(LeadId.of("b-" + a.id().value())).email("other.customer@contoso.com").build();

      List<BatchItemResult> results = sink.deliverBatch(List.of(a, b));

      assertThat(results).hasSize(2);
      assertThat(results.subList(0, confirmed)).allSatisfy(r -> assertThat(r.succeeded()).isTrue());
      assertThat(results.subList(confirmed, 2)).allSatisfy(r -> assertThat(r.failure()).get()
          .isInstanceOfSatisfying(PermanentDeliveryException.class, p -> assertThat(p.diagnosisValue().code())
              .isEqualTo(SalesforceErrors.CREATE_OUTCOME_UNKNOWN)));
    }
  }

  /**
   * The session expires mid-run: Salesforce answers a plain create 401 INVALID_SESSION_ID, which it never executed, and
   * the token endpoint then gives no answer in time. That lost answer is the sign-in's, not the create's: the lead is
   * retried, and created once when sign-in works again (before: dead-lettered CREATE_OUTCOME_UNKNOWN, an operator sent
   * to look for a Lead Salesforce had refused to create).
   */
  @Test
  void plainCreate_refused401_thenTokenEndpointSilent_isRetried_notAnUnknownOutcome() throws Exception {
    try (SalesforceSink sink = fake.sinkBuilder().timeout(Duration.ofSeconds(2)).build()) {
      Lead first = SampleLeads.azureMarketplaceInstall();
      assertThat(sink.deliver(first).outcome()).isEqualTo(DeliveryOutcome.CREATED); // signed in
      fake.rotateToken("00D5e000000AbCd!AQ4AQFakeToken2"); // the session in use expires
      com.github.tomakehurst.wiremock.stubbing.StubMapping silent = fake.server.stubFor(
          com.github.tomakehurst.wiremock.client.WireMock.post(com.github.tomakehurst.wiremock.client.WireMock
              .urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(com.github.tomakehurst.wiremock.client
              .WireMock.aResponse().withFixedDelay(4_000).withStatus(503)));
      Lead lead = first.toBuilder().id(LeadId.of("second-" + first.id().value())).email("second@fabrikam.example")
          .build();

      Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> sink.deliver(lead));

      assertThat(t).isInstanceOf(io.leadrouter.spi.TransientDeliveryException.class)
          .hasMessageContaining("Salesforce refused the token (401) and a new one could not be fetched");
      assertThat(fake.recordsWithEmail("second@fabrikam.example")).isEmpty();
      fake.server.removeStub(silent);
      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(fake.recordsWithEmail("second@fabrikam.example")).hasSize(1);
    }
  }

  /** The control: with nothing lost a plain create is delivered, once (the dead letters above are the faults'). */
  @Test
  void plainCreate_nothingLost_isCreatedOnce() {
    try (FaultProxy proxy = FaultProxy.to(fake.url())) {
      Lead lead = SampleLeads.azureMarketplaceInstall();

      LostAnswers.Settled settled = LostAnswers.route(through(proxy).build(), lead, dir, Duration.ofSeconds(60));

      assertThat(settled.result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(fake.recordsWithEmail(lead.customer().email())).hasSize(1);
    }
  }
}
