package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static io.leadrouter.testkit.RecordMatchingContract.lead;
import static io.leadrouter.testkit.RecordMatchingContract.permanentFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.RecordMatchingContract;
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
 * ({@code POST /sobjects/Lead}, 201). The scenarios every matching CRM shares come from
 * {@link RecordMatchingContract}, answered here in Salesforce's terms; the nested classes hold Salesforce's own cases.
 */
class SalesforceMatchingTest implements RecordMatchingContract {
  @RegisterExtension
  static final FakeSalesforce fake = new FakeSalesforce();
  private static final String CREATE_IT_FIRST = "create the Lead in Salesforce first, or use mode: upsert to create "
      + "it when none matches; then replay the dead letters";

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

  /** With match leadId, by the External ID field {@link FakeSalesforce#EXT_FIELD}. */
  @Override
  public SalesforceSink matchingSink(RecordMatching matching) {
    if (matching.match() == Match.EMAIL) {
      return fake.open(fake.sinkBuilder().match(Match.EMAIL).mode(matching.mode()));
    }
    SalesforceSink.Builder builder = fake.sinkBuilder().externalIdField(FakeSalesforce.EXT_FIELD);
    return fake.open(matching.isDefault() ? builder : builder.mode(matching.mode()));
  }

  @Override
  public String addRecord(String email, String lastName) {
    return fake.addLead(email, lastName, false);
  }

  @Override
  public List<String> lastNames() {
    return fake.leads().stream().map(l -> l.path("LastName").asText()).toList();
  }

  @Override
  public void assertUpsertByEmailRequests(String recordId) {
    assertThat(calls()).containsExactly("GET /query?", "POST /sobjects/Lead", "GET /query?",
        "PATCH /sobjects/Lead/" + recordId);
    assertThat(soql(0)).isEqualTo("SELECT Id FROM Lead WHERE Email = 'jane.doe@contoso.com' AND IsConverted = "
        + "false LIMIT 2");
  }

  @Override
  public void assertCreateByEmailRequests() {
    assertThat(calls()).containsExactly("GET /query?", "GET /query?", "POST /sobjects/Lead");
  }

  @Override
  public Diagnosis noMatchByEmail() {
    return new Diagnosis("SALESFORCE_NO_MATCHING_RECORD", "mode: update-only and no Lead has Email = "
        + "k***@northwind.jp (converted Leads left out) (match: email, mode: update-only)", CREATE_IT_FIRST);
  }

  @Override
  public Diagnosis ambiguousByEmail() {
    return new Diagnosis("SALESFORCE_AMBIGUOUS_MATCH", "match: email found 3 Leads with Email = j***@contoso.com; "
        + "LeadRouter never guesses which one is the customer's", "merge the duplicate Leads in Salesforce (or delete "
        + "all but one), or use match: leadId; then replay the dead letters");
  }

  @Override
  public void assertAmbiguousByEmailRequests() {
    assertThat(calls()).containsExactly("GET /query?", "GET /query?");
    assertThat(soql(1)).startsWith("SELECT COUNT() FROM Lead WHERE Email = ");
  }

  @Override
  public void assertLookupExplained(ExplainedRequest explained) {
    assertThat(explained.url()).contains("/query?q=SELECT%20Id%20FROM%20Lead%20WHERE%20Email%20%3D%20");
  }

  @Override
  public void assertCreateByLeadId(DeliveryResult first, DeliveryResult again) {
    assertThat(again).isEqualTo(DeliveryResult.unchanged(first.recordId().orElseThrow()));
    assertThat(fake.leads()).singleElement()
        .satisfies(l -> assertThat(l.path(FakeSalesforce.EXT_FIELD).asText()).isEqualTo("ins-1"));
    assertThat(soql(0)).isEqualTo("SELECT Id FROM Lead WHERE " + FakeSalesforce.EXT_FIELD + " = 'ins-1' LIMIT 2");
  }

  @Override
  public Diagnosis noMatchByLeadId() {
    return new Diagnosis("SALESFORCE_NO_MATCHING_RECORD", "mode: update-only and no Lead has "
        + FakeSalesforce.EXT_FIELD + " = ins-2 (match: leadId, mode: update-only)", CREATE_IT_FIRST);
  }

  @Override
  public void assertDefaultUpsert(LeadSink sink) {
    assertThat(((SalesforceSink) sink).config().matching().isDefault()).isTrue();
    assertThat(calls()).noneMatch(c -> c.startsWith("GET /query"));
  }

  @Nested
  class ByEmailOnSalesforce {
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
    void updateOnly_aConvertedLeadIsNoMatch() {
      fake.addLead("ken.tanaka@northwind.jp", "Converted", true);
      SalesforceSink sink = fake.open(fake.sinkBuilder().match(Match.EMAIL).mode(SyncMode.UPDATE_ONLY));

      Diagnosis d = permanentFailure(sink, lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

      assertThat(d.code()).isEqualTo("SALESFORCE_NO_MATCHING_RECORD");
      assertThat(fake.leads()).singleElement()
          .satisfies(l -> assertThat(l.path("LastName").asText()).isEqualTo("Converted"));
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
  }

  @Nested
  class ByLeadIdOnSalesforce {
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
              + "(did you mean 'upsert'? otherwise use one of create, upsert, update-only)");
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
