package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Odd filters on {@code inspect} and {@code replay}, on the real jar: each one that selected nothing or was ignored
 * (a misspelt sink: "0 dead letters"; a lower-case code; {@code --limit -4} listing one; {@code --sink} on the
 * quarantine; an ID after {@code pending}; {@code --json} on one quarantined payload printing text) is an error
 * naming the option and the fix, or does what it says.
 */
class InspectFiltersIT {
  @TempDir
  Path dir;

  @Test
  void oddFilters_refusedNamingTheOption_orReadAsMeant() throws Exception {
    String d = Jar.deadLetteringDescriptor(dir);
    assertThat(Jar.run(dir, "route", "leads.ndjson", "-d", d, "--wait", "20s").exit()).isEqualTo(1);
    Files.writeString(dir.resolve("bad.ndjson"), "{\"UserDetails\":{\"Email\":\"Ann.Lee@contoso.com\","
        + "\"EMAIL\":\"ann.lee@contoso.com\",\"Phone\":\"+1 425 555 0177\"},\"LeadSource\":\"SPZA-Create|x\"}\n");
    assertThat(Jar.run(dir, "route", "bad.ndjson", "-d", d).exit()).isEqualTo(1);

    Map<List<String>, String> refused = new java.util.LinkedHashMap<>();
    refused.put(List.of("inspect", "dead-letters", "--sink", "locl"),
        "--sink: 'locl' is no sink of the descriptor and has no delivery in the journal: give one of local");
    refused.put(List.of("replay", "--sink", "locl"),
        "--sink: 'locl' is no sink of the descriptor and has no delivery in the journal: give one of local");
    refused.put(List.of("inspect", "dead-letters", "--code", "FILE NOT WRITABLE"),
        "--code: 'FILE NOT WRITABLE' is no Diagnosis code");
    refused.put(List.of("inspect", "dead-letters", "--limit", "-4"), "--limit: -4 is below 1");
    refused.put(List.of("inspect", "quarantine", "--limit", "0"), "--limit: 0 is below 1");
    refused.put(List.of("inspect", "pending", "1"), "ID (1) names a quarantined payload: 'leadrouter inspect"
        + " quarantine 1'; pending takes no ID");
    refused.put(List.of("inspect", "quarantine", "--sink", "local"), "--sink, --code and --since select"
        + " deliveries (pending, dead-letters): quarantine lists without them");
    refused.put(List.of("inspect", "erasures", "--since", "1h"), "--sink, --code and --since select"
        + " deliveries (pending, dead-letters): erasures lists without them");
    refused.put(List.of("replay", "--quarantined", "--code", "FILE_NOT_WRITABLE"), "--quarantined reads every"
        + " quarantined payload again: --sink, --code and --since select dead letters");
    refused.forEach((args, message) -> {
      List<String> all = new java.util.ArrayList<>(args);
      all.addAll(List.of("-d", d));

      Jar.Result r = Jar.run(dir, all.toArray(String[]::new));

      assertThat(r.exit()).as(args + "\n" + r.all()).isEqualTo(Main.USAGE);
      assertThat(r.err()).as(args.toString()).contains(message);
    });
    assertThat(Jar.run(dir, "inspect", "dead-letters", "-d", d).out()).as("nothing was replayed")
        .contains("8 dead letters");

    Jar.Result lower = Jar.run(dir, "inspect", "dead-letters", "-d", d, "--code", " file_not_writable", "--json");
    assertThat(lower.exit()).as(lower.all()).isZero();
    assertThat(Jar.json(lower.out())).hasSize(8);

    Jar.Result one = Jar.run(dir, "inspect", "quarantine", "1", "-d", d, "--json");
    assertThat(one.exit()).as(one.all()).isZero();
    JsonNode payload = Jar.json(one.out());
    assertThat(payload.get("id").asLong()).isEqualTo(1);
    assertThat(payload.get("diagnosis").get("code").asText()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    assertThat(payload.get("payload").asText()).contains("A***@contoso.com");
    assertThat(one.all()).doesNotContainIgnoringCase("ann.lee@").doesNotContain("555 0177");
  }
}
