package io.leadrouter.journal;

import static io.leadrouter.journal.JournalFixtures.T0;
import static io.leadrouter.journal.JournalFixtures.lead;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LambdaSink;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal's files deleted, moved or copied under a running router, as an operator's clean-up or backup script does.
 * SQLite goes on writing a deleted file through its open descriptor, and the journal used to go on accepting leads into
 * it: lost when the process ended, and at the next start an empty journal (its folder gone) or none. Until about 40 MB
 * were written, the tables and every lead live in the {@code -wal} file alone, so a deleted {@code -wal} lost them
 * all at the next kill, and a copy without it opened as a new, empty journal.
 */
@Timeout(120)
class JournalFilesUnderfootTest {
  @TempDir Path dir;

  @Test
  void theFolderDeleted_leadsAreRefusedSayingSo_andTheBacklogIsStillDelivered() throws Exception {
    Path folder = dir.resolve("journal");
    Path db = folder.resolve("leadrouter.db");
    AtomicBoolean up = new AtomicBoolean();
    Set<String> delivered = ConcurrentHashMap.newKeySet();
    try (LeadRouter router = router(db, up, delivered)) {
      for (int i = 0; i < 5; i++) {
        router.route(lead("backlog-" + i)); // the destination is down: they wait in the journal
      }
      deleteTree(folder);

      String refusal = awaitRefusal(router);
      assertThat(refusal).isEqualTo("journal " + db + " was deleted or moved away, with its folder " + folder
          + " while the router ran: no lead is accepted until it is back, since one written to a file no folder"
          + " lists is lost when the process ends. The leads accepted before are still delivered from the file the"
          + " router has open. If it was moved, move it back to " + db + " (with its -wal and -shm files): routing"
          + " resumes by itself. Otherwise let the router deliver what it holds (router.counts()), then restart it");
      up.set(true);
      List<String> backlog = List.of("backlog-0", "backlog-1", "backlog-2", "backlog-3", "backlog-4");
      await(() -> delivered.containsAll(backlog)); // and the probes accepted before the check saw the folder gone
    }
    assertThat(folder).as("nothing sealed or written in the journal's place").doesNotExist();
  }

  @Test
  void theFileMovedAwayAndBack_routingResumesByItself() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    Path away = Files.createDirectories(dir.resolve("away"));
    AtomicBoolean up = new AtomicBoolean(true);
    Set<String> delivered = ConcurrentHashMap.newKeySet();
    try (LeadRouter router = router(db, up, delivered)) {
      router.route(lead("before"));
      for (String suffix : List.of("", "-wal", "-shm")) {
        Files.move(dir.resolve("leadrouter.db" + suffix), away.resolve("leadrouter.db" + suffix));
      }
      String refusal = awaitRefusal(router);
      assertThat(refusal).startsWith("journal " + db + " was deleted or moved away while the router"
          + " ran: no lead is accepted until it is back");
      assertThat(router.journal().intakeRefused()).as("what health checks ask").contains(refusal);
      for (String suffix : List.of("-wal", "-shm", "")) { // the file last: its log is back before it is seen
        Files.move(away.resolve("leadrouter.db" + suffix), dir.resolve("leadrouter.db" + suffix));
      }
      await(() -> router.journal().intakeRefused().isEmpty()); // seen without a lead routed
      await(() -> {
        try {
          router.route(lead("after"));
          return true;
        } catch (JournalException e) {
          return false;
        }
      });
      await(() -> delivered.contains("after"));
    }
    try (LeadJournal journal = SqliteJournal.open(db)) {
      assertThat(journal.lead(io.leadrouter.LeadId.of("after"))).isPresent();
    }
  }

  @Test
  void theWalDeletedWhileRunning_isCopiedIntoTheFileAndReplaced_soItsLossLosesNothing() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    Path wal = dir.resolve("leadrouter.db-wal");
    try (LeadJournal journal = SqliteJournal.open(db)) {
      for (int i = 0; i < 20; i++) {
        journal.accept(lead("lead-" + i), List.of("crm"), T0);
      }
      Files.delete(wal); // the only copy of the tables and the 20 leads, still open in the writer
      await(() -> Files.exists(wal));
      // what a kill now leaves: the file without the log (the one the writer had is gone with the process)
      assertThat(leadsInFileAlone(db)).as("leads in the journal file without its -wal").isEqualTo(20);
      journal.accept(lead("lead-20"), List.of("crm"), T0); // written to the new log
      assertThat(journal.lead(io.leadrouter.LeadId.of("lead-0"))).isPresent();
    }
    try (LeadJournal journal = SqliteJournal.open(db, SqliteJournal.IntegrityCheck.QUICK_ALWAYS)) {
      assertThat(journal.counts().get("crm").get(DeliveryState.PENDING)).isEqualTo(21L);
    }
  }

  @Test
  void theWalCutWhileRunning_stopsTheJournalAsDamaged_insteadOfAcceptingLeadsALaterStartCannotRead() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    try (LeadJournal journal = SqliteJournal.open(db)) {
      for (int i = 0; i < 20; i++) {
        journal.accept(lead("lead-" + i), List.of("crm"), T0);
      }
      try (FileChannel wal = FileChannel.open(dir.resolve("leadrouter.db-wal"), StandardOpenOption.WRITE)) {
        wal.truncate(0); // the tables and the 20 leads: SQLite's cache still shows them, the disk no longer has them
      }
      JournalDamagedException damaged = null;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      for (int i = 20; damaged == null && System.nanoTime() < deadline; i++) {
        try {
          journal.accept(lead("lead-" + i), List.of("crm"), T0);
          Thread.sleep(50);
        } catch (JournalDamagedException e) {
          damaged = e;
        }
      }
      assertThat(damaged).as("refused once the cut was seen").isNotNull();
      assertThat(damaged.getMessage()).startsWith("journal " + db + " is damaged (its -wal file was truncated while"
          + " the router ran, by another program: the writes it held since they were last copied into the journal file"
          + " are gone from the disk). Intake is stopped");
    }
  }

  @Test
  void theWalCheckpointedAndTruncatedBySqlite3_isNoDamage() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    Path wal = dir.resolve("leadrouter.db-wal");
    try (LeadJournal journal = SqliteJournal.open(db)) {
      int n = 0;
      // a log the journal's once-a-second look has seen large
      for (long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1_500); System.nanoTime() < until; n++) {
        journal.accept(lead("lead-" + n), List.of("crm"), T0);
      }
      // an operator shrinking the log the documented way, in a sqlite3 shell beside the running router
      try (Connection shell = DriverManager.getConnection("jdbc:sqlite:" + db);
          Statement s = shell.createStatement();
          ResultSet rs = s.executeQuery("PRAGMA wal_checkpoint(TRUNCATE)")) {
        assertThat(rs.next() && rs.getInt(1) == 0).as("checkpoint not blocked").isTrue();
      }
      assertThat(Files.size(wal)).isZero();
      // several of those looks, with a few leads written in between: a log smaller than the one seen before
      for (long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(3_500); System.nanoTime() < until; n++) {
        journal.accept(lead("lead-" + n), List.of("crm"), T0);
        Thread.sleep(200);
      }
      assertThat(journal.lead(io.leadrouter.LeadId.of("lead-0"))).isPresent();
    }
  }

  @Test
  void aCopyTakenWhileOpen_withoutItsWal_isRefused_notOpenedAsANewEmptyJournal() throws Exception {
    Path db = dir.resolve("live").resolve("leadrouter.db");
    Path copy = Files.createDirectories(dir.resolve("copy")).resolve("leadrouter.db");
    try (LeadJournal journal = SqliteJournal.open(db)) {
      for (int i = 0; i < 20; i++) {
        journal.accept(lead("lead-" + i), List.of("crm"), T0);
      }
      // a backup of the folder's files that skipped the -wal (or a -wal deleted after a crash): the tables and the
      // leads were in it only
      Files.copy(db, copy);
      Files.copy(db.resolveSibling("leadrouter.db.lock"), copy.resolveSibling("leadrouter.db.lock"));
    }
    byte[] before = Files.readAllBytes(copy);

    assertThatThrownBy(() -> SqliteJournal.open(copy)).isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal " + copy + " holds no journal tables, yet a journal was created ")
        .hasMessageEndingWith("(see " + copy + ".lock): its -wal file, which holds the latest writes (all of them,"
            + " until about 40 MB were written), was deleted or replaced, or the file was. Restore " + copy + " and"
            + " leadrouter.db-wal together from a backup, or delete " + copy + ".lock to start a new, empty journal");
    assertThat(Files.readAllBytes(copy)).as("the file is left as it was").isEqualTo(before);
  }

  @Test
  void theLockFileDeleted_isCreatedAndLockedAgain_soASecondProcessIsStillRefused() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    Path lock = dir.resolve("leadrouter.db.lock");
    try (LeadJournal journal = SqliteJournal.open(db)) {
      journal.accept(lead("lead-1"), List.of("crm"), T0);
      Files.delete(lock); // a "stale" lock file cleaned away by hand or by a script
      await(() -> Files.exists(lock));
      // a second router started now would have opened the journal beside this one, and delivered its leads again
      assertThat(SecondProcessTest.openInAnotherJvm(db)).contains("REFUSED: journal " + db + " is already open in"
          + " another router (lock " + lock + " is held, by process " + ProcessHandle.current().pid() + " ");
      assertThat(Files.readString(lock)).as("the marker, kept").startsWith("created ");
      journal.accept(lead("lead-2"), List.of("crm"), T0);
    }
    assertThat(SecondProcessTest.openInAnotherJvm(db)).as("released at close").contains("OPENED");
  }

  // ---- helpers ----

  private static LeadRouter router(Path db, AtomicBoolean up, Set<String> delivered) {
    return LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("crm", LambdaSink.of(lead -> {
          if (!up.get()) {
            throw new TransientDeliveryException("the destination is down");
          }
          delivered.add(lead.id().value());
          return DeliveryResult.created("r-" + lead.id().value());
        }), DeliveryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(10), Duration.ofMillis(100))
            .withBreaker(50, Duration.ofMillis(200)))
        .defaultRoute("crm").build();
  }

  /** Routes fresh leads until the router refuses one (the journal looks at its files about once a second). */
  private static String awaitRefusal(LeadRouter router) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; System.nanoTime() < deadline; i++) {
      try {
        router.route(lead("probe-" + i));
      } catch (JournalException e) {
        return e.getMessage();
      }
      Thread.sleep(50);
    }
    throw new AssertionError("route() still accepted leads 30 s after the journal's file was gone");
  }

  private static void await(BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited 30 s").isLessThan(deadline);
      Thread.sleep(20);
    }
  }

  /** The leads a copy of the journal file alone holds (opened by plain SQLite, without its -wal). */
  private int leadsInFileAlone(Path db) throws Exception {
    Path alone = Files.createDirectories(dir.resolve("alone")).resolve("copy.db");
    Files.copy(db, alone, StandardCopyOption.REPLACE_EXISTING);
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + alone);
        Statement s = c.createStatement()) {
      try (ResultSet tables = s.executeQuery("SELECT count(*) FROM sqlite_master WHERE name = 'lr_leads'")) {
        tables.next();
        if (tables.getInt(1) == 0) {
          return 0;
        }
      }
      try (ResultSet rs = s.executeQuery("SELECT count(*) FROM lr_leads")) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }

  private static void deleteTree(Path folder) throws IOException {
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
