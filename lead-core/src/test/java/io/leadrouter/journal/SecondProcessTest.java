package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second process opening a journal file in use gets a clear error, not a silently shared queue. */
class SecondProcessTest {
  @TempDir Path dir;

  /** Opens {@code db} in a second JVM ({@link OpenJournalMain}); returns what it printed. */
  static String openInAnotherJvm(Path db) throws IOException, InterruptedException {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        OpenJournalMain.class.getName(), db.toString()).redirectErrorStream(true).start();
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("the second JVM finished").isTrue();
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
  }

  @Test
  void open_fileHeldByAnotherProcess_isRefusedNamingTheFile() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    try (LeadJournal held = SqliteJournal.open(db)) {
      // the refused process is told which one holds the file, so an operator knows what to stop
      assertThat(openInAnotherJvm(db)).contains("REFUSED: journal " + db + " is already open in another router"
          + " (lock " + db + ".lock is held, by process " + ProcessHandle.current().pid() + " ");
    }
    assertThat(openInAnotherJvm(db)).as("free again once closed").contains("OPENED");
  }

  @Test
  void aSecondOpenRefusedInTheSameJvm_leavesTheFileLockedAgainstOtherProcesses() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    try (LeadJournal held = SqliteJournal.open(db)) {
      // a second router in the same application, refused: on Linux, closing any descriptor of the lock file drops
      // the process's lock on it, so the refusal must not close one
      for (int i = 0; i < 2; i++) {
        assertThatThrownBy(() -> SqliteJournal.open(db)).isInstanceOf(JournalException.class)
            .hasMessageContaining("is already open");
      }
      assertThat(openInAnotherJvm(db)).as("another process, while this one still holds the journal")
          .contains("REFUSED: journal " + db + " is already open");
    }
  }
}
