package io.leadrouter.marketo;

import io.leadrouter.testkit.MutableClock;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.marketo.MarketoConfig.LeadField;
import io.leadrouter.marketo.MarketoConfig.Mode;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalInt;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MarketoSinkProviderTest {
  private final MarketoSinkProvider provider = new MarketoSinkProvider();

  private static SinkConfig.Builder base() {
    return SinkConfig.builder("mkto", "marketo")
        .put("endpoint", "https://123-ABC-456.mktorest.com/rest")
        .put("identity", "https://123-ABC-456.mktorest.com/identity")
        .put("clientId", "client-1")
        .secret("clientSecret", Secret.of("s3cret"));
  }

  @Test
  void serviceLoader_findsMarketoProvider() {
    assertThat(ServiceLoader.load(LeadSinkProvider.class).stream().map(p -> p.get().type()))
        .contains("marketo");
  }

  @Test
  void create_minimalDescriptor_usesDefaults() {
    MarketoSink sink = (MarketoSink) provider.create(base().build());

    MarketoConfig c = sink.config();
    assertThat(c.mode()).isEqualTo(Mode.CREATE_OR_UPDATE);
    assertThat(c.lookupField()).isEqualTo("email");
    assertThat(c.match()).as("Marketo's own person key, as before sync modes").contains(Match.EMAIL);
    assertThat(c.mapping()).isEqualTo(MarketoConfig.defaultMapping());
    assertThat(c.marketoFields()).containsExactly("firstName", "lastName", "email", "phone", "country", "company",
        "title", "leadSource");
    assertThat(c.leadIdField()).isEmpty();
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void create_fullDescriptor_appliesEverySetting() {
    MarketoSink sink = (MarketoSink) provider.create(base()
        .put("mode", "submitForm").put("formId", "1001").put("leadIdField", "leadRouterLeadId")
        .put("mapping.offerTitle", "offerName").put("mapping.phone", "").put("timeout", "10s").build());

    MarketoConfig c = sink.config();
    assertThat(c.mode()).isEqualTo(Mode.SUBMIT_FORM);
    assertThat(c.formId()).isEqualTo(OptionalInt.of(1001));
    assertThat(c.mapping()).containsEntry(LeadField.OFFER_TITLE, "offerName").doesNotContainKey(LeadField.PHONE);
    assertThat(c.leadIdField()).contains("leadRouterLeadId");
    assertThat(c.timeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(sink.capabilities().maxBatchSize()).isEqualTo(1);
  }

  @Test
  void create_missingAndInvalidKeys_reportsEveryProblemAtOnce() {
    SinkConfig config = SinkConfig.builder("mkto", "marketo")
        .put("endpoint", "https://123-ABC-456.mktorest.com")
        .put("clientSecret", "inline-secret")
        .put("mode", "formSubmit")
        .put("mapping.fax", "fax")
        .put("lookupFeld", "email")
        .build();

    assertThatThrownBy(() -> provider.create(config)).isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (7 problems):\n"
            + "  - sinks.mkto.clientSecret: is a secret and must not be written inline (write it as ${ENV_VAR} or"
            + " ${file:/path/to/file})\n"
            + "  - sinks.mkto.mode: 'formSubmit' is not one of [create, upsert, update-only, submitForm,"
            + " createOrUpdate] (use one of create, upsert, update-only, submitForm, createOrUpdate)\n"
            + "  - sinks.mkto.mapping.fax: 'fax' is not a lead field (use one of firstName, lastName, email, phone,"
            + " country, company, title, leadSource, offerId, offerTitle, description, action, createdTime)\n"
            + "  - sinks.mkto.identity: is required (set the Identity URL, e.g."
            + " https://123-ABC-456.mktorest.com/identity)\n"
            + "  - sinks.mkto.clientId: is required (set the LaunchPoint custom service's client id)\n"
            + "  - sinks.mkto.endpoint: 'https://123-ABC-456.mktorest.com' does not end with /rest (copy it from"
            + " Admin > Integration > Web Services > REST API, e.g. https://123-ABC-456.mktorest.com/rest)\n"
            + "  - sinks.mkto.lookupFeld: is not a setting of the marketo sink (did you mean 'lookupField'? "
            + "otherwise remove it)");
  }

  @Test
  void create_crossFieldMistakes_areReported() {
    SinkConfig config = base().put("endpoint", "http://123-ABC-456.mktorest.com/rest")
        .put("lookupField", "leadRouterLeadId").put("formId", "7").put("mapping.company", "firstName").build();

    assertThatThrownBy(() -> provider.create(config)).isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (4 problems):\n"
            + "  - sinks.mkto.endpoint: 'http://123-ABC-456.mktorest.com/rest' is not an https:// URL (use"
            + " https://<munchkin>.mktorest.com/rest (the client secret travels in the identity URL))\n"
            + "  - sinks.mkto.formId: only applies to mode submitForm (remove formId or set mode: submitForm)\n"
            + "  - sinks.mkto.lookupField: 'leadRouterLeadId' is not a field this sink writes [firstName, lastName,"
            + " email, phone, country, title, leadSource] (map a lead field to it (mapping.<leadField>:"
            + " leadRouterLeadId) or set leadIdField: leadRouterLeadId)\n"
            + "  - sinks.mkto.mapping.company: writes 'firstName', which mapping.firstName already writes (map each"
            + " lead field to a different Marketo field)");
  }

  @ParameterizedTest(name = "mode {0}, match {1}")
  @CsvSource({
      "create,         email,  CREATE_ONLY,      email",
      "create,         leadId, CREATE_ONLY,      leadRouterLeadId",
      "upsert,         email,  CREATE_OR_UPDATE, email",
      "upsert,         leadId, CREATE_OR_UPDATE, leadRouterLeadId",
      "update-only,    email,  UPDATE_ONLY,      email",
      "update-only,    leadId, UPDATE_ONLY,      leadRouterLeadId",
      "UPDATE-ONLY,    LEADID, UPDATE_ONLY,      leadRouterLeadId",
      "createOrUpdate, email,  CREATE_OR_UPDATE, email",
      "createOrUpdate, leadId, CREATE_OR_UPDATE, leadRouterLeadId",
  })
  void create_modeAndMatch_choseActionAndLookupField(String mode, String match, Mode expected, String lookupField) {
    MarketoSink sink = (MarketoSink) provider.create(base().put("mode", mode).put("match", match)
        .put("leadIdField", "leadRouterLeadId").build());

    assertThat(sink.config().mode()).isEqualTo(expected);
    assertThat(sink.config().lookupField()).isEqualTo(lookupField);
    assertThat(sink.config().match()).contains(Match.of(match).orElseThrow());
    assertThat(sink.capabilities().maxBatchSize()).isEqualTo(300);
  }

  @Test
  void create_legacyLookupFieldWithoutMatch_stillWorks() {
    MarketoSink sink = (MarketoSink) provider.create(base().put("mode", "createOrUpdate")
        .put("leadIdField", "leadRouterLeadId").put("lookupField", "leadRouterLeadId").build());

    assertThat(sink.config().mode()).isEqualTo(Mode.CREATE_OR_UPDATE);
    assertThat(sink.config().match()).contains(Match.LEAD_ID);
    assertThat(sink.toString()).contains("mode=upsert, match=leadId, lookupField=leadRouterLeadId");
  }

  @Test
  void create_unknownMatch_listsTheAllowedValues() {
    assertThatThrownBy(() -> provider.create(base().put("match", "phone").build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.mkto.match: 'phone' is not one of [leadId, email] (use one of"
            + " leadId, email)");
  }

  @Test
  void create_matchLeadIdWithoutLeadIdField_saysWhichFieldToCreate() {
    assertThatThrownBy(() -> provider.create(base().put("match", "leadId").build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.mkto.match: leadId needs leadIdField: Marketo has no field of its"
            + " own for the marketplace's LeadId (create a custom string field in Marketo (e.g. leadRouterLeadId)"
            + " and set leadIdField to it; or use match: email)");
  }

  @Test
  void create_matchEmailWithEmailUnmapped_isRefused() {
    assertThatThrownBy(() -> provider.create(base().put("match", "email").put("mapping.email", "").build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.mkto.match: email needs the lead's e-mail sent, but mapping.email"
            + " is empty (remove mapping.email: \"\" (the e-mail goes to Marketo's email field), or use match:"
            + " leadId)");
  }

  @Test
  void create_lookupFieldContradictingMatch_isRefused() {
    assertThatThrownBy(() -> provider.create(base().put("match", "email").put("leadIdField", "leadRouterLeadId")
        .put("lookupField", "leadRouterLeadId").build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.mkto.lookupField: 'leadRouterLeadId' contradicts match: email,"
            + " which looks leads up by 'email' (remove lookupField (match chooses it), or match)");
  }

  @Test
  void create_submitFormWithMatchLeadId_isRefused_submitFormMatchesByEmailOnly() {
    assertThatThrownBy(() -> provider.create(base().put("mode", "submitForm").put("formId", "1001")
        .put("match", "leadId").put("leadIdField", "leadRouterLeadId").build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.mkto.match: leadId cannot be used with mode submitForm: Submit"
            + " Form matches people by e-mail only (Marketo de-duplicates form fills on the e-mail address) (use"
            + " match: email (or leave match out) with submitForm, or mode: upsert with match: leadId)");
  }

  @Test
  void create_submitFormWithMatchEmail_isAccepted() {
    MarketoSink sink = (MarketoSink) provider.create(base().put("mode", "submitForm").put("formId", "1001")
        .put("match", "email").build());

    assertThat(sink.config().mode()).isEqualTo(Mode.SUBMIT_FORM);
    assertThat(sink.config().match()).contains(Match.EMAIL);
  }

  @Test
  void create_submitFormWithoutFormId_isReported() {
    assertThatThrownBy(() -> provider.create(base().put("mode", "submitForm").build()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.mkto.formId: is required when mode is submitForm (set formId to"
            + " the id of the Marketo form to submit (shown in the form's URL, e.g. 1001))");
  }

  @Test
  void create_registeredOkHttpClient_isUsed() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    OkHttpClient shared = new OkHttpClient.Builder().addInterceptor(chain -> {
      calls.incrementAndGet();
      return chain.proceed(chain.request());
    }).build();
    MutableClock clock = new MutableClock(Instant.parse("2026-11-25T10:15:30Z"));
    try (FakeMarketo fake = new FakeMarketo(clock)) {
      SinkConfig config = SinkConfig.builder("mkto", "marketo")
          .put("endpoint", fake.rest().toString()).put("identity", fake.identity().toString())
          .put("clientId", FakeMarketo.CLIENT_ID).secret("clientSecret", Secret.of(FakeMarketo.CLIENT_SECRET))
          .resource(OkHttpClient.class, shared).build();
      try (LeadSink sink = provider.create(config)) {
        sink.deliver(SampleLeads.azureMarketplaceInstall());
      }
      assertThat(calls).hasValue(2); // identity + Sync Leads
      assertThat(shared.dispatcher().getMaxRequestsPerHost())
          .as("the application's dispatcher is left alone: the sink derives its own (lead-http)").isEqualTo(5);
    }
  }

  @Test
  void builder_withoutRequiredSettings_listsThem() {
    assertThatThrownBy(() -> MarketoSink.builder().endpoint(URI.create("https://x.mktorest.com/rest")).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (3 problems):\n"
            + "  - identity: is required (set the Identity URL, e.g. https://123-ABC-456.mktorest.com/identity)\n"
            + "  - clientId: is required (set the LaunchPoint custom service's client id)\n"
            + "  - clientSecret: is required (set the LaunchPoint custom service's client secret; in a descriptor as"
            + " ${ENV_VAR} or ${file:/path})");
  }

  @Test
  void config_fieldsOf_leavesBlankValuesOut() {
    MarketoConfig c = new MarketoConfig(URI.create("https://x.mktorest.com/rest"),
        URI.create("https://x.mktorest.com/identity"), "id", Secret.of("s"), Mode.CREATE_OR_UPDATE, "email",
        OptionalInt.empty(), MarketoConfig.defaultMapping(), java.util.Optional.of("leadRouterLeadId"),
        Duration.ofSeconds(5));
    var lead = SampleLeads.doNotContact();

    assertThat(c.fieldsOf(lead)).isEqualTo(Map.of("firstName", "Sam", "lastName", "Rivera",
        "email", "sam.rivera@fabrikam.com", "country", "GB", "company", "Fabrikam",
        "leadSource", "AzurePortal-DNC|fabrikam.analytics", "leadRouterLeadId", lead.id().value()));
    assertThat(c.problems()).isEmpty();
  }
}
