package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.SampleLeads;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code match} and {@code mode} on the Salesforce REST API, against a fake org that holds its Leads. Salesforce's docs
 * followed: the query resource (developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm),
 * "Quoted String Escape Sequences" and "Comparison Operators" of SOQL ({@code \'} and {@code \\}; {@code =} ignores
 * case on text fields), updating a record by Id ({@code PATCH /sobjects/Lead/<Id>}, 204) and creating one
 * ({@code POST /sobjects/Lead}, 201).
 */
class SalesforceMatchingTest {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();

  private static Lead lead(String id, String email, String lastName) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of(id)).email(email).lastName(lastName)
        .build();
  }

  private static Diagnosis permanent(SalesforceSink sink, Lead lead) {
    Throwable t = catchThrowable(() -> sink.deliver(lead));
    assertThat(t).isInstanceOf(PermanentDeliveryException.class);
    return ((PermanentDeliveryException) t).diagnosisValue();
  }

  private static List<LoggedRequest> apiRequests() {
    return fake.server.findAll(anyRequestedFor(urlPathMatching(FakeSalesforce.API + "/.*")));
  }

  private static List<String> calls() {
    return apiRequests().stream().map(r -> r.getMethod().getName() + " "
        + r.getUrl().substring(FakeSalesforce.API.length()).replaceFirst("\\?.*", "?")).toList();
  }

  private static String soql(int i) {
    return apiRequests().get(i).queryParameter("q").firstValue();
  }

  @Nested
  class ByEmail {
    @Test
    void upsert_aCustomersSecondLead_updatesTheOneLead_whateverTheCase() throws Exception {
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL));

      DeliveryResult first = sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
      DeliveryResult second = sink.deliver(lead("create-2", "Jane.Doe@Contoso.com", "Doe-Smith"));

      assertThat(first.outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(second).isEqualTo(DeliveryResult.updated(first.recordId().orElseThrow()));
      assertThat(fake.leads()).singleElement()
          .satisfies(l -> assertThat(l.path("LastName").asText()).isEqualTo("Doe-Smith"));
      assertThat(calls()).containsExactly("GET /query?", "POST /sobjects/Lead", "GET /query?",
          "PATCH /sobjects/Lead/" + first.recordId().orElseThrow());
      assertThat(soql(0)).isEqualTo("SELECT Id FROM Lead WHERE Email = 'jane.doe@contoso.com' AND IsConverted = "
          + "false LIMIT 2");
    }

    @Test
    void update_neverOverwritesWithPlaceholders_whatTheLeadLacks() throws Exception {
      String existing = fake.addLead("jane.doe@contoso.com", "Doe", false);
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL));

      sink.deliver(SampleLeads.azureMarketplaceInstall().toBuilder().email("jane.doe@contoso.com").lastName("")
          .company("").build());

      assertThat(fake.leads()).singleElement().satisfies(l -> {
        assertThat(l.path("Id").asText()).isEqualTo(existing);
        assertThat(l.path("LastName").asText()).isEqualTo("Doe");
        assertThat(l.path("Company").asText()).isEqualTo("Contoso");
      });
    }

    @Test
    void create_aMatchingLeadIsLeftUntouched_reportedUnchanged_noneMatching_isCreated() throws Exception {
      String existing = fake.addLead("jane.doe@contoso.com", "Typed-In-By-Sales", false);
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL).mode(SyncMode.CREATE));

      DeliveryResult known = sink.deliver(lead("ins-1", "JANE.DOE@contoso.com", "Doe"));
      DeliveryResult fresh = sink.deliver(lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

      assertThat(known).isEqualTo(DeliveryResult.unchanged(existing));
      assertThat(fake.recordsWithEmail("jane.doe@contoso.com")).singleElement()
          .satisfies(l -> assertThat(l.path("LastName").asText()).isEqualTo("Typed-In-By-Sales"));
      assertThat(fresh.outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(fake.leads()).hasSize(2);
      assertThat(calls()).containsExactly("GET /query?", "GET /query?", "POST /sobjects/Lead");
    }

    @Test
    void updateOnly_updatesTheMatch_andNoMatch_failsPermanentlySayingWhichKeyFoundNothing() throws Exception {
      String existing = fake.addLead("jane.doe@contoso.com", "Doe", false);
      fake.addLead("ken.tanaka@northwind.jp", "Converted", true);
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL).mode(SyncMode.UPDATE_ONLY));

      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe-Smith")))
          .isEqualTo(DeliveryResult.updated(existing));
      Diagnosis d = permanent(sink, lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

      assertThat(d.code()).isEqualTo("SALESFORCE_NO_MATCHING_RECORD");
      assertThat(d.message()).isEqualTo("mode: update-only and no Lead has Email = k***@northwind.jp (converted "
          + "Leads left out) (match: email, mode: update-only)");
      assertThat(d.remediation()).isEqualTo("create the Lead in Salesforce first, or use mode: upsert to create it "
          + "when none matches; then replay the dead letters");
      assertThat(fake.leads()).hasSize(2);
    }

    @Test
    void aConvertedLead_isNotUpdated_theCustomersNextLeadStartsANewOne() throws Exception {
      fake.addLead("jane.doe@contoso.com", "Converted", true);
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL));

      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe")).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
      assertThat(fake.recordsWithEmail("jane.doe@contoso.com")).hasSize(2);
    }

    @Test
    void twoLeadsMatch_neverGuesses_permanentDiagnosisNamingHowMany_andWritesNothing() {
      fake.addLead("jane.doe@contoso.com", "First", false);
      fake.addLead("Jane.Doe@Contoso.com", "Second", false);
      fake.addLead("jane.doe@contoso.com", "Third", false);
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL));

      Diagnosis d = permanent(sink, lead("ins-1", "jane.doe@contoso.com", "Doe"));

      assertThat(d.code()).isEqualTo("SALESFORCE_AMBIGUOUS_MATCH");
      assertThat(d.message()).isEqualTo("match: email found 3 Leads with Email = j***@contoso.com; LeadRouter never "
          + "guesses which one is the customer's");
      assertThat(d.remediation()).contains("merge the duplicate Leads in Salesforce").contains("match: leadId");
      assertThat(calls()).containsExactly("GET /query?", "GET /query?");
      assertThat(soql(1)).startsWith("SELECT COUNT() FROM Lead WHERE Email = ");
      assertThat(fake.leads()).extracting(l -> l.path("LastName").asText())
          .containsExactly("First", "Second", "Third");
    }

    @Test
    void anEmailWithAQuoteAndAPlus_isAnEscapedSoqlLiteral_urlEncoded_andStillFindsItsLead() throws Exception {
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL));
      String email = "o'brien+leads@contoso.example"; // Salesforce takes no backslash in Email: see soqlLiteral_...

      assertThat(sink.deliver(lead("ins-1", email, "O'Brien")).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(lead("ins-2", email, "O'Brien")).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

      assertThat(soql(0)).isEqualTo("SELECT Id FROM Lead WHERE Email = 'o\\'brien+leads@contoso.example' AND "
          + "IsConverted = false LIMIT 2");
      assertThat(apiRequests().get(0).getUrl()).as("URL-encoded").contains("o%5C%27brien%2Bleads%40contoso.example");
      assertThat(fake.leads()).hasSize(1);
    }

    @Test
    void soqlLiteral_escapesEverySequenceSalesforceDefines() {
      assertThat(SalesforceSink.soqlLiteral("a'b\\c\"d\ne\rf\tg\bh\fi%_j"))
          .isEqualTo("a\\'b\\\\c\\\"d\\ne\\rf\\tg\\bh\\fi%_j");
    }

    @Test
    void aLeadWithoutEmail_isMatchedByItsLeadId_throughTheExternalIdUpsert() throws Exception {
      SalesforceSink sink = fake.open(fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD).match(Match.EMAIL));
      Lead anonymous = SampleLeads.eduAnonymous();

      assertThat(sink.deliver(anonymous).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(anonymous).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

      assertThat(calls()).allMatch(c -> c.startsWith("PATCH /sobjects/Lead/" + FakeSalesforce.EXT_FIELD + "/"));
      assertThat(fake.leads()).hasSize(1);
    }

    @Test
    void leadsAreNotBatched_eachIsLookedUp() throws Exception {
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL));

      assertThat(sink.capabilities().maxBatchSize()).isEqualTo(1);
      var results = sink.deliverBatch(List.of(lead("a", "a@contoso.com", "A"), lead("b", "a@contoso.com", "A")));

      assertThat(results).extracting(r -> r.result().orElseThrow().outcome())
          .containsExactly(DeliveryOutcome.CREATED, DeliveryOutcome.UPDATED);
      assertThat(calls()).noneMatch(c -> c.contains("composite"));
    }

    @Test
    void explain_showsTheQueryFirst() {
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL).mode(SyncMode.UPDATE_ONLY));

      var explained = sink.explain(lead("ins-1", "jane.doe@contoso.com", "Doe")).orElseThrow();

      assertThat(explained.method()).isEqualTo("GET");
      assertThat(explained.url()).contains("/query?q=SELECT%20Id%20FROM%20Lead%20WHERE%20Email%20%3D%20");
      assertThat(String.join("\n", explained.notes())).contains("SALESFORCE_NO_MATCHING_RECORD")
          .contains("SALESFORCE_AMBIGUOUS_MATCH");
    }
  }

  @Nested
  class ByLeadId {
    @Test
    void create_redeliveryIsUnchanged_andTheLeadKeepsItsValues() throws Exception {
      SalesforceSink sink = fake.open(fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD)
          .mode(SyncMode.CREATE));

      DeliveryResult first = sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
      DeliveryResult again = sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Changed"));

      assertThat(first.outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(again).isEqualTo(DeliveryResult.unchanged(first.recordId().orElseThrow()));
      assertThat(fake.leads()).singleElement().satisfies(l -> {
        assertThat(l.path("LastName").asText()).isEqualTo("Doe");
        assertThat(l.path(FakeSalesforce.EXT_FIELD).asText()).isEqualTo("ins-1");
      });
      assertThat(soql(0)).isEqualTo("SELECT Id FROM Lead WHERE " + FakeSalesforce.EXT_FIELD + " = 'ins-1' LIMIT 2");
    }

    @Test
    void updateOnly_updatesTheLeadOfThisLeadId_neverCreates() throws Exception {
      fake.open(fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD))
          .deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
      SalesforceSink sink = fake.open(fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD)
          .mode(SyncMode.UPDATE_ONLY));

      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe-Smith")).outcome())
          .isEqualTo(DeliveryOutcome.UPDATED);
      Diagnosis d = permanent(sink, lead("ins-2", "jane.doe@contoso.com", "Doe"));

      assertThat(d.code()).isEqualTo("SALESFORCE_NO_MATCHING_RECORD");
      assertThat(d.message()).isEqualTo("mode: update-only and no Lead has " + FakeSalesforce.EXT_FIELD
          + " = ins-2 (match: leadId, mode: update-only)");
      assertThat(fake.leads()).singleElement()
          .satisfies(l -> assertThat(l.path("LastName").asText()).isEqualTo("Doe-Smith"));
    }

    @Test
    void upsert_theDefault_isUnchangedBehaviour_noQuery() throws Exception {
      SalesforceSink sink = fake.open(fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD));

      assertThat(sink.config().matching().isDefault()).isTrue();
      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe")).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(lead("ins-2", "jane.doe@contoso.com", "Doe")).outcome())
          .as("another lead of the same person is another Lead: no silent merge").isEqualTo(DeliveryOutcome.CREATED);
      assertThat(fake.leads()).hasSize(2);
      assertThat(calls()).noneMatch(c -> c.startsWith("GET /query"));
    }

    @Test
    void updateOnly_withoutExternalIdField_isRefusedAtBuild() {
      assertThatThrownBy(() -> fake.sinkBuilder().mode(SyncMode.UPDATE_ONLY).build())
          .isInstanceOf(ConfigurationException.class)
          .hasMessage("invalid configuration: mode: 'update-only' with match: leadId finds a Lead by its lead id, "
              + "but no externalIdField holds it (set externalIdField (an External ID, Unique text field on Lead), "
              + "or use match: email)");
    }
  }

  @Nested
  class Settings {
    private SinkConfig.Builder rest() {
      return fake.settings("crm", "salesforce");
    }

    @Test
    void descriptorKeys_reachTheSink_andUnknownValuesAreReported() {
      SalesforceSink sink = (SalesforceSink) new SalesforceSinkProvider().create(rest().put("match", "email")
          .put("mode", "create").build());
      fake.closeAfterTest(sink);

      assertThat(sink.config().matching().match()).isEqualTo(Match.EMAIL);
      assertThat(sink.config().matching().mode()).isEqualTo(SyncMode.CREATE);
      assertThat(sink.toString()).endsWith(", match: email, mode: create]");
      ProvidersTest.assertRefused(new SalesforceSinkProvider(), rest().put("mode", "insert").build(),
          "invalid configuration: sinks.crm.mode: 'insert' is not one of [create, upsert, update-only] "
              + "(use one of create, upsert, update-only)");
    }

    @Test
    void verify_updateOnly_warnsThatTheTestLeadWouldBeDeadLettered_andCreatesNothing() {
      io.leadrouter.spi.VerificationReport report = fake.open(fake.sinkBuilder().match(Match.EMAIL)
          .mode(SyncMode.UPDATE_ONLY)).verify();

      io.leadrouter.spi.VerificationReport.Step last = report.steps().get(report.steps().size() - 1);
      assertThat(last.name()).isEqualTo("test lead");
      assertThat(last.status()).isEqualTo(io.leadrouter.spi.VerificationReport.Status.WARNING);
      assertThat(last.diagnosis().orElseThrow().code()).isEqualTo("SALESFORCE_NO_MATCHING_RECORD");
      assertThat(fake.leads()).isEmpty();
    }

    @Test
    void webToLead_cannotLookUp_refusesMatchAndMode_sayingWhy() {
      SinkConfig config = SinkConfig.builder("w2l", "salesforce-web2lead").put("orgId", FakeSalesforce.ORG_ID)
          .put("match", "email").put("mode", "update-only").build();

      ProvidersTest.assertRefused(new WebToLeadSinkProvider(), config, "invalid configuration (2 problems):\n"
          + "  - sinks.w2l.match: 'email' is not possible with Web-to-Lead: it posts a form and cannot look a "
          + "Lead up (Salesforce's own duplicate rules decide) (use type: salesforce (the REST API) with match: "
          + "email, or remove match)\n"
          + "  - sinks.w2l.mode: 'update-only' is not possible with Web-to-Lead: it only creates, cannot tell "
          + "what exists and cannot update (use type: salesforce (the REST API) for mode: update-only, or "
          + "remove mode)");
      new WebToLeadSinkProvider().create(SinkConfig.builder("w2l", "salesforce-web2lead")
          .put("orgId", FakeSalesforce.ORG_ID).put("match", "leadId").put("mode", "upsert").build()).close();
    }
  }

  /** The fake itself parses SOQL strictly, so an unescaped literal cannot pass unnoticed. */
  @Test
  void theFakeRefusesAnUnescapedQuote_asSalesforceDoes() {
    assertThat(FakeSalesforce.Soql.parse("SELECT Id FROM Lead WHERE Email = 'o'brien@x.example' LIMIT 2")).isNull();
    assertThat(FakeSalesforce.Soql.parse("SELECT Id FROM Lead WHERE Email = 'a\\qb' LIMIT 2")).isNull();
    assertThat(FakeSalesforce.Soql.parse("SELECT Id FROM Lead WHERE Email = 'o\\'brien@x.example' LIMIT 2"))
        .isEqualTo(new FakeSalesforce.Soql(false, "Email", "o'brien@x.example", false, 2));
  }
}
