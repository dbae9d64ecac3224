package io.leadrouter.journal;

import static io.leadrouter.journal.JournalFixtures.T0;
import static io.leadrouter.journal.JournalFixtures.lead;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Journal paths an operator gets wrong, and files that are not a journal: each open is refused with what to do, and
 * never changes, replaces or deletes what the user has at that path. Read-only cases run in a second JVM without
 * root's rights to the files (through {@code unshare -U} when the build runs as root, as it does in containers).
 */
@Timeout(120)
class JournalPathTest {
  @TempDir Path dir;

  private static List<Path> listing(Path folder) throws IOException {
    try (Stream<Path> s = Files.list(folder)) {
      return s.sorted().toList();
    }
  }

  @Test
  void aFolder_isRefused_namingTheFileToGiveInstead_andNothingIsCreatedBesideIt() throws IOException {
    Path folder = Files.createDirectories(dir.resolve("journals"));
    assertThatThrownBy(() -> SqliteJournal.open(folder)).isInstanceOf(JournalException.class)
        .hasMessage("journal " + folder + " is a folder, not a file: give the journal file's path, e.g. "
            + folder.resolve("leadrouter.db"));
    assertThat(listing(dir)).containsExactly(folder);
    assertThat(listing(folder)).isEmpty();
  }

  @Test
  void theRootFolder_isRefused_andNoStrayLockFileIsCreatedInTheWorkingFolder() {
    Path stray = Path.of("null.lock").toAbsolutePath();
    boolean strayBefore = Files.exists(stray);
    assertThatThrownBy(() -> SqliteJournal.open(Path.of("/"))).isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal / is a folder, not a file: give the journal file's path");
    assertThat(Files.exists(stray)).as("a lock file named null.lock in the working folder").isEqualTo(strayBefore);
  }

  @Test
  void aParentThatIsAFile_isRefusedNamingIt() throws IOException {
    Path file = Files.writeString(dir.resolve("notes.txt"), "mine");
    Path db = file.resolve("leadrouter.db");
    assertThatThrownBy(() -> SqliteJournal.open(db)).isInstanceOf(JournalException.class)
        .hasMessage("journal " + db + " cannot be used: " + file + " is a file, not a folder. Choose a journal"
            + " path inside a folder");
    assertThat(Files.readString(file)).isEqualTo("mine");
  }

  @Test
  void aZeroLengthFileBesideAWalThatIsNotSqlites_isRefused_andNeitherFileIsTouched() throws IOException {
    Path db = Files.createFile(dir.resolve("leadrouter.db"));
    Path wal = Files.writeString(dir.resolve("leadrouter.db-wal"), "not a write-ahead log ".repeat(50));
    assertThatThrownBy(() -> SqliteJournal.open(db)).isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal " + db + " is empty (0 bytes): it was truncated or is not a journal.");
    assertThat(Files.size(db)).isZero();
    assertThat(Files.readString(wal)).isEqualTo("not a write-ahead log ".repeat(50));
  }

  @Test
  void aTruncatedFileBesideAWalThatIsNotSqlites_isRefusedAsTruncated() throws IOException {
    Path db = dir.resolve("leadrouter.db");
    byte[] half = TruncatedJournal.writeHalf(db);
    Files.writeString(dir.resolve("leadrouter.db-wal"), "not a write-ahead log ".repeat(50));
    assertThatThrownBy(() -> SqliteJournal.open(db)).isInstanceOf(JournalException.class)
        .hasMessageStartingWith("journal " + db + " is truncated (");
    assertThat(Files.readAllBytes(db)).isEqualTo(half);
  }

  // ---- without write rights (a second JVM that is not root) ----

  /** Opens {@code db} in a JVM without root's rights (the test's folder open to it); returns what it printed. */
  private String openUnprivileged(Path db) throws IOException, InterruptedException {
    chmod(dir, "rwxrwxrwx");
    List<String> command = new ArrayList<>();
    if ("root".equals(System.getProperty("user.name"))) {
      assumeTrue(unshareWorks(), "runs as root and cannot drop root's rights with unshare -U");
      command.addAll(List.of("unshare", "-U"));
    }
    command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), OpenJournalMain.class.getName(), db.toString()));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the second JVM finished").isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  /** {@link #openUnprivileged} of an existing journal, asserting it left the file byte for byte as it was. */
  private String openUnprivilegedLeavingItUnchanged(Path db) throws IOException, InterruptedException {
    byte[] before = Files.readAllBytes(db);
    String out = openUnprivileged(db);
    assertThat(Files.readAllBytes(db)).as("the journal after the refused open").isEqualTo(before);
    return out;
  }

  private static boolean unshareWorks() {
    return JournalFixtures.commandWorks("unshare", "-U", "true");
  }

  private static void chmod(Path p, String perms) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
  }

  /** A closed journal with leads in {@code folder}; returns its file. */
  private Path journalWithLeads(Path folder) throws IOException {
    Path db = Files.createDirectories(folder).resolve("leadrouter.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      for (int i = 0; i < 20; i++) {
        j.accept(lead("lead-" + i), List.of("crm"), T0);
      }
    }
    return db;
  }

  @Test
  void aReadOnlyFolder_forANewJournal_isRefusedWithTheFix() throws Exception {
    Path folder = Files.createDirectories(dir.resolve("ro"));
    chmod(folder, "r-xr-xr-x");
    Path db = folder.resolve("leadrouter.db");
    try {
      assertThat(openUnprivileged(db)).contains("REFUSED: journal " + db + " cannot be written: its folder "
          + folder + " is read-only for this user. Make the folder writable by the user running LeadRouter (it"
          + " keeps leadrouter.db, leadrouter.db.lock, leadrouter.db-wal and leadrouter.db-shm there), or choose"
          + " another journal path");
      assertThat(listing(folder)).isEmpty();
    } finally {
      chmod(folder, "rwxr-xr-x");
    }
  }

  @Test
  void aReadOnlyFolder_withAJournalInIt_isRefusedWithTheFix_andTheJournalIsUnchanged() throws Exception {
    Path folder = dir.resolve("ro");
    Path db = journalWithLeads(folder);
    chmod(folder, "r-xr-xr-x");
    try {
      assertThat(openUnprivilegedLeavingItUnchanged(db)).contains("REFUSED: journal " + db + " cannot be written: its"
          + " folder " + folder + " is read-only for this user.");
    } finally {
      chmod(folder, "rwxr-xr-x");
    }
    try (LeadJournal j = SqliteJournal.open(db)) {
      assertThat(j.lead(io.leadrouter.LeadId.of("lead-7"))).isPresent();
    }
  }

  @Test
  void aReadOnlyJournalFile_isRefusedWithTheFix_notCalledDamaged_andIsUnchanged() throws Exception {
    Path folder = dir.resolve("rw");
    Path db = journalWithLeads(folder);
    chmod(folder, "rwxrwxrwx");
    chmod(db, "r--r--r--");
    assertThat(openUnprivilegedLeavingItUnchanged(db)).contains("REFUSED: journal " + db + " cannot be written: the"
        + " file is read-only for this user. Make it writable by the user running LeadRouter, or choose another"
        + " journal path").doesNotContain("damaged").doesNotContain("move it away");
  }

  @Test
  void aSymbolicLinkToAnOpenJournal_isRefusedAsTheSameFile_andAlonePointsAtTheSameJournal() throws IOException {
    Path db = dir.resolve("leadrouter.db");
    Path link = Files.createSymbolicLink(dir.resolve("current.db"), db.getFileName());
    try (LeadJournal first = SqliteJournal.open(db)) {
      first.accept(lead("sym-1"), List.of("crm"), T0);
      // the same file by another name: two routers delivering one backlog, each taking the other's deliveries in
      // flight for a crashed run's and sending them again. Before, the link's own lock file let it open
      assertThatThrownBy(() -> SqliteJournal.open(link).close()).isInstanceOf(JournalException.class)
          .hasMessageContaining("is already open in another router in this process");
    }
    try (LeadJournal alone = SqliteJournal.open(link)) {
      assertThat(alone.accept(lead("sym-1"), List.of("crm"), T0).duplicate()).as("the link's journal is the file's")
          .isTrue();
    }
  }
}
