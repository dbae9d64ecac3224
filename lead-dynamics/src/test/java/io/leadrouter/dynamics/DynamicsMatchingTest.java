package io.leadrouter.dynamics;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.testkit.SampleLeads;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@code match} and {@code mode} on Dataverse, against a fake that holds its rows. Microsoft's docs followed:
 * "Filter rows using OData" (learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows: string
 * comparisons ignore case, special characters URL-encoded, a quote in a literal doubled), "Perform conditional
 * operations" (.../webapi/perform-conditional-operations-using-web-api: {@code If-Match: *} never creates,
 * {@code If-None-Match: *} never updates) and "Use Upsert" (.../use-upsert-insert-update-record).
 */
class DynamicsMatchingTest extends FakeDynamicsTest {
  private static final String KEY = "new_leadrouterid";

  private static Lead lead(String id, String email, String lastName) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of(id)).email(email).lastName(lastName)
        .build();
  }

  private static List<LoggedRequest> leadRequests() {
    return fake.wm.findAll(anyRequestedFor(urlPathMatching("/api/data/v9\\.2/leads.*")));
  }

  private static List<String> methods() {
    return leadRequests().stream().map(r -> r.getMethod().getName() + " " + r.getUrl().replaceFirst("\\?.*", "?"))
        .toList();
  }

  private static Diagnosis diagnosis(DynamicsSink sink, Lead lead) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> sink.deliver(lead));
    assertThat(t).isInstanceOf(PermanentDeliveryException.class);
    return ((PermanentDeliveryException) t).diagnosis().orElseThrow();
  }

  @Nested
  class ByEmail {
    @Test
    void upsert_aCustomersSecondLead_updatesTheOneRow_whateverTheCase() throws Exception {
      DynamicsSink sink = fake.sink().match(Match.EMAIL).build();

      DeliveryResult first = sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
      DeliveryResult second = sink.deliver(lead("create-2", "Jane.Doe@Contoso.com", "Doe-Smith"));

      assertThat(first.outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(second.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(second.recordId()).isEqualTo(first.recordId());
      assertThat(fake.rows()).hasSize(1);
      assertThat(fake.rows().get(0).path("lastname").asText()).isEqualTo("Doe-Smith");
      List<LoggedRequest> requests = leadRequests();
      assertThat(methods()).containsExactly("GET /api/data/v9.2/leads?", "POST /api/data/v9.2/leads",
          "GET /api/data/v9.2/leads?", "PATCH /api/data/v9.2/leads(" + first.recordId().orElseThrow() + ")");
      assertThat(requests.get(0).queryParameter("$filter").firstValue())
          .isEqualTo("emailaddress1 eq 'jane.doe@contoso.com'");
      assertThat(requests.get(0).queryParameter("$select").firstValue()).isEqualTo("leadid");
      assertThat(requests.get(0).queryParameter("$top").firstValue()).isEqualTo("2");
      assertThat(requests.get(3).getHeader("If-Match")).as("an update that never creates").isEqualTo("*");
    }

    @Test
    void create_aMatchingRowIsLeftUntouched_reportedUnchanged_noneMatching_isCreated() throws Exception {
      String existing = fake.addRow("jane.doe@contoso.com", "Typed-In-By-Sales");
      DynamicsSink sink = fake.sink().match(Match.EMAIL).mode(SyncMode.CREATE).build();

      DeliveryResult known = sink.deliver(lead("ins-1", "JANE.DOE@contoso.com", "Doe"));
      DeliveryResult fresh = sink.deliver(lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

      assertThat(known).isEqualTo(DeliveryResult.unchanged(existing));
      assertThat(fake.recordsWithEmail("jane.doe@contoso.com")).singleElement()
          .satisfies(r -> assertThat(r.path("lastname").asText()).isEqualTo("Typed-In-By-Sales"));
      assertThat(fresh.outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(fake.rows()).hasSize(2);
      assertThat(methods()).containsExactly("GET /api/data/v9.2/leads?", "GET /api/data/v9.2/leads?",
          "POST /api/data/v9.2/leads");
    }

    @Test
    void updateOnly_updatesTheMatch_andNoMatch_failsPermanentlySayingWhichKeyFoundNothing() throws Exception {
      String existing = fake.addRow("jane.doe@contoso.com", "Doe");
      DynamicsSink sink = fake.sink().match(Match.EMAIL).mode(SyncMode.UPDATE_ONLY).build();

      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe-Smith")))
          .isEqualTo(DeliveryResult.updated(existing));
      Diagnosis d = diagnosis(sink, lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

      assertThat(d.code()).isEqualTo("DYNAMICS_NO_MATCHING_RECORD");
      assertThat(d.message()).isEqualTo("mode: update-only and no lead row has emailaddress1 = k***@northwind.jp "
          + "(match: email, mode: update-only)");
      assertThat(d.remediation()).isEqualTo("create the lead in Dynamics first, or use mode: upsert to create it "
          + "when none matches; then replay the dead letters");
      assertThat(fake.rows()).hasSize(1);
      assertThat(fake.rows().get(0).path("lastname").asText()).isEqualTo("Doe-Smith");
    }

    @Test
    void twoRowsMatch_neverGuesses_permanentDiagnosisNamingHowMany_andWritesNothing() {
      fake.addRow("jane.doe@contoso.com", "First");
      fake.addRow("Jane.Doe@Contoso.com", "Second");
      fake.addRow("jane.doe@contoso.com", "Third");
      DynamicsSink sink = fake.sink().match(Match.EMAIL).build();

      Diagnosis d = diagnosis(sink, lead("ins-1", "jane.doe@contoso.com", "Doe"));

      assertThat(d.code()).isEqualTo("DYNAMICS_AMBIGUOUS_MATCH");
      assertThat(d.message()).isEqualTo("match: email found 3 leads with emailaddress1 = j***@contoso.com; "
          + "LeadRouter never guesses which one is the customer's");
      assertThat(d.remediation()).contains("merge the duplicate leads in Dynamics").contains("match: leadId");
      assertThat(methods()).containsExactly("GET /api/data/v9.2/leads?");
      assertThat(fake.rows()).extracting(r -> r.path("lastname").asText())
          .containsExactlyInAnyOrder("First", "Second", "Third");
    }

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

    @Test
    void explain_showsTheLookupFirst() {
      DynamicsSink sink = fake.sink().match(Match.EMAIL).mode(SyncMode.UPDATE_ONLY).build();

      var explained = sink.explain(lead("ins-1", "jane.doe@contoso.com", "Doe")).orElseThrow();

      assertThat(explained.method()).isEqualTo("GET");
      assertThat(explained.url()).contains("emailaddress1%20eq%20%27jane.doe%40contoso.com%27");
      assertThat(String.join("\n", explained.notes())).contains("DYNAMICS_NO_MATCHING_RECORD")
          .contains("DYNAMICS_AMBIGUOUS_MATCH");
    }
  }

  @Nested
  class ByLeadId {
    @Test
    void create_withAlternateKey_redeliveryIsUnchanged_andTheRowKeepsItsValues() throws Exception {
      fake.alternateKey(KEY);
      DynamicsSink sink = fake.sink().idColumn(KEY).mode(SyncMode.CREATE).build();

      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe")).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Changed")).outcome())
          .isEqualTo(DeliveryOutcome.UNCHANGED);

      assertThat(fake.rows()).singleElement().satisfies(r -> assertThat(r.path("lastname").asText()).isEqualTo("Doe"));
      assertThat(leadRequests()).allMatch(r -> "*".equals(r.getHeader("If-None-Match")))
          .noneMatch(r -> r.containsHeader("If-Match"));
    }

    @Test
    void updateOnly_withAlternateKey_updatesAnExistingRow_neverCreates() throws Exception {
      fake.alternateKey(KEY);
      fake.sink().idColumn(KEY).build().deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
      DynamicsSink sink = fake.sink().idColumn(KEY).mode(SyncMode.UPDATE_ONLY).build();

      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe-Smith")).outcome())
          .isEqualTo(DeliveryOutcome.UPDATED);
      Diagnosis d = diagnosis(sink, lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

      assertThat(d.code()).isEqualTo("DYNAMICS_NO_MATCHING_RECORD");
      assertThat(d.message()).isEqualTo("mode: update-only and no lead row has new_leadrouterid = ins-2 "
          + "(match: leadId, mode: update-only)");
      assertThat(fake.rows()).singleElement()
          .satisfies(r -> assertThat(r.path("lastname").asText()).isEqualTo("Doe-Smith"));
    }

    @Test
    void updateOnly_leadIdOutsideTheKeyAlphabet_looksUp_andFindsNothing() {
      fake.alternateKey(KEY);
      DynamicsSink sink = fake.sink().idColumn(KEY).mode(SyncMode.UPDATE_ONLY).build();

      Diagnosis d = diagnosis(sink, lead("urn:lead:42", "jane.doe@contoso.com", "Doe"));

      assertThat(d.code()).isEqualTo("DYNAMICS_NO_MATCHING_RECORD");
      assertThat(d.message()).contains("no lead row has new_leadrouterid = urn:lead:42");
      assertThat(fake.rows()).isEmpty();
    }

    @Test
    void withoutAlternateKey_createThenUnchanged_updateOnlyByTheDerivedKey() throws Exception {
      DynamicsSink create = fake.sink().mode(SyncMode.CREATE).build();
      DynamicsSink updateOnly = fake.sink().mode(SyncMode.UPDATE_ONLY).build();
      Lead lead = lead("ins-1", "jane.doe@contoso.com", "Doe");

      Diagnosis none = diagnosis(updateOnly, lead);
      assertThat(create.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(create.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);
      DeliveryResult updated = updateOnly.deliver(lead.toBuilder().lastName("Doe-Smith").build());

      assertThat(none.code()).isEqualTo("DYNAMICS_NO_MATCHING_RECORD");
      assertThat(none.message()).contains("no lead row has the primary key").contains("derived from lead id ins-1");
      assertThat(updated.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(fake.rows()).singleElement()
          .satisfies(r -> assertThat(r.path("lastname").asText()).isEqualTo("Doe-Smith"));
    }

    @Test
    void upsert_theDefault_isUnchangedBehaviour() throws Exception {
      fake.alternateKey(KEY);
      DynamicsSink sink = fake.sink().idColumn(KEY).build();

      assertThat(sink.config().matching().isDefault()).isTrue();
      assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe")).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(lead("ins-2", "jane.doe@contoso.com", "Doe")).outcome())
          .as("another lead of the same person is another row: no silent merge").isEqualTo(DeliveryOutcome.CREATED);
      assertThat(fake.rows()).hasSize(2);
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

    @Test
    void verify_updateOnly_warnsThatTheTestLeadWouldBeDeadLettered_andCreatesNothing() {
      VerificationReport report = fake.sink().match(Match.EMAIL).mode(SyncMode.UPDATE_ONLY).build().verify();

      VerificationReport.Step last = report.steps().get(report.steps().size() - 1);
      assertThat(last.name()).isEqualTo("test lead");
      assertThat(last.status()).isEqualTo(VerificationReport.Status.WARNING);
      assertThat(last.diagnosis().orElseThrow().code()).isEqualTo("DYNAMICS_NO_MATCHING_RECORD");
      assertThat(fake.rows()).isEmpty();
    }
  }
}
