package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dead letters end to end on the real jar: a file sink whose path is a folder fails permanently; {@code inspect}
 * shows the dead letters masked; once fixed, {@code replay} delivers them.
 */
class DeadLetterIT {

  @TempDir
  Path dir;

  @Test
  void deadLetters_inspectedMaskedThenReplayedAfterTheFix_allDelivered() throws Exception {
    String d = Jar.deadLetteringDescriptor(dir);
    Path sinkFile = dir.resolve("out/leads.ndjson"); // a folder until the fix

    Jar.Result routed = Jar.run(dir, "route", "leads.ndjson", "-d", d, "--wait", "20s");
    assertThat(routed.exit()).as(routed.all()).isEqualTo(1);
    assertThat(routed.out()).contains("  local: 0 delivered, 0 retrying, 8 dead-lettered")
        .contains("dead-lettered  c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01 -> local: FILE_NOT_WRITABLE: cannot write")
        .contains("leadrouter inspect dead-letters --descriptor " + d);

    Jar.Result listed = Jar.run(dir, "inspect", "dead-letters", "-d", d, "--json", "--sink", "local", "--code",
        "FILE_NOT_WRITABLE", "--since", "1h");
    assertThat(listed.exit()).as(listed.all()).isZero();
    JsonNode array = Jar.json(listed.out());
    assertThat(array.isArray()).isTrue();
    assertThat(array).hasSize(8);
    JsonNode megan = StreamSupport.stream(array.spliterator(), false)
        .filter(n -> n.get("leadId").asText().equals("c0a8e6b2-4f1d-4c3a-9d7e-2b5f8a1c3e01")).findFirst().orElseThrow();
    assertThat(megan.get("sink").asText()).isEqualTo("local");
    assertThat(megan.get("state").asText()).isEqualTo("dead");
    assertThat(megan.get("attempts").asInt()).isEqualTo(1);
    assertThat(megan.get("diagnosis").get("code").asText()).isEqualTo("FILE_NOT_WRITABLE");
    assertThat(megan.get("diagnosis").get("fix").asText()).startsWith("make ");
    assertThat(megan.get("customer").get("email").asText()).isEqualTo("m***@contoso.com");
    assertThat(megan.get("customer").get("phone").asText()).isEqualTo("***09");
    assertThat(megan.get("source").asText()).isEqualTo("AzureMarketplace-INS|contoso.crm-connector");
    assertThat(megan.fieldNames()).toIterable().contains("leadId", "sink", "state", "attempts", "acceptedAt",
        "updatedAt", "diagnosis", "customer", "source", "offerTitle", "test");
    assertThat(listed.out()).doesNotContain("megan.bowen@contoso.com", "555 0109", "alexw@fabrikam.com",
        "taro.yamada@adatum.co.jp");

    Jar.Result table = Jar.run(dir, "inspect", "dead-letters", "-d", d);
    assertThat(table.out()).contains("8 dead letters").contains("m***@contoso.com").contains("FILE_NOT_WRITABLE")
        .doesNotContain("megan.bowen@contoso.com");
    assertThat(Jar.run(dir, "inspect", "dead-letters", "-d", d, "--json", "--code", "OTHER_CODE").out().strip())
        .isEqualTo("[ ]");
    assertThat(Jar.run(dir, "inspect", "pending", "-d", d).out()).contains("0 pending deliveries");

    Files.delete(sinkFile); // the fix
    Jar.Result replayed = Jar.run(dir, "replay", "--sink", "local", "--code", "FILE_NOT_WRITABLE", "--since", "2h",
        "-d", d);

    assertThat(replayed.exit()).as(replayed.all()).isZero();
    assertThat(replayed.out()).contains("replay: moved 8 dead letters back to pending")
        .contains("  local: 8 delivered, 0 retrying, 0 dead-lettered");
    assertThat(Jar.lines(sinkFile)).hasSize(8);
    assertThat(Jar.run(dir, "inspect", "dead-letters", "-d", d).out()).contains("0 dead letters");
  }

  /**
   * Dead letters of a sink since removed from the descriptor: an unfiltered replay moved them to pending, where no
   * worker ever sends them. They stay dead letters, named with the fix; naming that sink is the one failure.
   */
  @Test
  void replay_deadLettersOfASinkNoLongerInTheDescriptor_leftAloneNamingItAndTheFix() throws Exception {
    String d = Jar.deadLetteringDescriptor(dir);
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", d, "--wait", "20s").exit()).isEqualTo(1);
    Files.writeString(Path.of(d), """
        journal:
          type: sqlite
          path: out/leadrouter.db
        sinks:
          archive:
            type: file
            path: out/archive.ndjson
        default: [archive]
        """);
    String left = "replay: left 8 dead letters of local alone: local is no sink of the descriptor, so nothing would"
        + " deliver them. Add it back under sinks: and run 'leadrouter replay --sink local' ('leadrouter inspect"
        + " dead-letters --sink local' lists them)";

    Jar.Result all = Jar.run(dir, "replay", "-d", d, "--wait", "5s");

    assertThat(all.exit()).as(all.all()).isZero();
    assertThat(all.out()).contains(left).contains("replay: moved 0 dead letters back to pending");
    assertThat(Jar.run(dir, "inspect", "pending", "-d", d).out()).contains("0 pending deliveries");
    assertThat(Jar.run(dir, "inspect", "dead-letters", "-d", d).out()).contains("8 dead letters");

    Jar.Result named = Jar.run(dir, "replay", "--sink", "local", "-d", d);

    assertThat(named.exit()).as(named.all()).isEqualTo(Main.FAILED);
    assertThat(named.out()).contains(left).contains("replay: moved 0 dead letters back to pending");
    assertThat(Jar.run(dir, "inspect", "pending", "-d", d).out()).contains("0 pending deliveries");

    Files.delete(dir.resolve("out/leads.ndjson")); // the fix: local back, writable
    Jar.fileDescriptor(dir, "out/leads.ndjson");
    Jar.Result replayed = Jar.run(dir, "replay", "--sink", "local", "-d", d);

    assertThat(replayed.exit()).as(replayed.all()).isZero();
    assertThat(replayed.out()).contains("replay: moved 8 dead letters back to pending")
        .contains("  local: 8 delivered, 0 retrying, 0 dead-lettered");
  }

  @Test
  void inspect_badSince_exitTwoExplainingTheForms() throws Exception {
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();

    Jar.Result r = Jar.run(dir, "inspect", "pending", "-d", d, "--since", "yesterday");

    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--since: 'yesterday' is neither a time (2026-11-25T10:15:30Z), a date "
        + "(2026-11-25) nor a duration back from now (30m, 2h, 7d)");
  }
}
