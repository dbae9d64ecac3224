package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.ErasureReceipt;
import io.leadrouter.IntakeReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.Person;
import io.leadrouter.RoutingRule;
import io.leadrouter.file.FileSink;
import io.leadrouter.internal.journal.LeadPayload;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What SQLite deleted or moved before an erasure without overwriting it stays in the file's free pages and free space
 * (a quarantined payload released when it was replayed, the tables an upgrade rebuilt): an erasure zeroed only the
 * rows it deleted itself, so the person's e-mail and name stayed readable in the file it said they were erased from.
 */
@Timeout(120)
class EraseLeftoversTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final String EMAIL = "ottoline.vexcombe@contoso.com";

  @TempDir Path dir;

  @Test
  void erase_afterTheirQuarantinedPayloadWasReplayed_leavesNoCopyInTheFile() throws Exception {
    Path db = dir.resolve("j.db");
    try (LeadRouter router = quarantinedThenReplayed(db)) {
      ErasureReceipt r = router.erase(Person.byEmail(EMAIL));
      assertThat(r.leads()).isEqualTo(1);
    }
    assertThat(found(db)).isEmpty();
  }

  /**
   * Takes in a payload with the person's name and e-mail for an offer with no route yet (kept in quarantine,
   * LEAD_NO_ROUTE), then starts a router with the route and replays the quarantine: the payload is released and the
   * lead routed. Returns that router, open.
   */
  private LeadRouter quarantinedThenReplayed(Path db) {
    byte[] payload = ("{\"UserDetails\":{\"FirstName\":\"Ottoline\",\"Email\":\"" + EMAIL + "\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8);
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("archive", FileSink.open(dir.resolve("out.ndjson")))
        .route(RoutingRule.offer("other", "fabrikam.*", List.of("archive"))).build()) {
      assertThat(router.intake(payload, "test")).isInstanceOf(IntakeReceipt.Quarantined.class);
    }
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("archive", FileSink.open(dir.resolve("out.ndjson"))).defaultRoute("archive").build();
    assertThat(router.replayQuarantined(10).routed()).isEqualTo(1);
    return router;
  }

  @Test
  void erase_inAJournalAnUpgradeRebuilt_leavesNoCopyOfTheOldTablesInTheFile() throws Exception {
    Path db = Version1Journal.create(dir.resolve("j.db"), 7);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        PreparedStatement lead = c.prepareStatement(
            "INSERT INTO lr_leads (lead_id, payload, accepted_at) VALUES (?, ?, 0)")) {
      for (int i = 0; i < 20; i++) {
        Lead l = Lead.builder().id("lead-" + i).createdTime(T0).firstName(i == 7 ? "Ottoline" : "Bob")
            .email(i == 7 ? EMAIL : "bob" + i + "@contoso.com").description("d".repeat(500)).build();
        lead.setString(1, l.id().value());
        lead.setBytes(2, LeadPayload.encode(l));
        lead.executeUpdate();
      }
    }
    try (LeadJournal j = SqliteJournal.open(db)) { // rebuilds the tables (schema 8)
      assertThat(j.erase(Person.byEmail(EMAIL), T0).leads()).isEqualTo(1);
      assertThat(j.lead(io.leadrouter.LeadId.of("lead-8"))).isPresent();
    }
    assertThat(found(db)).isEmpty();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        java.sql.Statement s = c.createStatement();
        java.sql.ResultSet v = s.executeQuery("PRAGMA user_version")) {
      assertThat(v.next()).isTrue();
      assertThat(v.getInt(1)).as("vacuumed once, then marked: the next erasure need not").isEqualTo(1);
    }
  }

  /**
   * Every connection of the journal runs {@code secure_delete}: a payload released by its replay is overwritten when
   * it is deleted, before any erasure (it stayed in the file's free space until an erasure vacuumed the file).
   */
  @Test
  void aQuarantinedPayloadReleasedByItsReplay_isOverwrittenAtOnce_withoutAnyErasure() throws Exception {
    Path db = dir.resolve("j.db");
    quarantinedThenReplayed(db).close();
    // the routed lead keeps the person in the journal's own encoding ("fn", "em"); the payload as received is gone
    assertThat(JournalFiles.holding(db, "\"userdetails\":{\"firstname\":\"ottoline\"")).isEmpty();
  }

  /**
   * A person's erasure in a journal this version created does not rebuild the file ({@code VACUUM} on the writer's
   * connection, while every route() waited: seconds with a large backlog): the deleted rows were overwritten when
   * deleted, and only the log is emptied. The freed pages stay free (a rebuilt file has none).
   */
  @Test
  void erase_inAJournalCreatedWithSecureDelete_overwritesInPlace_withoutRebuildingTheFile() throws Exception {
    Path db = dir.resolve("j.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      for (int i = 0; i < 60; i++) {
        boolean theirs = i % 2 == 0;
        j.accept(Lead.builder().id("lead-" + i).createdTime(T0).firstName(theirs ? "Ottoline" : "Bob")
            .email(theirs ? EMAIL : "bob" + i + "@contoso.com").description("d".repeat(3000)).build(),
            List.of("crm"), T0);
      }
      assertThat(j.erase(Person.byEmail(EMAIL), T0).leads()).isEqualTo(30);
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
          java.sql.Statement s = c.createStatement();
          java.sql.ResultSet free = s.executeQuery("PRAGMA freelist_count")) {
        assertThat(free.next()).isTrue();
        assertThat(free.getInt(1)).as("pages freed by the erasure, still free: the file was not rebuilt")
            .isGreaterThan(10);
      }
      assertThat(found(db)).isEmpty();
    }
    assertThat(found(db)).isEmpty();
  }

  /** Which of the files beside the journal hold the person's e-mail or first name, in any case. */
  private static List<String> found(Path db) throws Exception {
    return JournalFiles.holding(db, EMAIL, "ottoline");
  }
}
