package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import io.leadrouter.spi.VerificationReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What {@code match} and {@code mode} ({@link RecordMatching}) mean at a CRM that can look a record up, as a JUnit 5
 * test interface: a CRM sink's matching test implements it against a fake of the destination's real API and answers
 * the hooks below. The contract states what happens (which lead creates, updates or leaves a record alone, which
 * fails, that nothing is guessed); the other hooks state how that looks in the destination's own terms: its lookup
 * query and requests ({@code assert…}) and its diagnoses, word for word.
 *
 * <p>An interface, so that the test class keeps its own base class (the one that runs its fake). The hooks are about
 * a fake that is empty and healthy at the start of each test.
 */
public interface RecordMatchingContract {
  /**
   * A new sink with {@code matching}; with {@link Match#LEAD_ID} it finds a lead's record by the key the destination
   * offers for the lead id (an alternate key, an External ID field). Given {@link RecordMatching#DEFAULT}, a sink
   * built without setting match or mode. The test class closes it after the test, if it needs closing.
   */
  LeadSink matchingSink(RecordMatching matching);

  /** Adds a record as if someone else entered it at the destination (a sales rep typing a lead in); returns its id. */
  String addRecord(String email, String lastName);

  /** The last name of every record the destination holds, in any order. */
  List<String> lastNames();

  /**
   * Asserts the requests of {@link #upsertByEmail_aCustomersSecondLead_updatesTheOneRecord_whateverTheCase}: a lookup
   * by e-mail, a create, a lookup, an update of {@code recordId}.
   */
  void assertUpsertByEmailRequests(String recordId);

  /**
   * Asserts the requests of {@link #createByEmail_aMatchingRecordIsLeftUntouched_noneMatching_isCreated}: two lookups
   * and one create.
   */
  void assertCreateByEmailRequests();

  /** The diagnosis, word for word, for a lead of {@code ken.tanaka@northwind.jp} that no record matches by e-mail. */
  Diagnosis noMatchByEmail();

  /** The diagnosis, word for word, for a lead of {@code jane.doe@contoso.com}, whom three records match. */
  Diagnosis ambiguousByEmail();

  /**
   * Asserts the requests of {@link #ambiguousByEmail_neverGuesses_permanentDiagnosisNamingHowMany_andWritesNothing}.
   */
  void assertAmbiguousByEmailRequests();

  /** Asserts the lookup {@code explain} shows first for {@code jane.doe@contoso.com} (mode update-only). */
  void assertLookupExplained(ExplainedRequest explained);

  /**
   * Asserts the requests of {@link #createByLeadId_redeliveryIsUnchanged_andTheRecordKeepsItsValues} and its two
   * results; whether the unchanged redelivery names the record is the destination's to say (a conditional create
   * refused with 412 does not).
   */
  void assertCreateByLeadId(DeliveryResult first, DeliveryResult again);

  /** The diagnosis, word for word, for lead id {@code ins-2}, which no record holds (mode update-only). */
  Diagnosis noMatchByLeadId();

  /**
   * Asserts that {@code sink}, built with {@link RecordMatching#DEFAULT}, reports the default settings, and that the
   * two leads it delivered were written without a lookup.
   */
  void assertDefaultUpsert(LeadSink sink);

  /** A lead of the given id, e-mail and last name; every other field as the marketplace sends it. */
  static Lead lead(String id, String email, String lastName) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of(id)).email(email).lastName(lastName)
        .build();
  }

  /** The diagnosis of the permanent failure {@code sink} reports for {@code lead}. */
  static Diagnosis permanentFailure(LeadSink sink, Lead lead) {
    Throwable t = catchThrowable(() -> sink.deliver(lead));
    assertThat(t).isInstanceOf(PermanentDeliveryException.class);
    return ((PermanentDeliveryException) t).diagnosis().orElseThrow();
  }

  /** A customer's later lead updates their one record, however the e-mail is capitalised. */
  @Test
  default void upsertByEmail_aCustomersSecondLead_updatesTheOneRecord_whateverTheCase() throws Exception {
    LeadSink sink = matchingSink(new RecordMatching(Match.EMAIL, SyncMode.UPSERT));

    DeliveryResult first = sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
    DeliveryResult second = sink.deliver(lead("create-2", "Jane.Doe@Contoso.com", "Doe-Smith"));

    assertThat(first.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(second).isEqualTo(DeliveryResult.updated(first.recordId().orElseThrow()));
    assertThat(lastNames()).containsExactly("Doe-Smith");
    assertUpsertByEmailRequests(first.recordId().orElseThrow());
  }

  /** {@code mode: create} leaves the customer's record as the sales team keeps it; a new customer is created. */
  @Test
  default void createByEmail_aMatchingRecordIsLeftUntouched_noneMatching_isCreated() throws Exception {
    String existing = addRecord("jane.doe@contoso.com", "Typed-In-By-Sales");
    LeadSink sink = matchingSink(new RecordMatching(Match.EMAIL, SyncMode.CREATE));

    DeliveryResult known = sink.deliver(lead("ins-1", "JANE.DOE@contoso.com", "Doe"));
    DeliveryResult fresh = sink.deliver(lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

    assertThat(known).isEqualTo(DeliveryResult.unchanged(existing));
    assertThat(fresh.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(lastNames()).containsExactlyInAnyOrder("Typed-In-By-Sales", "Tanaka");
    assertCreateByEmailRequests();
  }

  /** {@code mode: update-only} updates the match; no match fails permanently, saying which key found nothing. */
  @Test
  default void updateOnlyByEmail_updatesTheMatch_andNoMatch_failsPermanentlySayingWhichKeyFoundNothing()
      throws Exception {
    String existing = addRecord("jane.doe@contoso.com", "Doe");
    LeadSink sink = matchingSink(new RecordMatching(Match.EMAIL, SyncMode.UPDATE_ONLY));

    assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe-Smith")))
        .isEqualTo(DeliveryResult.updated(existing));
    Diagnosis d = permanentFailure(sink, lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

    assertThat(d).isEqualTo(noMatchByEmail());
    assertThat(lastNames()).containsExactly("Doe-Smith");
  }

  /** Several records of one e-mail: the sink never guesses which is the customer's, and writes nothing. */
  @Test
  default void ambiguousByEmail_neverGuesses_permanentDiagnosisNamingHowMany_andWritesNothing() {
    addRecord("jane.doe@contoso.com", "First");
    addRecord("Jane.Doe@Contoso.com", "Second");
    addRecord("jane.doe@contoso.com", "Third");
    LeadSink sink = matchingSink(new RecordMatching(Match.EMAIL, SyncMode.UPSERT));

    Diagnosis d = permanentFailure(sink, lead("ins-1", "jane.doe@contoso.com", "Doe"));

    assertThat(d).isEqualTo(ambiguousByEmail());
    assertAmbiguousByEmailRequests();
    assertThat(lastNames()).containsExactlyInAnyOrder("First", "Second", "Third");
  }

  /** {@code explain} shows the lookup, the first request a delivery sends, and names the codes it may end in. */
  @Test
  default void explainByEmail_showsTheLookupFirst() throws Exception {
    LeadSink sink = matchingSink(new RecordMatching(Match.EMAIL, SyncMode.UPDATE_ONLY));

    ExplainedRequest explained = sink.explain(lead("ins-1", "jane.doe@contoso.com", "Doe")).orElseThrow();

    assertThat(explained.method()).isEqualTo("GET");
    assertLookupExplained(explained);
    assertThat(String.join("\n", explained.notes())).contains(noMatchByEmail().code())
        .contains(ambiguousByEmail().code());
  }

  /** {@code mode: create} by lead id: a redelivery leaves the record as the first delivery wrote it. */
  @Test
  default void createByLeadId_redeliveryIsUnchanged_andTheRecordKeepsItsValues() throws Exception {
    LeadSink sink = matchingSink(new RecordMatching(Match.LEAD_ID, SyncMode.CREATE));

    DeliveryResult first = sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
    DeliveryResult again = sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Changed"));

    assertThat(first.outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(again.outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);
    assertThat(lastNames()).containsExactly("Doe");
    assertCreateByLeadId(first, again);
  }

  /** {@code mode: update-only} by lead id updates the record of that lead id and never creates one. */
  @Test
  default void updateOnlyByLeadId_updatesTheRecordOfThisLeadId_neverCreates() throws Exception {
    matchingSink(new RecordMatching(Match.LEAD_ID, SyncMode.UPSERT))
        .deliver(lead("ins-1", "jane.doe@contoso.com", "Doe"));
    LeadSink sink = matchingSink(new RecordMatching(Match.LEAD_ID, SyncMode.UPDATE_ONLY));

    assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe-Smith")).outcome())
        .isEqualTo(DeliveryOutcome.UPDATED);
    Diagnosis d = permanentFailure(sink, lead("ins-2", "ken.tanaka@northwind.jp", "Tanaka"));

    assertThat(d).isEqualTo(noMatchByLeadId());
    assertThat(lastNames()).containsExactly("Doe-Smith");
  }

  /** The default ({@code match: leadId}, {@code mode: upsert}): another lead of the same person is another record. */
  @Test
  default void upsertByLeadId_theDefault_neverMergesTwoLeads() throws Exception {
    LeadSink sink = matchingSink(RecordMatching.DEFAULT);

    assertThat(sink.deliver(lead("ins-1", "jane.doe@contoso.com", "Doe")).outcome())
        .isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink.deliver(lead("ins-2", "jane.doe@contoso.com", "Doe")).outcome())
        .as("another lead of the same person is another record: no silent merge").isEqualTo(DeliveryOutcome.CREATED);
    assertThat(lastNames()).hasSize(2);
    assertDefaultUpsert(sink);
  }

  /** {@code verify()} in mode update-only warns that its test lead would be dead-lettered, and creates nothing. */
  @Test
  default void verifyUpdateOnly_warnsThatTheTestLeadWouldBeDeadLettered_andCreatesNothing() {
    VerificationReport report = matchingSink(new RecordMatching(Match.EMAIL, SyncMode.UPDATE_ONLY)).verify();

    VerificationReport.Step last = report.steps().get(report.steps().size() - 1);
    assertThat(last.name()).isEqualTo("test lead");
    assertThat(last.status()).isEqualTo(VerificationReport.Status.WARNING);
    assertThat(last.diagnosis().orElseThrow().code()).isEqualTo(noMatchByEmail().code());
    assertThat(lastNames()).isEmpty();
  }
}
