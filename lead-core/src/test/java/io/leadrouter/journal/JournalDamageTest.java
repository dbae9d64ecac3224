package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.leadrouter.LambdaSink;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damage inside a real journal file (a page overwritten, bytes scattered), as a failing disk or a careless copy
 * leaves it: refused at open with the recovery, and, when it is only met at run time, fatal for every operation.
 */
class JournalDamageTest {
  private static final Instant T0 = Instant.parse("2026-11-25T10:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(5);
  private static final int PENDING = 300;

  @TempDir static Path template;
  @TempDir Path dir;

  @Test
  void open_aPageOverwritten_isRefusedWithTheRecovery() throws IOException {
    Path db = pendingJournal(PENDING);
    overwriteMiddlePage(db);

    Throwable t = catchThrowable(() -> SqliteJournal.open(db).close());

    assertThat(t).isInstanceOf(JournalDamagedException.class)
        .hasMessageStartingWith("journal " + db + " is damaged (PRAGMA quick_check ")
        .hasMessageContaining("sqlite3 " + db + " \".recover\" | sqlite3 " + db + ".recovered")
        .hasMessageContaining("move " + db + " and its -wal and -shm files away");
    assertThat(Files.exists(db)).as("the damaged file is kept for recovery").isTrue();
  }

  @Test
  void cleanClose_sealsTheFile_andAPageOverwrittenRightAfterIsStillFound() throws IOException {
    Path db = pendingJournal(PENDING);
    Path lock = db.resolveSibling("leadrouter.db.lock");
    LeadJournal j = SqliteJournal.open(db);
    assertThat(Files.readString(lock)).as("no seal while open: a crash leaves a file that is checked")
        .doesNotContain("sealed");
    j.close();
    assertThat(Files.readString(lock)).contains("sealed " + Files.size(db) + " ");

    overwriteMiddlePage(db); // within the same millisecond as the close: the write still breaks the seal

    assertThatThrownBy(() -> SqliteJournal.open(db).close()).isInstanceOf(JournalDamagedException.class)
        .hasMessageContaining("PRAGMA quick_check");
  }

  @Test
  void sealedFile_skipsTheQuickCheck_quickAlwaysDoesNot() throws IOException {
    Path db = pendingJournal(PENDING);
    SqliteJournal.open(db).close();
    java.nio.file.attribute.FileTime sealedAt = Files.getLastModifiedTime(db);
    // damage that also restores the exact modification time: indistinguishable from the sealed file by the seal
    overwriteMiddlePage(db);
    Files.setLastModifiedTime(db, sealedAt);

    // sealed: opened without reading every page (the damaged page may still be met by the recovery query at open,
    // which is the run-time detection, not the check)
    Throwable atOpen = catchThrowable(() -> SqliteJournal.open(db).close());
    if (atOpen != null) {
      assertThat(atOpen).isInstanceOf(JournalDamagedException.class).hasMessageNotContaining("PRAGMA quick_check");
    }
    // QUICK_ALWAYS checks regardless of the seal
    assertThatThrownBy(() -> SqliteJournal.open(db, SqliteJournal.IntegrityCheck.QUICK_ALWAYS).close())
        .isInstanceOf(JournalDamagedException.class);
  }

  @Test
  void open_64BytesScattered_isRefused() throws IOException {
    Path db = pendingJournal(PENDING);
    scatter(db, 64, 7);

    assertThatThrownBy(() -> SqliteJournal.open(db).close()).isInstanceOf(JournalDamagedException.class)
        .hasMessageContaining(" is damaged (").hasMessageContaining(".recover");
  }

  @Test
  void open_fullIntegrityCheck_alsoFindsThePage() throws IOException {
    Path db = pendingJournal(PENDING);
    overwriteMiddlePage(db);

    assertThatThrownBy(() -> SqliteJournal.open(db, SqliteJournal.IntegrityCheck.FULL).close())
        .isInstanceOf(JournalDamagedException.class).hasMessageContaining("PRAGMA integrity_check ");
  }

  @Test
  void open_undamagedJournal_passesTheCheckAndKeepsItsLeads() throws IOException {
    Path db = pendingJournal(PENDING);
    try (LeadJournal j = SqliteJournal.open(db, SqliteJournal.IntegrityCheck.FULL)) {
      assertThat(j.counts().get("crm").get(DeliveryState.PENDING)).isEqualTo(PENDING);
    }
  }

  @Test
  void damageMetAtRunTime_pageOverwritten_everyOperationFailsFromThenOn() throws IOException {
    Path db = pendingJournal(PENDING);
    overwriteMiddlePage(db);
    // NONE stands for damage that happens after the check at open: it is met when a damaged page is read
    try (LeadJournal j = SqliteJournal.open(db, SqliteJournal.IntegrityCheck.NONE)) {
      Throwable first = firstFailureWhileClaimingAll(j);

      assertThat(first).isInstanceOf(JournalDamagedException.class).hasMessageContaining(".recover");
      assertThatThrownBy(() -> j.accept(lead("new-1"), List.of("crm"), T0)).as("intake stops")
          .isInstanceOf(JournalDamagedException.class).hasMessage(first.getMessage());
      assertThatThrownBy(j::counts).isInstanceOf(JournalDamagedException.class);
    }
    assertThat(SqliteJournal.open(db, SqliteJournal.IntegrityCheck.NONE)).as("closed: the lock was released")
        .satisfies(LeadJournal::close);
  }

  @Test
  void damageMetAtRunTime_64BytesScattered_everyOperationFailsFromThenOn() throws IOException {
    Path db = pendingJournal(PENDING);
    scatter(db, 64, 7);
    Throwable first;
    LeadJournal j = null;
    try {
      j = SqliteJournal.open(db, SqliteJournal.IntegrityCheck.NONE);
      first = firstFailureWhileClaimingAll(j);
    } catch (JournalDamagedException e) {
      first = e; // met already while opening (returning in-flight deliveries reads the deliveries)
    }
    assertThat(first).isInstanceOf(JournalDamagedException.class);
    if (j != null) {
      LeadJournal open = j;
      assertThatThrownBy(() -> open.accept(lead("new-1"), List.of("crm"), T0))
          .isInstanceOf(JournalDamagedException.class);
      open.close();
    }
  }

  @Test
  void route_onAJournalFoundDamaged_throwsAndHealthCountsFail() throws IOException {
    Path db = pendingJournal(PENDING);
    overwriteMiddlePage(db);
    List<String> delivered = new ArrayList<>();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db, SqliteJournal.IntegrityCheck.NONE))
        .addSink("crm", recording(delivered)).defaultRoute("crm").build()) {
      // the worker claims the pending leads and meets the damaged page; bounded wait for that
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      Throwable failure = null;
      for (int i = 0; failure == null && System.nanoTime() < deadline; i++) {
        failure = catchThrowable(() -> router.counts());
        if (failure == null) {
          failure = catchThrowable(() -> router.route(lead("probe-" + System.nanoTime())));
        }
        sleep(20);
      }

      assertThat(failure).as("damage met within 20 s").isInstanceOf(JournalDamagedException.class);
      assertThatThrownBy(() -> router.route(lead("after-1"))).isInstanceOf(JournalDamagedException.class)
          .hasMessageContaining("Intake is stopped").hasMessageContaining(".recover");
      assertThatThrownBy(router::counts).isInstanceOf(JournalDamagedException.class);
      router.close(Duration.ofSeconds(5));
    }
  }

  // ---- a journal holding pending leads, and its damage ----

  @BeforeAll
  static void buildTemplate() {
    Path db = template.resolve("leadrouter.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      for (int i = 0; i < PENDING; i++) {
        j.accept(lead(String.format("lead-%04d", i)), List.of("crm"), T0.plusSeconds(i));
      }
    } // closed: the WAL is checkpointed into the file and removed
  }

  /** A copy of a journal holding {@value #PENDING} pending leads (built once: each accept is an fsync). */
  private Path pendingJournal(int n) throws IOException {
    assertThat(n).isEqualTo(PENDING);
    Path db = dir.resolve("leadrouter.db");
    Files.copy(template.resolve("leadrouter.db"), db);
    return db;
  }

  /** Overwrites one whole page in the middle of the file (not page 1, the header) with random bytes. */
  private static void overwriteMiddlePage(Path db) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      int pageSize = pageSize(f);
      long pages = f.length() / pageSize;
      assertThat(pages).as("a journal of several pages").isGreaterThan(8);
      byte[] garbage = new byte[pageSize];
      new Random(42).nextBytes(garbage);
      f.seek(pages / 2 * pageSize);
      f.write(garbage);
    }
  }

  /** Writes {@code count} random bytes at random places after the 100-byte file header. */
  private static void scatter(Path db, int count, long seed) throws IOException {
    Random random = new Random(seed);
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      long size = f.length();
      for (int i = 0; i < count; i++) {
        f.seek(100 + (long) (random.nextDouble() * (size - 100)));
        f.write(random.nextInt(256));
      }
    }
  }

  private static int pageSize(RandomAccessFile f) throws IOException {
    f.seek(16);
    int size = f.readUnsignedShort();
    return size == 1 ? 65536 : size;
  }

  private static Throwable firstFailureWhileClaimingAll(LeadJournal j) {
    for (int round = 0; round < PENDING; round++) {
      Throwable t = catchThrowable(() -> j.claimDue("crm", T0.plusSeconds(PENDING), 10, LEASE));
      if (t != null) {
        return t;
      }
    }
    throw new AssertionError("every lead was claimed: the damage was never met");
  }

  private static Lead lead(String id) {
    return Lead.builder().id(id).createdTime(T0).firstName("Jane").lastName("Doe").email("jane@contoso.com")
        .country("US").source("AzureMarketplace-INS|contoso.crm").offerTitle("CRM")
        .description("a description long enough that 300 leads span many pages ".repeat(4)).build();
  }

  private static LeadSink recording(List<String> delivered) {
    return LambdaSink.of(lead -> {
      synchronized (delivered) {
        delivered.add(lead.id().value());
      }
      return DeliveryResult.created("r-" + lead.id().value());
    });
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
