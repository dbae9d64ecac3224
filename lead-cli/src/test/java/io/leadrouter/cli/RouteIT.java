package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code leadrouter route} on the real jar: the quickstart, idempotent re-runs, bad lines. */
class RouteIT {
  @TempDir
  Path dir;

  @Test
  void route_quickstartExamples_deliversEveryLeadToTheFileAndSaysSo() throws Exception {
    Path descriptor = Jar.copyExamples(dir);

    Jar.Result r = Jar.run(dir, "route", "leads.ndjson", "--descriptor", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("summary: 8 leads read: 8 accepted, 0 duplicates (already accepted earlier), "
        + "0 quarantined, 0 rejected").contains("  local: 8 delivered, 0 retrying, 0 dead-lettered")
        .contains("[marketplace test lead]").contains("[do not contact]").contains("[anonymous]")
        .contains("z***@müller-gmbh.example");
    assertThat(r.out().lines().filter(l -> l.startsWith("accepted ")).count()).isEqualTo(8);
    assertThat(r.out().lines().filter(l -> l.startsWith("delivered ")).count()).isEqualTo(8);
    assertThat(r.out()).doesNotContain("megan.bowen@contoso.com");
    List<String> written = Jar.lines(dir.resolve("out/leads.ndjson"));
    assertThat(written).hasSize(8);
    List<JsonNode> leads = written.stream().map(Jar::json).toList();
    assertThat(leads).extracting(n -> n.get("LeadId").asText()).doesNotHaveDuplicates()
        .contains("c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01", "1f6c8d3e-2a9b-4f0e-b7c5-8d2e6a4f1b04");
    assertThat(leads).extracting(n -> n.get("UserDetails").get("FirstName").asText()).contains("Zoë", "太郎");
    assertThat(leads).extracting(n -> n.get("LeadSource").asText()).contains("SPZA-Create|contoso.crm-connector",
        "MSFT_TEST_636573304831318844-MSFT_TEST_636573304831318844|Contoso CRM Connector");
  }

  @Test
  void route_sameFileTwice_reportsDuplicatesAndWritesNothingNew() throws Exception {
    Path descriptor = Jar.copyExamples(dir);
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString()).exit()).isZero();

    Jar.Result again = Jar.run(dir, "route", "leads.ndjson", "-d", descriptor.toString());

    assertThat(again.exit()).as(again.all()).isZero();
    assertThat(again.out()).contains("summary: 8 leads read: 0 accepted, 8 duplicates (already accepted earlier), "
        + "0 quarantined, 0 rejected").doesNotContain("delivered  ");
    assertThat(again.out()).contains("duplicate      c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01  line 1: already "
        + "accepted, not routed again (local: delivered)");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(8);
  }

  @Test
  void route_badLinesFromStdin_reportedWithLineNumbersOthersDeliveredExitOne() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    String input = """
        {"UserDetails":{"Email":"ann@contoso.com","Country":"US"},"LeadSource":"SPZA-Create|contoso.crm"}
        {"UserDetails":{"Email":"broken
        
        {"UserDetails":{"Email":"bob@contoso.com","Country":"USA"},"LeadSource":"SPZA-Create|contoso.crm"}
        {"UserDetails":{"Email":"cid@contoso.com","Phone":"+1 425 555 0100"},"LeadSource":"AzurePortal-INS|contoso.crm"}
        """;

    Jar.Result r = Jar.run(dir, Map.of(), input, "route", "-", "--descriptor", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("quarantined    line 2 as 1: PAYLOAD_BROKEN_JSON: line 2, column 32: is not valid"
            + " JSON: the text ends too early inside a text. Fix: send the marketplace's lead JSON object, complete"
            + " and well-formed")
        .contains("summary: 4 leads read: 3 accepted, 0 duplicates (already accepted earlier), 1 quarantined,"
            + " 0 rejected")
        .contains("  local: 3 delivered, 0 retrying, 0 dead-lettered");
    assertThat(r.err()).contains("routing: 4 leads read, 3 accepted, 0 duplicates, 1 quarantined, 0 rejected");

    Jar.Result list = Jar.run(dir, "inspect", "quarantine", "--descriptor", descriptor.toString());
    assertThat(list.out()).as(list.all()).contains("route stdin line 2").contains("PAYLOAD_BROKEN_JSON")
        .contains("1 quarantined payloads");
    Jar.Result show = Jar.run(dir, "inspect", "quarantine", "1", "--descriptor", descriptor.toString());
    assertThat(show.out()).as(show.all()).contains("{\"UserDetails\":{\"Email\":\"broken")
        .contains("why:      PAYLOAD_BROKEN_JSON");
    Jar.Result replay = Jar.run(dir, "replay", "--quarantined", "--descriptor", descriptor.toString());
    assertThat(replay.exit()).isEqualTo(1);
    assertThat(replay.out()).contains("replay: 0 quarantined payloads read and routed, 1 still quarantined");
    // "USA" is the marketplace's own spelling: normalised to US and flagged, never refused
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(3).allSatisfy(l -> assertThat(l)
        .containsAnyOf("ann@contoso.com", "bob@contoso.com", "cid@contoso.com"));
  }

  /**
   * A quarantined payload is kept byte for byte; 'inspect quarantine ID' printed it raw, so its ESC sequences set the
   * operator's terminal title and cleared the screen.
   */
  @Test
  void inspectQuarantine_aPayloadWithEscapeSequences_neverReachesTheTerminalRaw() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    String line = "{\"UserDetails\":{\"Email\":\"ann@contoso.com\",\"Company\":\"A\u001b]0;pwned\u0007\u001b[2JB"
        + "\u202e\"},\"LeadSource\":\"SPZA-Create|x\"}\n";
    assertThat(Jar.run(dir, Map.of(), line, "route", "-", "-d", descriptor.toString()).exit()).isEqualTo(1);

    Jar.Result show = Jar.run(dir, "inspect", "quarantine", "1", "-d", descriptor.toString());
    Jar.Result list = Jar.run(dir, "inspect", "quarantine", "-d", descriptor.toString());

    assertThat(show.exit()).as(show.all()).isZero();
    assertThat(show.out()).contains("\"Company\":\"A<U+001B>]0;pwned<U+0007><U+001B>[2JB<U+202E>\"")
        .contains("a***@contoso.com");
    assertThat(show.out() + list.out()).doesNotContain("\u001b").doesNotContain("\u0007")
        .doesNotContain("\u202e").doesNotContain("ann@");
  }

  @Test
  void route_missingInputFileOrADirectory_exitTwoNamingIt() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");

    Jar.Result r = Jar.run(dir, "route", "nope.ndjson", "-d", descriptor.toString());

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("no such file: nope.ndjson");

    // a directory opens on Linux and fails at its first read: that was 'unexpected error: IOException: Is a
    // directory', exit 3, with a stack trace
    java.nio.file.Files.createDirectories(dir.resolve("leads"));
    for (String command : List.of("route", "explain")) {
      Jar.Result d = Jar.run(dir, command, "leads", "-d", descriptor.toString());
      assertThat(d.exit()).as(d.all()).isEqualTo(2);
      assertThat(d.err()).contains("leads is a directory: name the").doesNotContain("Exception");
    }
  }

  @Test
  void route_invalidUtf8Line_isQuarantinedExactlyAsSent_neverDecodedWithReplacements() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    byte[] good = "{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},\"LeadSource\":\"SPZA-Create|c\"}\n"
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] bad = "{\"UserDetails\":{\"FirstName\":\"Zo\u00C0\"},\"LeadSource\":\"SPZA-Create|c\"}\n"
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1); // Latin-1, not UTF-8
    Path input = dir.resolve("mixed.ndjson");
    java.nio.file.Files.write(input, concat(good, bad));

    Jar.Result r = Jar.run(dir, "route", input.toString(), "--descriptor", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("quarantined    line 2 as 1: PAYLOAD_INVALID_UTF8: line 2, column 32: byte 0xC0"
        + " starts an overlong encoding");
    try (io.leadrouter.journal.LeadJournal j = io.leadrouter.journal.SqliteJournal.open(dir.resolve("out/leadrouter.db"))) {
      assertThat(j.quarantined(1L).orElseThrow().payload()).isEqualTo(java.util.Arrays.copyOf(bad, bad.length - 1));
    }
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(1);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void route_crlfBomBlankAndUnterminatedLines_eachLeadRouted_theBadLineQuarantinedWithItsNumber_onceOnly()
      throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    String lead = "{\"UserDetails\":{\"Email\":\"%s@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}";
    byte[] input = ("\uFEFF" + lead.formatted("ann") + "\r\n" // a byte-order mark, Windows line ends
        + "\r\n"
        + "   \t\r\n" // blank lines, white space only: no input
        + "{\"UserDetails\":{\"Email\":\"x@contoso.com\",\"EMAIL\":\"y@contoso.com\"},\"LeadSource\":\"x\"}\r\n"
        + lead.formatted("bob") + "\n"
        + lead.formatted("cid")) // the last line has no line end
        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    Path file = java.nio.file.Files.write(dir.resolve("in.ndjson"), input);

    Jar.Result r = Jar.run(dir, "route", file.toString(), "-d", descriptor.toString());

    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).contains("quarantined    line 4 as 1: PAYLOAD_DUPLICATE_KEY: UserDetails.EMAIL at line 4,")
        .contains("summary: 4 leads read: 3 accepted, 0 duplicates (already accepted earlier), 1 quarantined,"
            + " 0 rejected");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(3).anySatisfy(l -> assertThat(l)
        .contains("ann@contoso.com")).anySatisfy(l -> assertThat(l).contains("bob@contoso.com"))
        .anySatisfy(l -> assertThat(l).contains("cid@contoso.com"));

    // the same file again: the same leads (line ends are not part of a lead), none delivered twice
    Jar.Result again = Jar.run(dir, "route", file.toString(), "-d", descriptor.toString());
    assertThat(again.out()).as(again.all()).contains("summary: 4 leads read: 0 accepted, 3 duplicates (already"
        + " accepted earlier), 1 quarantined, 0 rejected");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(3);
  }

  @Test
  void route_stdinThatStaysOpen_routesEachLeadAsItsLineArrives_andSaysTheRealSizeOfAHugeLine() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    Path out = dir.resolve("out/leads.ndjson");
    String lead = "{\"UserDetails\":{\"Email\":\"%s@contoso.com\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}\n";
    Process p = Jar.start(dir, Map.of(), "route", "-", "--descriptor", descriptor.toString(), "--wait", "30s");
    Jar.Drain stdout = new Jar.Drain(p.getInputStream());
    Jar.Drain stderr = new Jar.Drain(p.getErrorStream());
    try (var stdin = p.getOutputStream()) {
      stdin.write(lead.formatted("ann").getBytes(java.nio.charset.StandardCharsets.UTF_8));
      stdin.flush();
      // the producer keeps the pipe open (`producer | leadrouter route -`, `tail -f`): its first lead is taken and
      // delivered now, not once 1 MiB has come or the pipe is closed
      long deadline = System.nanoTime() + Jar.TIMEOUT.toNanos();
      while (System.nanoTime() < deadline && !(java.nio.file.Files.exists(out)
          && java.nio.file.Files.readString(out).contains("ann@contoso.com"))) {
        Thread.sleep(100);
      }
      assertThat(java.nio.file.Files.exists(out) ? java.nio.file.Files.readString(out) : "")
          .as("the first lead delivered while stdin is open; output so far:%n%s%n%s", stdout.text(), stderr.text())
          .contains("ann@contoso.com");

      byte[] huge = new byte[3 << 20];
      java.util.Arrays.fill(huge, (byte) 'x');
      stdin.write(huge); // a 3 MiB line: read in bounded memory, cut, and kept in quarantine with its real size
      stdin.write("\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
      stdin.write(lead.formatted("bob").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    assertThat(p.waitFor(Jar.TIMEOUT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS)).isTrue();

    String all = stdout.join() + "\n" + stderr.join();
    assertThat(p.exitValue()).as(all).isEqualTo(1);
    assertThat(all).contains("quarantined    line 2 as 1: PAYLOAD_TOO_LARGE: line 2: is 3145728 bytes, over the limit"
        + " of 1048576 bytes (its first 1048577 bytes are kept in quarantine)")
        .contains("summary: 3 leads read: 2 accepted, 0 duplicates (already accepted earlier), 1 quarantined");
    assertThat(Jar.lines(out)).hasSize(2).anySatisfy(l -> assertThat(l).contains("ann@contoso.com"))
        .anySatisfy(l -> assertThat(l).contains("bob@contoso.com"));
  }
}
