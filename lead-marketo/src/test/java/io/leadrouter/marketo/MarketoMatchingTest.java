package io.leadrouter.marketo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.marketo.MarketoConfig.Mode;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.spi.VerificationReport.Status;
import io.leadrouter.spi.VerificationReport.Step;
import io.leadrouter.testkit.MutableClock;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Matching and sync mode against a {@link FakeMarketo} that keeps people as Marketo does and answers each Sync Leads
 * action per record as Adobe documents (Marketo REST API "Leads" > "Create and Update"; record-level errors 1004 "Lead
 * not found" for {@code updateOnly}, 1005 "Lead already exists" for {@code createOnly}: "Error Codes").
 *
 * <p>Marketo already holds Ann, written by lead {@code lead-ann-1}. Three leads arrive in one batch: Ann's first lead
 * again ({@code lead-ann-1}, found by either key), Ann's second lead ({@code lead-ann-2}, found by e-mail only) and
 * Bob's ({@code lead-bob-1}, found by neither).
 */
class MarketoMatchingTest {
  private static final Instant START = Instant.parse("2026-11-25T10:15:30Z");
  private static final MutableClock CLOCK = new MutableClock(START);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String LEAD_ID_FIELD = "leadRouterLeadId";
  @RegisterExtension static final FakeMarketo fake = new FakeMarketo(CLOCK);

  private MarketoSink sink;

  @AfterEach
  void close() {
    if (sink != null) {
      sink.close();
    }
  }

  private MarketoSink sink(UnaryOperator<MarketoSink.Builder> customize) {
    sink = customize.apply(fake.sinkBuilder().clock(CLOCK).leadIdField(LEAD_ID_FIELD)).build();
    return sink;
  }

  private static Lead lead(String id, String first, String email) {
    return Lead.builder().id(LeadId.of(id)).createdTime(START).firstName(first).lastName("Example").email(email)
        .country("US").company("Contoso").source("AzureMarketplace-INS|contoso.crm-connector").build();
  }

  /** Ann as Marketo holds her before the test: written by lead-ann-1, first name "Annie". */
  private static long holdAnn() {
    ObjectNode ann = JSON.createObjectNode().put("email", "ann@contoso.com").put("firstName", "Annie")
        .put(LEAD_ID_FIELD, "lead-ann-1");
    return fake.hold(ann);
  }

  /** Ann's second lead (lead-ann-2), delivered through a sink set up by {@code customize} to a Marketo holding Ann. */
  private DeliveryResult annAgain(UnaryOperator<MarketoSink.Builder> customize) throws DeliveryException {
    holdAnn();
    return sink(customize).deliver(lead("lead-ann-2", "Ann", "ann@contoso.com"));
  }

  /** What Bob's first lead (lead-bob-1, this e-mail) throws through an update-only sink matching by {@code match}. */
  private PermanentDeliveryException updateOnlyFindsNobody(Match match, String email) {
    MarketoSink s = sink(b -> b.mode(Mode.UPDATE_ONLY).match(match));
    return catchThrowableOfType(() -> s.deliver(lead("lead-bob-1", "Bob", email)), PermanentDeliveryException.class);
  }

  private static String outcome(BatchItemResult r) {
    if (r.result().isPresent()) {
      return r.result().get().outcome().name();
    }
    return r.failure().orElseThrow().diagnosis().orElseThrow().code();
  }

  @ParameterizedTest(name = "mode {0}, match {1}")
  @CsvSource({
      // mode,      match,   lead-ann-1, lead-ann-2,                  lead-bob-1,                  people, action,         lookupField
      "create,      email,   UNCHANGED,  UNCHANGED,                   CREATED,                     2,      createOnly,     email",
      "create,      leadId,  UNCHANGED,  CREATED,                     CREATED,                     3,      createOnly,     leadRouterLeadId",
      "upsert,      email,   UPDATED,    UPDATED,                     CREATED,                     2,      createOrUpdate, email",
      "upsert,      leadId,  UPDATED,    CREATED,                     CREATED,                     3,      createOrUpdate, leadRouterLeadId",
      "update-only, email,   UPDATED,    UPDATED,                     MARKETO_NO_MATCHING_RECORD,  1,      updateOnly,     email",
      "update-only, leadId,  UPDATED,    MARKETO_NO_MATCHING_RECORD,  MARKETO_NO_MATCHING_RECORD,  1,      updateOnly,     leadRouterLeadId",
  })
  void modeAndMatch_eachLeadReportsWhatMarketoDid(String mode, String match, String ann1, String ann2, String bob,
      int people, String action, String lookupField) throws Exception {
    long annId = holdAnn();
    MarketoSink s = sink(b -> b.mode(Mode.fromKey(mode).orElseThrow()).match(Match.of(match).orElseThrow()));

    List<BatchItemResult> results = s.deliverBatch(List.of(lead("lead-ann-1", "Ann", "ann@contoso.com"),
        lead("lead-ann-2", "Ann", "ANN@contoso.com"), lead("lead-bob-1", "Bob", "bob@contoso.com")));

    assertThat(results).extracting(MarketoMatchingTest::outcome).containsExactly(ann1, ann2, bob);
    assertThat(fake.recordCount()).as("people Marketo holds").isEqualTo(people);
    assertThat(fake.syncCalls()).hasSize(1);
    JsonNode body = JSON.readTree(fake.syncCalls().get(0).getBodyAsString());
    assertThat(body.path("action").asText()).isEqualTo(action);
    assertThat(body.path("lookupField").asText()).isEqualTo(lookupField);
    // an update reports the id of the person it updated; a create a new one
    results.stream().filter(r -> r.result().map(DeliveryResult::outcome).orElse(null) == DeliveryOutcome.UPDATED)
        .forEach(r -> assertThat(r.result().get().recordId()).contains(String.valueOf(annId)));
    results.stream().filter(r -> r.result().map(DeliveryResult::outcome).orElse(null) == DeliveryOutcome.CREATED)
        .forEach(r -> assertThat(r.result().get().recordId()).isPresent()
            .get().isNotEqualTo(String.valueOf(annId)));
  }

  @Test
  void updateOnly_noPersonMatches_failsPermanentlyNamingTheKeyAndTheFix_nothingCreated() {
    PermanentDeliveryException e = updateOnlyFindsNobody(Match.EMAIL, "bob.jones@contoso.com");

    assertThat(e.diagnosisValue().code()).isEqualTo(MarketoErrors.NO_MATCHING_RECORD);
    assertThat(e.diagnosisValue().message())
        .isEqualTo("no Marketo lead has this lead's e-mail (email) b***@contoso.com and mode update-only never"
            + " creates one (Marketo 1004 Lead not found)")
        .doesNotContain("bob.jones");
    assertThat(e.diagnosisValue().remediation()).contains("mode: upsert").contains("replay");
    assertThat(fake.recordCount()).isZero();
  }

  @Test
  void updateOnly_byLeadId_noPersonMatches_namesTheLeadId() {
    PermanentDeliveryException e = updateOnlyFindsNobody(Match.LEAD_ID, "bob@contoso.com");

    assertThat(e.diagnosisValue().code()).isEqualTo(MarketoErrors.NO_MATCHING_RECORD);
    assertThat(e.diagnosisValue().message()).startsWith("no Marketo lead has this lead's lead id (leadRouterLeadId)"
        + " lead-bob-1 and mode update-only never creates one");
  }

  @Test
  void create_personAlreadyThere_deliveredUnchanged_notCreated_marketoKeepsItsValues() throws Exception {
    DeliveryResult r = annAgain(b -> b.mode(Mode.CREATE_ONLY).match(Match.EMAIL));

    assertThat(r.outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);
    assertThat(fake.recordCount()).isEqualTo(1);
    assertThat(fake.leads().get(0).path("firstName").asText()).as("create-only never overwrites").isEqualTo("Annie");
    assertThat(fake.leads().get(0).path(LEAD_ID_FIELD).asText()).isEqualTo("lead-ann-1");
  }

  @Test
  void create_personAlreadyThere_throughTheRouter_settledAsDeliveredUnchanged_noDeadLetter() throws Exception {
    holdAnn();
    MarketoSink s = sink(b -> b.mode(Mode.CREATE_ONLY).match(Match.EMAIL));
    LeadJournal journal = InMemoryJournal.create();
    Lead lead = lead("lead-ann-2", "Ann", "ann@contoso.com");
    try (LeadRouter router = LeadRouter.builder().journal(journal).addSink("mkto", s).defaultRoute("mkto").build()) {
      DeliveryResult r = router.route(lead).deliveries().get("mkto").get(60, TimeUnit.SECONDS);
      assertThat(r.outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);

      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      List<DeliveryRecord> records = journal.deliveries(lead.id());
      while (records.stream().noneMatch(d -> d.state() == DeliveryState.DELIVERED) && System.nanoTime() < deadline) {
        Thread.sleep(20); // settlements are group-committed just after the call returns
        records = journal.deliveries(lead.id());
      }
      assertThat(records).singleElement().satisfies(d -> {
        assertThat(d.state()).isEqualTo(DeliveryState.DELIVERED);
        assertThat(d.result().orElseThrow().outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);
      });
      assertThat(router.deadLetters(DeliveryQuery.deadLetters())).isEmpty();
    }
    assertThat(fake.recordCount()).isEqualTo(1);
  }

  @Test
  void explain_updateOnlyAndCreate_sayWhatMarketoWillDo_andShowTheAction() throws Exception {
    Lead lead = lead("lead-bob-1", "Bob", "bob@contoso.com");
    ExplainedRequest update = sink(b -> b.mode(Mode.UPDATE_ONLY).match(Match.LEAD_ID)).explain(lead).orElseThrow();
    sink.close();
    ExplainedRequest create = sink(b -> b.mode(Mode.CREATE_ONLY)).explain(lead).orElseThrow();

    assertThat(JSON.readTree(update.body()).path("action").asText()).isEqualTo("updateOnly");
    assertThat(JSON.readTree(update.body()).path("lookupField").asText()).isEqualTo(LEAD_ID_FIELD);
    assertThat(update.notes()).anySatisfy(n -> assertThat(n).contains("mode update-only")
        .contains("lead id (leadRouterLeadId)").contains(MarketoErrors.NO_MATCHING_RECORD));
    assertThat(JSON.readTree(create.body()).path("action").asText()).isEqualTo("createOnly");
    assertThat(create.notes()).anySatisfy(n -> assertThat(n).contains("mode create").contains("UNCHANGED"));
    assertThat(fake.syncCalls()).as("explain sends nothing").isEmpty();
  }

  @Test
  void legacyCreateOrUpdate_isUpsert_sendsTheSameRequestAsBefore() throws Exception {
    MarketoSink s = sink(b -> b.createOrUpdate("email"));
    Lead lead = lead("lead-ann-1", "Ann", "ann@contoso.com");

    assertThat(s.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(s.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

    assertThat(s.config().mode()).isEqualTo(Mode.CREATE_OR_UPDATE);
    assertThat(s.config().match()).contains(Match.EMAIL);
    JsonNode body = JSON.readTree(fake.syncCalls().get(0).getBodyAsString());
    assertThat(body.path("action").asText()).isEqualTo("createOrUpdate");
    assertThat(body.path("lookupField").asText()).isEqualTo("email");
    assertThat(fake.recordCount()).isEqualTo(1);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"LEAD_ID, CREATE, CREATE_ONLY, leadRouterLeadId", "EMAIL, UPSERT, CREATE_OR_UPDATE, email",
      "EMAIL, UPDATE_ONLY, UPDATE_ONLY, email"})
  void sharedRecordMatching_choosesModeAndLookupField(Match match, SyncMode mode, Mode expected, String lookupField) {
    MarketoSink s = sink(b -> b.matching(new RecordMatching(match, mode)));

    assertThat(s.config().mode()).isEqualTo(expected);
    assertThat(s.config().mode().syncMode()).isEqualTo(mode);
    assertThat(s.config().lookupField()).isEqualTo(lookupField);
    assertThat(s.config().matching()).contains(new RecordMatching(match, mode));
  }

  @Test
  void defaults_matchEmailUpsert_asBeforeSyncModes() {
    MarketoSink s = sink(b -> b);

    assertThat(s.config().mode()).isEqualTo(Mode.CREATE_OR_UPDATE);
    assertThat(s.config().lookupField()).isEqualTo("email");
    assertThat(s.config().match()).contains(Match.EMAIL);
  }

  @Test
  void verify_updateOnly_testLeadFindsNobody_warnsThatNewCustomersWillBeDeadLettered() {
    VerificationReport report = sink(b -> b.mode(Mode.UPDATE_ONLY)).verify();

    Step step = report.steps().stream().filter(st -> st.name().equals("test lead")).findFirst().orElseThrow();
    assertThat(step.status()).isEqualTo(Status.WARNING);
    assertThat(step.diagnosis().orElseThrow().code()).isEqualTo(MarketoErrors.NO_MATCHING_RECORD);
    assertThat(step.detail()).contains("in mode update-only, created none");
    assertThat(step.diagnosis().orElseThrow().remediation()).contains("mode: upsert");
    assertThat(fake.recordCount()).isZero();
  }

  @Test
  void verify_create_testLeadCreated() {
    VerificationReport report = sink(b -> b.mode(Mode.CREATE_ONLY)).verify();

    assertThat(report.steps()).extracting(Step::status).doesNotContain(Status.FAILED, Status.WARNING);
    assertThat(fake.recordCount()).isEqualTo(1);
  }

  @Test
  void submitForm_matchEmail_isWhatTheFormDoes_aKnownAddressUpdates() throws Exception {
    DeliveryResult r = annAgain(b -> b.submitForm(FakeMarketo.FORM_ID).match(Match.EMAIL));

    assertThat(r.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(fake.recordCount()).isEqualTo(1);
    assertThat(fake.syncCalls()).isEmpty();
  }
}
