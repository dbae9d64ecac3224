package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code leadrouter explain} on the real jar: each destination's request, secrets redacted, PII masked, nothing done. */
class ExplainIT {
  private static final String SECRET = "Xq8~s3cr3t-v4lue-never-printed";
  private static final String WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  private static final String URL_TOKEN = "tok-4f1c9e-in-the-query";
  private static final String LEAD = """
      {"UserDetails":{"FirstName":"Jane","LastName":"Doe","Email":"jane.doe@contoso.com","Phone":"+1 425 555 0100",
      "Country":"US","Company":"Contoso","Title":"CTO"},"LeadSource":"AzureMarketplace-INS|contoso.crm-connector",
      "ActionCode":"INS","OfferTitle":"Contoso CRM","Description":"{\\"mktcmpid\\":\\"blog\\"}"}
      """;

  @TempDir
  Path dir;

  private Path descriptor() throws Exception {
    return Files.writeString(dir.resolve("leadrouter.yaml"), """
        journal: {type: sqlite, path: out/leadrouter.db}
        sinks:
          local:
            type: file
            path: out/leads.ndjson
          hook:
            type: https
            url: ${LR_IT_HOOK}
            signingSecret: ${LR_IT_WHSEC}
            allowedHosts: [127.0.0.1]
            allowHttpHosts: [127.0.0.1]
        %s
        routes:
          - name: contoso
            offer: "contoso.*"
            sinks: [crm, hook]
        default: [local]
        """.formatted(Jar.UNREACHABLE_DYNAMICS));
  }

  private Jar.Result explain(String... extra) throws Exception {
    Path lead = Files.writeString(dir.resolve("lead.json"), LEAD);
    String[] args = new String[3 + extra.length + 1];
    args[0] = "explain";
    args[1] = "-d";
    args[2] = descriptor().toString();
    System.arraycopy(extra, 0, args, 3, extra.length);
    args[args.length - 1] = lead.toString();
    return Jar.run(dir, Map.of("LR_IT_SECRET", SECRET, "LR_IT_WHSEC", WHSEC, "LR_IT_HOOK", "http://127.0.0.1:9/hook?token=" + URL_TOKEN),
        null, args);
  }

  @Test
  void explain_showsEachChosenRequest_secretsRedacted_piiMasked_nothingJournaledOrWritten() throws Exception {
    Jar.Result r = explain();

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out())
        .contains("destination crm (chosen by contoso)")
        .contains("| POST http://127.0.0.1:9/api/data/v9.2/leads")
        .contains("| Authorization: Bearer <redacted>")
        .contains("| OData-Version: 4.0")
        .contains("\"emailaddress1\":\"j***@contoso.com\"")
        .contains("destination hook (chosen by contoso)")
        .contains("| POST http://127.0.0.1:9/hook?token=<redacted>")
        .contains("| webhook-signature: v1,<redacted>")
        .contains("\"Email\":\"j***@contoso.com\"")
        .contains("explain: nothing was sent and nothing was journaled");
    assertThat(r.out()).doesNotContain("destination local");
    assertThat(r.all()).doesNotContain(SECRET).doesNotContain(URL_TOKEN).doesNotContain("MfKQ9r8GKYqrTwjUPD8")
        .doesNotContain("jane.doe@contoso.com")
        .doesNotContain("555 0100");
    assertThat(dir.resolve("out/leadrouter.db")).doesNotExist();
    assertThat(dir.resolve("out/leads.ndjson")).doesNotExist();
  }

  @Test
  void explain_showPii_showsTheCustomerAsSent() throws Exception {
    Jar.Result r = explain("--show-pii");

    assertThat(r.exit()).as(r.all()).isZero();
    assertThat(r.out()).contains("\"emailaddress1\":\"jane.doe@contoso.com\"").contains("\"Phone\":\"+1 425 555 0100\"");
    assertThat(r.all()).doesNotContain(SECRET).doesNotContain(URL_TOKEN);
  }

  @Test
  void explain_aFileNotInUtf8_isDiagnosedAsRouteDoes_notAnUnexpectedError() throws Exception {
    Path latin1 = Files.write(dir.resolve("latin1.json"), ("{\"UserDetails\":{\"Email\":\"j@contoso.com\","
        + "\"City\":\"Montr\u00e9al\"},\"LeadSource\":\"SPZA-Create|contoso.crm\"}")
        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));

    Jar.Result r = Jar.run(dir, Map.of("LR_IT_SECRET", SECRET, "LR_IT_WHSEC", WHSEC, "LR_IT_HOOK",
        "http://127.0.0.1:9/hook"), null, "explain", "-d", descriptor().toString(), latin1.toString());

    // read as text before, it ended 'unexpected error: MalformedInputException: Input length = 1' (exit 3)
    assertThat(r.exit()).as(r.all()).isEqualTo(1);
    assertThat(r.out()).as(r.all()).contains("line 1: not readable: PAYLOAD_INVALID_UTF8").contains("UTF-8");
    assertThat(r.all()).doesNotContain("unexpected error").doesNotContain("Exception");
  }

  /**
   * explain is route's dry run, so it reads the leads route reads: an NDJSON file with one broken line was read
   * whole ("lead 1: not readable: ... a second JSON object follows"), the good leads never explained; a line holding
   * an array of leads was "an array, not the marketplace's lead object" (exit 0), though route takes each element.
   */
  @Test
  void explain_ndjsonWithABrokenLineAndAnArrayLine_explainsTheLeadsRouteTakes() throws Exception {
    Path file = Files.writeString(dir.resolve("mixed.ndjson"), """
        {"UserDetails":{"Email":"ann@contoso.com"},"LeadSource":"SPZA-Create|x"}
        [{"UserDetails":{"Email":"bob@contoso.com"},"LeadSource":"SPZA-Create|x"},{"UserDetails":{"Email":"cy@contoso.com"},"LeadSource":"SPZA-Create|x"}]
        {"UserDetails":{"Email":"broken

        {"UserDetails":{"Email":"dee@contoso.com","Phone":"+1 425 555 0142"},"LeadSource":"SPZA-Create|x"}
        """);
    Map<String, String> env = Map.of("LR_IT_SECRET", SECRET, "LR_IT_WHSEC", WHSEC, "LR_IT_HOOK",
        "http://127.0.0.1:9/hook");

    Jar.Result explained = Jar.run(dir, env, null, "explain", "-d", descriptor().toString(), file.toString());
    Jar.Result routed = Jar.run(dir, env, null, "route", "-d", descriptor().toString(), file.toString(), "--wait",
        "0s");

    assertThat(explained.exit()).as(explained.all()).isEqualTo(1);
    assertThat(explained.out()).contains("line 3: not readable: PAYLOAD_BROKEN_JSON: line 3, column ")
        .doesNotContain("a second JSON object").doesNotContain("is an array")
        .doesNotContain("ann@contoso.com").doesNotContain("555 0142");
    java.util.function.Function<String, java.util.List<String>> leads = text -> java.util.regex.Pattern
        .compile("(?m)^(?:accepted\\s+(\\S+)\\s+(line [^:]+):|(line [^:]+): lead (\\S+)$)").matcher(text).results()
        .map(m -> m.group(1) != null ? m.group(2) + " " + m.group(1) : m.group(3) + " " + m.group(4)).sorted()
        .toList();
    assertThat(leads.apply(explained.out())).as(explained.out()).hasSize(4)
        .allMatch(l -> l.matches("line (1|2 \\[0]|2 \\[1]|5) sha256-.*"))
        .isEqualTo(leads.apply(routed.out()));
  }
}
