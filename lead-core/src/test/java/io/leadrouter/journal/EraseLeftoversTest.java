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
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
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
    byte[] payload = ("{\"UserDetails\":{\"FirstName\":\"Ottoline\",\"Email\":\"" + EMAIL + "\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8);
    // no route for the offer yet: the lead is kept in quarantine (LEAD_NO_ROUTE)
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("archive", FileSink.open(dir.resolve("out.ndjson")))
        .route(RoutingRule.offer("other", "fabrikam.*", List.of("archive"))).build()) {
      assertThat(router.intake(payload, "test")).isInstanceOf(IntakeReceipt.Quarantined.class);
    }
    // the route added, the quarantine replayed: the payload is released and the lead routed
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("archive", FileSink.open(dir.resolve("out.ndjson"))).defaultRoute("archive").build()) {
      assertThat(router.replayQuarantined(10).routed()).isEqualTo(1);
      ErasureReceipt r = router.erase(Person.byEmail(EMAIL));
      assertThat(r.leads()).isEqualTo(1);
    }
    assertThat(found(db)).isEmpty();
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
  }

  /** Which of the files beside the journal hold the person's e-mail or first name, in any case. */
  private static List<String> found(Path db) throws Exception {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(db.getParent())) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("j.db") && Files.isRegularFile(p))
          .toList()) {
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        for (String v : List.of(EMAIL, "ottoline")) {
          if (text.contains(v)) {
            out.add(v + " in " + f.getFileName());
          }
        }
      }
    }
    return out;
  }
}
