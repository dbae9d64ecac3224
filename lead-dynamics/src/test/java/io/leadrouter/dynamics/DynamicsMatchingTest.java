package io.leadrouter.dynamics;

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
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.RecordMatchingContract;
import io.leadrouter.testkit.SampleLeads;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@code match} and {@code mode} on Dataverse, against a fake that holds its rows. Microsoft's docs followed:
 * "Filter rows using OData" (learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows: string
 * comparisons ignore case, special characters URL-encoded, a quote in a literal doubled), "Perform conditional
 * operations" (.../webapi/perform-conditional-operations-using-web-api: {@code If-Match: *} never creates,
 * {@code If-None-Match: *} never updates) and "Use Upsert" (.../use-upsert-insert-update-record). The scenarios every
 * matching CRM shares come from {@link RecordMatchingContract}, answered here in Dataverse's terms; the nested classes
 * hold Dataverse's own cases.
 */
class DynamicsMatchingTest extends FakeDynamicsTest implements RecordMatchingContract {
  private static final String KEY = "new_leadrouterid";
  private static final String CREATE_IT_FIRST = "create the lead in Dynamics first, or use mode: upsert to create it "
      + "when none matches; then replay the dead letters";

  private static List<LoggedRequest> leadRequests() {
    return fake.wm.findAll(anyRequestedFor(urlPathMatching("/api/data/v9\\.2/leads.*")));
  }

  private static List<String> methods() {
    return leadRequests().stream().map(r -> r.getMethod().getName() + " " + r.getUrl().replaceFirst("\\?.*", "?"))
        .toList();
  }

  /** With match leadId, by the alternate key {@value #KEY}, the sink's idColumn. */
  @Override
  public DynamicsSink matchingSink(RecordMatching matching) {
    if (matching.match() == Match.EMAIL) {
      return fake.sink().match(Match.EMAIL).mode(matching.mode()).build();
    }
    fake.alternateKey(KEY);
    DynamicsSink.Builder builder = fake.sink().idColumn(KEY);
    return (matching.isDefault() ? builder : builder.mode(matching.mode())).build();
  }

  @Override
  public String addRecord(String email, String lastName) {
    return fake.addRow(email, lastName);
  }

  @Override
  public List<String> lastNames() {
    return fake.rows().stream().map(r -> r.path("lastname").asText()).toList();
  }

  @Override
  public void assertUpsertByEmailRequests(String recordId) {
    List<LoggedRequest> requests = leadRequests();
    assertThat(methods()).containsExactly("GET /api/data/v9.2/leads?", "POST /api/data/v9.2/leads",
        "GET /api/data/v9.2/leads?", "PATCH /api/data/v9.2/leads(" + recordId + ")");
    assertThat(requests.get(0).queryParameter("$filter").firstValue())
        .isEqualTo("emailaddress1 eq 'jane.doe@contoso.com'");
    assertThat(requests.get(0).queryParameter("$select").firstValue()).isEqualTo("leadid");
    assertThat(requests.get(0).queryParameter("$top").firstValue()).isEqualTo("2");
    assertThat(requests.get(3).getHeader("If-Match")).as("an update that never creates").isEqualTo("*");
  }

  @Override
  public void assertCreateByEmailRequests() {
    assertThat(methods()).containsExactly("GET /api/data/v9.2/leads?", "GET /api/data/v9.2/leads?",
        "POST /api/data/v9.2/leads");
  }

  @Override
  public Diagnosis noMatchByEmail() {
    return new Diagnosis("DYNAMICS_NO_MATCHING_RECORD", "mode: update-only and no lead row has emailaddress1 = "
        + "k***@northwind.jp (match: email, mode: update-only)", CREATE_IT_FIRST);
  }

  @Override
  public Diagnosis ambiguousByEmail() {
    return new Diagnosis("DYNAMICS_AMBIGUOUS_MATCH", "match: email found 3 leads with emailaddress1 = "
        + "j***@contoso.com; LeadRouter never guesses which one is the customer's", "merge the duplicate leads in "
        + "Dynamics (or remove all but one), or use match: leadId; then replay the dead letters");
  }

  @Override
  public void assertAmbiguousByEmailRequests() {
    assertThat(methods()).containsExactly("GET /api/data/v9.2/leads?");
  }

  @Override
  public void assertLookupExplained(ExplainedRequest explained) {
    assertThat(explained.url()).contains("emailaddress1%20eq%20%27jane.doe%40contoso.com%27");
  }

  @Override
  public void assertCreateByLeadId(DeliveryResult first, DeliveryResult again) {
    assertThat(leadRequests()).allMatch(r -> "*".equals(r.getHeader("If-None-Match")))
        .noneMatch(r -> r.containsHeader("If-Match"));
  }

  @Override
  public Diagnosis noMatchByLeadId() {
    return new Diagnosis("DYNAMICS_NO_MATCHING_RECORD", "mode: update-only and no lead row has new_leadrouterid = "
        + "ins-2 (match: leadId, mode: update-only)", CREATE_IT_FIRST);
  }

  @Override
  public void assertDefaultUpsert(LeadSink sink) {
    assertThat(((DynamicsSink) sink).config().matching().isDefault()).isTrue();
    assertThat(leadRequests()).as("no lookup").noneMatch(r -> r.getUrl().contains("%24filter"));
  }

  @Nested
  class ByEmailOnDataverse {
    @Test
    void anEmailWithAQuoteAndAPlus_isAnEscapedODataLiteral_urlEncoded_andStillFindsItsRow() throws Exception {
      DynamicsSink sink = fake.sink().match(Match.EMAIL).build();
      String email = "o'brien+leads@contoso.example";

      assertThat(sink.deliver(lead("ins-1", email, "O'Brien")).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(lead("ins-2", email, "O'Brien")).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

      assertThat(fake.rows()).hasSize(1);
      LoggedRequest lookup = leadRequests().get(0);
      assertThat(lookup.queryParameter("$filter").firstValue())
          .isEqualTo("emailaddress1 eq 'o''brien+leads@contoso.example'");
      assertThat(lookup.getUrl()).as("quote and plus URL-encoded").contains("o%27%27brien%2Bleads%40contoso.example")
          .doesNotContain("'").doesNotContain("+");
    }

    @Test
    void aLeadWithoutEmail_isMatchedByItsLeadId_noLookup() throws Exception {
      fake.alternateKey(KEY);
      DynamicsSink sink = fake.sink().idColumn(KEY).match(Match.EMAIL).build();
      Lead anonymous = SampleLeads.eduAnonymous();

      assertThat(sink.deliver(anonymous).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(anonymous).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

      assertThat(fake.rows()).hasSize(1);
      assertThat(leadRequests()).noneMatch(r -> r.getUrl().contains("%24filter"));
      assertThat(methods()).allMatch(m -> m.startsWith("PATCH /api/data/v9.2/leads(" + KEY + "="));
    }
  }

  @Nested
  class ByLeadIdOnDataverse {
    @Test
    void updateOnly_leadIdOutsideTheKeyAlphabet_looksUp_andFindsNothing() {
      fake.alternateKey(KEY);
      DynamicsSink sink = fake.sink().idColumn(KEY).mode(SyncMode.UPDATE_ONLY).build();

      Diagnosis d = permanentFailure(sink, lead("urn:lead:42", "jane.doe@contoso.com", "Doe"));

      assertThat(d.code()).isEqualTo("DYNAMICS_NO_MATCHING_RECORD");
      assertThat(d.message()).contains("no lead row has new_leadrouterid = urn:lead:42");
      assertThat(fake.rows()).isEmpty();
    }

    @Test
    void withoutAlternateKey_createThenUnchanged_updateOnlyByTheDerivedKey() throws Exception {
      DynamicsSink create = fake.sink().mode(SyncMode.CREATE).build();
      DynamicsSink updateOnly = fake.sink().mode(SyncMode.UPDATE_ONLY).build();
      Lead lead = lead("ins-1", "jane.doe@contoso.com", "Doe");

      Diagnosis none = permanentFailure(updateOnly, lead);
      assertThat(create.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(create.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);
      DeliveryResult updated = updateOnly.deliver(lead.toBuilder().lastName("Doe-Smith").build());

      assertThat(none.code()).isEqualTo("DYNAMICS_NO_MATCHING_RECORD");
      assertThat(none.message()).contains("no lead row has the primary key").contains("derived from lead id ins-1");
      assertThat(updated.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(fake.rows()).singleElement()
          .satisfies(r -> assertThat(r.path("lastname").asText()).isEqualTo("Doe-Smith"));
    }
  }

  @Nested
  class Settings {
    private SinkConfig.Builder valid() {
      return SinkConfig.builder("crm", "dynamics").put("tenantId", FakeDynamics.TENANT)
          .put("clientId", FakeDynamics.CLIENT).secret("clientSecret", Secret.of(FakeDynamics.SECRET))
          .put("instanceUrl", "https://contoso.crm.dynamics.com");
    }

    @Test
    void descriptorKeys_matchAndMode_reachTheSink() {
      DynamicsSink sink = (DynamicsSink) new DynamicsSinkProvider().create(valid().put("match", "email")
          .put("mode", "update-only").build());

      assertThat(sink.config().matching().match()).isEqualTo(Match.EMAIL);
      assertThat(sink.config().matching().mode()).isEqualTo(SyncMode.UPDATE_ONLY);
      assertThat(sink.toString()).endsWith(", match: email, mode: update-only]");
    }

    @Test
    void unknownValues_andEmailMatchWithoutTheEmailSent_areReportedTogether() {
      assertThatThrownBy(() -> new DynamicsSinkProvider().create(valid().put("match", "phone")
          .put("mode", "merge").build()))
          .isInstanceOf(ConfigurationException.class)
          .hasMessage("invalid configuration (2 problems):\n"
              + "  - sinks.crm.match: 'phone' is not one of [leadId, email] (use one of leadId, email)\n"
              + "  - sinks.crm.mode: 'merge' is not one of [create, upsert, update-only] (use one of create, upsert, "
              + "update-only)");
      assertThatThrownBy(() -> new DynamicsSinkProvider().create(valid().put("match", "email")
          .put("mapping.email", "").build()))
          .isInstanceOf(ConfigurationException.class)
          .hasMessage("invalid configuration: sinks.crm.match: 'email' looks leads up by their e-mail column, but "
              + "mapping.email is empty (the e-mail is not sent) (map email to the Lead column holding it (e.g. "
              + "emailaddress1), or use match: leadId)");
    }
  }
}
