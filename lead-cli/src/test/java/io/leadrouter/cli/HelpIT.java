package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a new user types first: {@code --help} on each command, a typo, no command at all. */
class HelpIT {
  private static final List<String> COMMANDS = List.of("serve", "route", "verify", "inspect", "replay", "explain",
      "erase");

  @TempDir
  Path dir;

  @Test
  void everyCommandsHelp_printsItsUsageToStdout_exitZero_evenWithoutItsRequiredOptions() {
    // before: 'route --help' was an unknown option, answered on stderr with "Missing required options" and exit 2
    for (String command : COMMANDS) {
      Jar.Result r = Jar.run(dir, command, "--help");
      assertThat(r.exit()).as(command + ": " + r.all()).isZero();
      assertThat(r.out()).as(command).startsWith("Usage: leadrouter " + command).contains("-h, --help")
          .contains("Exit codes:").contains("  2   bad command line or invalid descriptor");
      assertThat(r.err()).as(command).isEmpty();
    }
    Jar.Result help = Jar.run(dir, "help", "route");
    assertThat(help.exit()).as(help.all()).isZero();
    assertThat(help.out()).startsWith("Usage: leadrouter route");
  }

  @Test
  void topLevelHelp_listsEveryCommandAndTheExitCodes() {
    Jar.Result r = Jar.run(dir, "--help");
    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains(COMMANDS).contains("Exit codes:")
        .contains("  3   the command could not run (journal in use by another process");
  }

  @Test
  void noCommand_namesEveryCommand_exitTwo() {
    Jar.Result r = Jar.run(dir);
    assertThat(r.exit()).as(r.all()).isEqualTo(2);
    assertThat(r.err()).contains("name a command: serve, route, verify, inspect, replay, explain, erase, help");
    assertThat(r.out()).isEmpty();
  }

  @Test
  void misspeltCommand_isRefusedWithASuggestion_exitTwo() {
    Jar.Result r = Jar.run(dir, "rout", "leads.ndjson");
    assertThat(r.exit()).as(r.all()).isEqualTo(2);
    assertThat(r.err()).contains("Did you mean: leadrouter route?");
  }
}
