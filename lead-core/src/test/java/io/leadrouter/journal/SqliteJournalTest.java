package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SQLite specifics; the shared journal behaviour is in lead-testkit's LeadJournalContract. */
class SqliteJournalTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(5);

  @TempDir Path dir;

  private static Lead lead(String id) {
    return Lead.builder().id(id).createdTime(T0).firstName("Jane").lastName("Doe").email("jane@contoso.com")
        .country("US").source("AzureMarketplace-INS|contoso.crm").offerTitle("CRM").description("{\"a\":1}")
        .attribute("campaign", "blog").build();
  }

  /** Opening {@code db} fails with a {@link JournalException}: assert on its message. */
  private static AbstractThrowableAssert<?, ? extends Throwable> assertOpenRefused(Path db) {
    return assertThatThrownBy(() -> SqliteJournal.open(db)).isInstanceOf(JournalException.class);
  }

  @Test
  void claimDue_pendingAndParkedMixed_oldestDueFirstUpToTheLimit() {
    // the claim query merges one ordered index range per state (pending, parked); the merge must keep due order
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      for (int i = 1; i <= 4; i++) {
        j.accept(lead("lead-" + i), List.of("crm"), T0.plusSeconds(i));
      }
      // lead-1 and lead-3 parked until T0+10 and T0+3; lead-2 and lead-4 stay pending, due at T0+2 and T0+4
      List<ClaimedDelivery> first = j.claimDue("crm", T0.plusSeconds(1), 1, LEASE);
      j.settle(List.of(Settlement.parked(first.get(0).deliveryId(), T0.plusSeconds(10),
          new io.leadrouter.spi.Diagnosis("QUOTA", "spent", "wait"))), T0);
      List<ClaimedDelivery> third = j.claimDue("crm", T0.plusSeconds(3), 3, LEASE);
      assertThat(third).extracting(c -> c.lead().id().value()).containsExactly("lead-2", "lead-3");
      j.settle(List.of(Settlement.released(third.get(0).deliveryId(), T0.plusSeconds(2)),
          Settlement.parked(third.get(1).deliveryId(), T0.plusSeconds(3),
              new io.leadrouter.spi.Diagnosis("QUOTA", "spent", "wait"))), T0);

      assertThat(j.claimDue("crm", T0.plusSeconds(10), 3, LEASE)).extracting(c -> c.lead().id().value())
          .containsExactly("lead-2", "lead-3", "lead-4");
      assertThat(j.claimDue("crm", T0.plusSeconds(10), 3, LEASE)).extracting(c -> c.lead().id().value())
          .containsExactly("lead-1");
    }
  }

  @Test
  void settle_firstFailedAttempt_startsTheGiveUpAge_laterFailuresKeepIt() {
    // the give-up age counts from the first failed attempt, not from acceptance: a lead that waited days in the
    // backlog (a throttled destination, a router down) still gets its retries
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      j.accept(lead("late"), List.of("crm"), T0);
      Instant firstTry = T0.plus(Duration.ofDays(4));
      ClaimedDelivery first = j.claimDue("crm", firstTry, 1, LEASE).get(0);
      assertThat(first.retrySince()).isEqualTo(T0);
      j.settle(List.of(Settlement.retry(first, firstTry, "503", java.util.Optional.empty())), firstTry);

      ClaimedDelivery second = j.claimDue("crm", firstTry.plusSeconds(5), 1, LEASE).get(0);
      assertThat(second.attempts()).isEqualTo(1);
      assertThat(second.retrySince()).as("the first failed attempt's time").isEqualTo(firstTry);
      j.settle(List.of(Settlement.retry(second, firstTry.plusSeconds(5), "503", java.util.Optional.empty())),
          firstTry.plusSeconds(5));

      ClaimedDelivery third = j.claimDue("crm", firstTry.plusSeconds(10), 1, LEASE).get(0);
      assertThat(third.attempts()).isEqualTo(2);
      assertThat(third.retrySince()).as("later failures keep it").isEqualTo(firstTry);
    }
  }

  @Test
  void reopen_afterCrashWithInFlight_returnsThemToPending() throws Exception {
    Path db = dir.resolve("j.db");
    LeadJournal j = SqliteJournal.open(db);
    j.accept(lead("lead-1"), List.of("crm"), T0);
    assertThat(j.claimDue("crm", T0, 1, LEASE)).hasSize(1);
    j.close(); // in flight at close, as after a crash
    try (LeadJournal reopened = SqliteJournal.open(db)) {
      assertThat(reopened.claimDue("crm", T0, 1, LEASE)).hasSize(1);
    }
  }

  @Test
  void open_secondOpenerOfSameFile_isRefusedClearly() {
    Path db = dir.resolve("j.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      assertOpenRefused(db)
          .hasMessage("journal " + db + " is already open in another router in this process (lock " + db
              + ".lock is held). One journal file serves one router in one process: close that router first or"
              + " route through it, give each process its own file, or use the PostgreSQL journal to share a backlog");
    }
  }

  @Test
  void open_garbageFile_isRefusedNamingTheFile() throws Exception {
    Path db = dir.resolve("j.db");
    Files.writeString(db, "this is not a database at all, just some text that someone wrote here ".repeat(100));
    assertOpenRefused(db)
        .hasMessage("journal " + db + " is not a SQLite database (the file holds something else). Restore it from"
            + " a backup, or move it away to start a new, empty journal");
  }

  @Test
  void open_emptyFile_isRefusedAsTruncated() throws Exception {
    Path db = dir.resolve("j.db");
    Files.createFile(db);
    assertOpenRefused(db)
        .hasMessageStartingWith("journal " + db + " is empty (0 bytes): it was truncated or is not a journal.");
  }

  @Test
  void open_truncatedFile_isRefusedNamingTheFile() throws Exception {
    Path db = dir.resolve("j.db");
    TruncatedJournal.writeHalf(db);
    assertOpenRefused(db).hasMessageStartingWith("journal " + db + " is truncated (");
  }

  @Test
  void open_afterACrashMidCheckpoint_recoversFromTheWal() throws Exception {
    // A checkpoint copies the WAL's pages into the file in page order: page 1, whose header gives the new page
    // count, lands before the file has grown. Killed there, the file is shorter than its header says, but the WAL
    // still holds every page: SQLite recovers; the journal must not call the file truncated.
    Path db = dir.resolve("j.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      j.accept(lead("before"), List.of("crm"), T0);
    } // checkpointed: the file holds everything, no WAL
    Path crashed = dir.resolve("crashed");
    Files.createDirectories(crashed);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        Statement s = c.createStatement()) {
      s.execute("PRAGMA journal_mode=WAL");
      s.execute("PRAGMA wal_autocheckpoint=0");
      c.setAutoCommit(false);
      for (int i = 0; i < 300; i++) {
        s.execute("INSERT INTO lr_leads (lead_id, payload, accepted_at) VALUES ('pad-" + i + "', zeroblob(2000), 0)");
      }
      c.commit();
      // the state a SIGKILL leaves: the file as it was, the WAL with the new pages (copied while still open)
      Files.copy(db, crashed.resolve("j.db"));
      Files.copy(db.resolveSibling("j.db-wal"), crashed.resolve("j.db-wal"));
    }
    Path file = crashed.resolve("j.db");
    byte[] wal = Files.readAllBytes(crashed.resolve("j.db-wal"));
    int pageSize = java.nio.ByteBuffer.wrap(wal, 8, 4).getInt();
    byte[] page1 = null;
    for (int frame = 32; frame + 24 + pageSize <= wal.length; frame += 24 + pageSize) {
      if (java.nio.ByteBuffer.wrap(wal, frame, 4).getInt() == 1) {
        page1 = java.util.Arrays.copyOfRange(wal, frame + 24, frame + 24 + pageSize);
      }
    }
    assertThat(page1).as("the WAL holds page 1").isNotNull();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.write(page1); // the checkpoint's first write, then the kill
    }
    long headerPages = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(page1, 28, 4).getInt());
    assertThat(Files.size(file)).as("shorter than its header says").isLessThan(headerPages * pageSize);

    try (LeadJournal j = SqliteJournal.open(file)) {
      assertThat(j.lead(LeadId.of("before"))).isPresent();
      assertThat(j.claimDue("crm", T0, 10, LEASE)).hasSize(1);
    }
  }

  @Test
  void open_deletedAfterCreation_isRefusedNotSilentlyEmpty() throws Exception {
    Path db = dir.resolve("j.db");
    SqliteJournal.open(db).close();
    Files.delete(db);
    assertOpenRefused(db).hasMessageStartingWith("journal " + db + " is missing, but a journal was created ")
        .hasMessageEndingWith("Restore the file from a backup, or delete " + db + ".lock to start a new, empty"
            + " journal");
  }

  @Test
  void open_newerSchema_isRefusedWithUpgradeAdvice() throws Exception {
    Path db = dir.resolve("j.db");
    SqliteJournal.open(db).close();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
      s.execute("UPDATE lr_schema SET version = 99");
    }
    assertOpenRefused(db).hasMessage("journal " + db + " has schema version 99, newer than the "
        + io.leadrouter.internal.journal.JournalSchema.VERSION + " this version of LeadRouter knows:"
        + " upgrade LeadRouter (a newer version wrote this journal)");
  }

  @Test
  void open_version1Journal_isMigrated_keepsItsLeads_andKeepsTraceContextsFromThenOn() throws Exception {
    Path db = Version1Journal.create(dir.resolve("v1.db"));
    // a v1 journal with one pending lead, written without the trace column
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
        java.sql.PreparedStatement lead = c.prepareStatement(
            "INSERT INTO lr_leads (lead_id, payload, accepted_at) VALUES ('old', ?, 0)");
        Statement s = c.createStatement()) {
      lead.setBytes(1, io.leadrouter.internal.journal.LeadPayload.encode(lead("old")));
      lead.executeUpdate();
      s.execute("INSERT INTO lr_deliveries (lead_id, destination, state, attempts, due_at, accepted_at, retry_since,"
          + " updated_at) VALUES ('old', 'crm', 'PENDING', 0, 0, 0, 0, 0)");
    }
    String traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    try (LeadJournal j = SqliteJournal.open(db)) {
      j.accept(lead("traced"), List.of("crm"), T0, java.util.Optional.of(traceparent));
      j.accept(lead("untraced"), List.of("crm"), T0);
      assertThat(j.claimDue("crm", T0, 10, Duration.ofMinutes(1)))
          .extracting(c -> c.lead().id().value() + "=" + c.traceContext().orElse("none"))
          .containsExactlyInAnyOrder("old=none", "traced=" + traceparent, "untraced=none");
    }
    assertThat(Version1Journal.schemaVersion(db)).isEqualTo(io.leadrouter.internal.journal.JournalSchema.VERSION);
  }

  @Test
  void inMemory_saysItIsForTestsOnly() {
    try (LeadJournal j = InMemoryJournal.create()) {
      assertThat(j.toString()).contains("tests only");
      j.accept(lead("x"), List.of("crm"), T0);
      assertThat(j.lead(LeadId.of("x"))).isPresent();
    }
  }

  @Test
  void writeAheadLog_isCopiedIntoTheFileEvery10000Pages_notSqlitesDefault1000() throws Exception {
    // a checkpoint every 1,000 pages (SQLite's default) kept the log near 4 MB and had the writer copy the same pages
    // into the file again and again; the journal lets it reach 10,000 pages (~40 MB) first
    Path db = dir.resolve("j.db");
    Path wal = dir.resolve("j.db-wal");
    try (LeadJournal j = SqliteJournal.open(db)) {
      String big = "x".repeat(3_000);
      for (int i = 0; i < 2_000 && Files.size(wal) < 6_000_000; i++) {
        j.accept(Lead.builder().id("wal-" + i).createdTime(T0).description(big).build(), List.of("crm"), T0);
      }
      assertThat(Files.size(wal)).as("bytes of log before the first checkpoint").isGreaterThan(6_000_000);
    }
  }

  @Test
  void payload_roundTripsEveryPart() {
    try (LeadJournal j = InMemoryJournal.create()) {
      Set<Lead> leads = new HashSet<>(List.of(lead("a"), Lead.builder().id("b").createdTime(T0)
          .source("  weird | offer ").description("line1\nline2").firstName("Zoë").build()));
      for (Lead l : leads) {
        j.accept(l, List.of("crm"), T0);
        assertThat(j.lead(l.id())).contains(l);
      }
    }
  }
}
