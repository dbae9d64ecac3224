package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteJournalTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(5);

  @TempDir Path dir;

  private static Lead lead(String id) {
    return Lead.builder().id(id).createdTime(T0).firstName("Jane").lastName("Doe").email("jane@contoso.com")
        .country("US").source("AzureMarketplace-INS|contoso.crm").offerTitle("CRM").description("{\"a\":1}")
        .attribute("campaign", "blog").build();
  }

  @Test
  void accept_thenClaim_returnsTheSameLeadAndMarksInFlight() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      Lead lead = lead("lead-1");
      AcceptResult r = j.accept(lead, List.of("crm", "file"), T0);
      assertThat(r.duplicate()).isFalse();
      assertThat(r.deliveries()).extracting(DeliveryRecord::destination).containsExactly("crm", "file");
      List<ClaimedDelivery> claimed = j.claimDue("crm", T0, 10, LEASE);
      assertThat(claimed).hasSize(1);
      assertThat(claimed.get(0).lead()).isEqualTo(lead);
      assertThat(j.claimDue("crm", T0, 10, LEASE)).as("in flight is not claimed twice").isEmpty();
      assertThat(j.counts().get("crm")).containsEntry(DeliveryState.IN_FLIGHT, 1L);
      assertThat(j.counts().get("file")).containsEntry(DeliveryState.PENDING, 1L);
    }
  }

  @Test
  void accept_sameIdTwice_isDuplicateAndRecordsNothingNew() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      j.accept(lead("lead-1"), List.of("crm"), T0);
      AcceptResult again = j.accept(lead("lead-1"), List.of("crm", "other"), T0.plusSeconds(1));
      assertThat(again.duplicate()).isTrue();
      assertThat(again.deliveries()).extracting(DeliveryRecord::destination).containsExactly("crm");
    }
  }

  @Test
  void accept_concurrentCallers_allDurableAndDistinct() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      List<Future<AcceptResult>> futures = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        String id = "lead-" + (i % 1000); // each id routed twice
        futures.add(pool.submit(() -> j.accept(lead(id), List.of("crm"), T0)));
      }
      int fresh = 0;
      for (Future<AcceptResult> f : futures) {
        fresh += f.get().duplicate() ? 0 : 1;
      }
      assertThat(fresh).isEqualTo(1000);
      assertThat(j.counts().get("crm").get(DeliveryState.PENDING)).isEqualTo(1000L);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void claimDue_pendingAndParkedMixed_oldestDueFirstUpToTheLimit() {
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
  void settle_retryThenDeliver_tracksAttemptsAndDueTime() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      j.accept(lead("lead-1"), List.of("crm"), T0);
      ClaimedDelivery c = j.claimDue("crm", T0, 1, LEASE).get(0);
      j.settle(List.of(Settlement.retry(c.deliveryId(), T0.plusSeconds(60), "503", java.util.Optional.empty())), T0);
      assertThat(j.claimDue("crm", T0.plusSeconds(59), 1, LEASE)).as("not due yet").isEmpty();
      assertThat(j.nextDue("crm")).contains(T0.plusSeconds(60));
      ClaimedDelivery again = j.claimDue("crm", T0.plusSeconds(60), 1, LEASE).get(0);
      assertThat(again.attempts()).isEqualTo(1);
      j.settle(List.of(Settlement.delivered(again.deliveryId(), DeliveryResult.created("rec-9"), T0)), T0);
      DeliveryRecord rec = j.deliveries(LeadId.of("lead-1")).get(0);
      assertThat(rec.state()).isEqualTo(DeliveryState.DELIVERED);
      assertThat(rec.result()).contains(new DeliveryResult(DeliveryOutcome.CREATED, java.util.Optional.of("rec-9")));
      assertThat(rec.lastError()).contains("503");
    }
  }

  @Test
  void deadLetters_listReplayAndPurge_byDestinationAndCode() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      for (int i = 0; i < 3; i++) {
        j.accept(lead("lead-" + i), List.of("crm", "mkto"), T0);
      }
      Diagnosis auth = new Diagnosis("CRM_AUTH", "bad secret", "rotate it");
      Diagnosis skip = new Diagnosis("MKTO_SKIPPED", "skipped", "fix the record");
      List<Settlement> s = new ArrayList<>();
      j.claimDue("crm", T0, 10, LEASE).forEach(c -> s.add(Settlement.dead(c.deliveryId(), auth, "401", T0)));
      j.claimDue("mkto", T0, 1, LEASE).forEach(c -> s.add(Settlement.dead(c.deliveryId(), skip, "1004", T0)));
      j.settle(s, T0);
      assertThat(j.list(DeliveryQuery.deadLetters())).hasSize(4);
      assertThat(j.list(DeliveryQuery.deadLetters().destination("crm").diagnosisCode("CRM_AUTH"))).hasSize(3)
          .allSatisfy(d -> assertThat(d.diagnosis()).contains(auth));
      assertThat(j.replay(DeliveryQuery.deadLetters().diagnosisCode("CRM_AUTH"), T0.plusSeconds(5))).isEqualTo(3);
      assertThat(j.claimDue("crm", T0.plusSeconds(5), 10, LEASE)).hasSize(3)
          .allSatisfy(c -> assertThat(c.attempts()).isZero());
      assertThat(j.purgeDeadLetters(DeliveryQuery.deadLetters().destination("mkto"))).isEqualTo(1);
      assertThat(j.list(DeliveryQuery.deadLetters())).isEmpty();
    }
  }

  @Test
  void park_isRecordedPerDestinationUntilItsTime() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      j.park("mkto", T0.plusSeconds(3600), "607 daily quota");
      assertThat(j.parkedUntil("mkto", T0)).contains(T0.plusSeconds(3600));
      assertThat(j.parkedUntil("mkto", T0.plusSeconds(3600))).isEmpty();
      assertThat(j.parkedUntil("crm", T0)).isEmpty();
    }
  }

  @Test
  void pruneSettled_removesOnlyOldSettledDeliveries() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      j.accept(lead("old"), List.of("crm"), T0);
      j.accept(lead("pending"), List.of("crm"), T0);
      ClaimedDelivery c = j.claimDue("crm", T0, 1, LEASE).get(0);
      j.settle(List.of(Settlement.delivered(c.deliveryId(), DeliveryResult.created(null), T0)), T0);
      assertThat(j.pruneSettled(T0.plusSeconds(1))).isEqualTo(1);
      assertThat(j.lead(c.lead().id())).isEmpty();
      assertThat(j.counts().get("crm")).containsEntry(DeliveryState.PENDING, 1L).hasSize(1);
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
  void reclaimExpiredLeases_returnsOnlyExpiredToPending() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      j.accept(lead("a"), List.of("crm"), T0);
      j.claimDue("crm", T0, 1, LEASE);
      assertThat(j.reclaimExpiredLeases(T0.plus(LEASE).minusSeconds(1))).isZero();
      assertThat(j.reclaimExpiredLeases(T0.plus(LEASE))).isEqualTo(1);
    }
  }

  @Test
  void open_secondOpenerOfSameFile_isRefusedClearly() {
    Path db = dir.resolve("j.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      assertThatThrownBy(() -> SqliteJournal.open(db))
          .isInstanceOf(JournalException.class)
          .hasMessage("journal " + db + " is already open in another router (lock " + db + ".lock is held)."
              + " One journal file serves one process: give each process its own file, or use the PostgreSQL"
              + " journal to share a backlog");
    }
  }

  @Test
  void open_garbageFile_isRefusedNamingTheFile() throws Exception {
    Path db = dir.resolve("j.db");
    Files.writeString(db, "this is not a database at all, just some text that someone wrote here ".repeat(100));
    assertThatThrownBy(() -> SqliteJournal.open(db))
        .isInstanceOf(JournalException.class)
        .hasMessage("journal " + db + " is not a SQLite database (the file holds something else). Restore it from"
            + " a backup, or move it away to start a new, empty journal");
  }

  @Test
  void open_emptyFile_isRefusedAsTruncated() throws Exception {
    Path db = dir.resolve("j.db");
    Files.createFile(db);
    assertThatThrownBy(() -> SqliteJournal.open(db))
        .isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal " + db + " is empty (0 bytes): it was truncated or is not a journal.");
  }

  @Test
  void open_truncatedFile_isRefusedNamingTheFile() throws Exception {
    Path db = dir.resolve("j.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      for (int i = 0; i < 200; i++) {
        j.accept(lead("lead-" + i), List.of("crm"), T0);
      }
    } // close checkpoints the WAL into the file
    long size = Files.size(db);
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      f.setLength(size / 2 / 4096 * 4096);
    }
    assertThatThrownBy(() -> SqliteJournal.open(db))
        .isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal " + db + " is truncated (");
  }

  @Test
  void open_deletedAfterCreation_isRefusedNotSilentlyEmpty() throws Exception {
    Path db = dir.resolve("j.db");
    SqliteJournal.open(db).close();
    Files.delete(db);
    assertThatThrownBy(() -> SqliteJournal.open(db))
        .isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal " + db + " is missing, but a journal was created ")
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
    assertThatThrownBy(() -> SqliteJournal.open(db))
        .isInstanceOf(JournalException.class)
        .hasMessage("journal " + db + " has schema version 99, newer than the 1 this version of LeadRouter knows:"
            + " upgrade LeadRouter (a newer version wrote this journal)");
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
