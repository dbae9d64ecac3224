package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands that read a journal (inspect, replay, erase) refuse a SQLite journal file that does not exist. They
 * created an empty one at the mistyped path (folders included) and answered "0 pending deliveries", "moved 0 dead
 * letters" or "erased ...: nothing found" with exit code 0: an operator checking for stuck leads, or erasing a person,
 * was told all was done while the real journal was never opened.
 */
class MissingJournalIT {
  @TempDir
  Path dir;

  @Test
  void readingCommands_missingJournal_refusedNamingThePath_nothingCreated() throws Exception {
    Path descriptor = Jar.copyExamples(dir); // journal.path: out/leadrouter.db, never routed to
    Path described = dir.resolve("out/leadrouter.db");
    Path typo = dir.resolve("dat/leadroter.db");
    List<List<String>> commands = List.of(List.of("inspect", "pending"), List.of("inspect", "dead-letters"),
        List.of("replay"), List.of("erase", "--email", "megan.bowen@contoso.com"));

    for (List<String> command : commands) {
      List<String> fromDescriptor = new ArrayList<>(command);
      fromDescriptor.addAll(List.of("-d", descriptor.toString()));
      List<String> fromOption = new ArrayList<>(fromDescriptor);
      fromOption.addAll(List.of("--journal", typo.toString()));

      Jar.Result viaDescriptor = Jar.run(dir, fromDescriptor.toArray(String[]::new));
      Jar.Result viaOption = Jar.run(dir, fromOption.toArray(String[]::new));

      assertThat(viaDescriptor.exit()).as(command + "\n" + viaDescriptor.all()).isEqualTo(Main.USAGE);
      assertThat(viaDescriptor.err()).as(command.toString()).contains("journal.path: " + described
          + " does not exist");
      assertThat(viaOption.exit()).as(command + "\n" + viaOption.all()).isEqualTo(Main.USAGE);
      assertThat(viaOption.err()).as(command.toString()).contains("--journal: " + typo + " does not exist");
    }
    assertThat(described).doesNotExist();
    assertThat(typo.getParent()).doesNotExist();

    // once route has written it, the same commands read it
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString()).exit()).isZero();
    Jar.Result pending = Jar.run(dir, "inspect", "pending", "-d", descriptor.toString());
    assertThat(pending.exit()).as(pending.all()).isZero();
    assertThat(pending.out()).contains("0 pending deliveries");
    assertThat(Files.exists(described)).isTrue();
  }

  @Test
  void emptyDescriptorOrJournalOption_isNamedAsTheOption() throws Exception {
    Path descriptor = Jar.copyExamples(dir);

    // an empty --journal was the working directory ("journal <dir> is a folder"); an empty --descriptor read
    // "invalid configuration: : is not a .yaml, .yml or .json file"
    Jar.Result journal = Jar.run(dir, "inspect", "pending", "-d", descriptor.toString(), "--journal=");
    Jar.Result described = Jar.run(dir, "inspect", "pending", "--descriptor=");

    assertThat(journal.exit()).as(journal.all()).isEqualTo(Main.USAGE);
    assertThat(journal.err()).contains("--journal: is empty");
    assertThat(described.exit()).as(described.all()).isEqualTo(Main.USAGE);
    assertThat(described.err()).contains("--descriptor: is empty");
  }
}
