package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Durations and times on the command line at their extremes, on the real jar: refused before anything is done,
 * naming the option as written, never an unexpected error (a huge {@code --wait} overflowed after the leads were
 * routed, exit 3 with a stack trace; a far {@code --since} was "journal ... failed: long overflow").
 */
class DurationOptionsIT {
  private static final String TOKEN = "duration-options-it-token-0123456789";

  @TempDir
  Path dir;

  @Test
  void route_hugeWait_refusedBeforeRoutingNamingTheMaximum() throws Exception {
    Path descriptor = Jar.copyExamples(dir);
    for (String wait : List.of("999999999d", "PT2562047788015215H", "25h")) {
      Jar.Result r = Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString(), "--wait", wait);

      assertThat(r.exit()).as(r.all()).isEqualTo(Main.USAGE);
      assertThat(r.err()).contains("--wait").contains("'" + wait + "' is over the maximum of 24h")
          .doesNotContain("Exception");
      assertThat(dir.resolve("out/leads.ndjson")).as("nothing routed").doesNotExist();
    }
    Jar.Result day = Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString(), "--wait", "24h");
    assertThat(day.exit()).as(day.all()).isZero();
    assertThat(day.err()).contains("waiting up to 86400s for 8 leads");
    assertThat(Files.readAllLines(dir.resolve("out/leads.ndjson"))).hasSize(8);
  }

  @Test
  void route_subSecondWait_isPrintedInMilliseconds_notAsZeroSeconds() throws Exception {
    Path descriptor = Jar.copyExamples(dir);

    Jar.Result r = Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString(), "--wait", "500ms");

    assertThat(r.err()).as(r.all()).contains("waiting up to 500ms for 8 leads to be delivered...")
        .doesNotContain("waiting up to 0s");
  }

  @Test
  void inspectAndReplay_sinceTooFar_refusedNamingTheOption() throws Exception {
    Path descriptor = Jar.copyExamples(dir);
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString()).exit()).isZero();
    for (String since : List.of("+999999999-12-31T00:00Z", "-999999999-01-01T00:00Z", "PT2562047788015215H")) {
      for (String command : List.of("inspect", "replay")) {
        List<String> args = command.equals("inspect") ? List.of("inspect", "dead-letters") : List.of("replay");
        String[] all = java.util.stream.Stream.concat(args.stream(), java.util.stream.Stream.of("-d",
            descriptor.toString(), "--since=" + since)).toArray(String[]::new);

        Jar.Result r = Jar.run(dir, all);

        assertThat(r.exit()).as(command + " " + since + "\n" + r.all()).isEqualTo(Main.USAGE);
        assertThat(r.err()).contains("--since: '" + since + "' is too far from now to be a time the journal holds")
            .doesNotContain("overflow").doesNotContain("Exception");
      }
    }
  }

  @Test
  void serve_zeroOrHugeTimeouts_refusedNamingEachOptionAsWritten() throws Exception {
    String descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();

    Jar.Result zero = Jar.run(dir, Map.of("LR_IT_TOKEN", TOKEN), null, "serve", "--port", "0", "--token-env",
        "LR_IT_TOKEN", "--header-timeout", "0s", "--idle-timeout", "0ms", "--threads", "0", "-d", descriptor);
    Jar.Result huge = Jar.run(dir, Map.of("LR_IT_TOKEN", TOKEN), null, "serve", "--port", "0", "--token-env",
        "LR_IT_TOKEN", "--idle-timeout", "PT2562047788015215H", "-d", descriptor);

    assertThat(zero.exit()).as(zero.all()).isEqualTo(Main.USAGE);
    assertThat(zero.err()).contains("--header-timeout: must be more than 0 (e.g. 10s); --idle-timeout: must be more"
        + " than 0 (e.g. 10s); --threads: 0 is below 1").doesNotContain("headerTimeout must be positive");
    assertThat(huge.exit()).as(huge.all()).isEqualTo(Main.USAGE);
    assertThat(huge.err()).contains("--idle-timeout").contains("is over the maximum of 24h")
        .doesNotContain("Exception");
    assertThat(zero.out() + huge.out()).doesNotContain("listening");
  }
}
