package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lead whose id holds the customer's phone ({@code tel-4915112345678}) and that no route takes is kept in quarantine;
 * what {@code route} prints about it and what {@code inspect quarantine} shows (list, one, {@code --json}) show the id
 * masked ({@code tel-***78}). Before, the diagnosis and the origin's lead-id note showed it as sent.
 */
class LeadIdMaskedIT {
  private static final String PHONE = "4915112345678";

  @TempDir
  Path dir;

  @Test
  void leadKeptForWantOfARoute_routeAndInspectShowItsIdMasked() throws Exception {
    Jar.fileDescriptorWith(dir, "out/leads.ndjson", """
        routes:
          - name: fabrikam
            offer: "fabrikam.*"
            sinks: [local]
        """);
    Files.writeString(dir.resolve("in.ndjson"), "{\"LeadId\":\"tel-" + PHONE + "\",\"UserDetails\":{\"Email\":"
        + "\"jane@contoso.com\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}\n");

    Jar.Result route = Jar.run(dir, "route", "in.ndjson", "-d", "leadrouter.yaml");
    Jar.Result list = Jar.run(dir, "inspect", "quarantine", "-d", "leadrouter.yaml");
    Jar.Result one = Jar.run(dir, "inspect", "quarantine", "1", "-d", "leadrouter.yaml");
    Jar.Result json = Jar.run(dir, "inspect", "quarantine", "-d", "leadrouter.yaml", "--json");

    assertThat(route.all()).contains("LEAD_NO_ROUTE").contains("tel-***78").doesNotContain(PHONE);
    assertThat(list.all()).contains("LEAD_NO_ROUTE").doesNotContain(PHONE);
    assertThat(one.all()).contains("(lead id tel-***78)").doesNotContain(PHONE);
    assertThat(Jar.json(json.out()).get(0).get("origin").asText()).endsWith("(lead id tel-***78)");
    assertThat(json.all()).doesNotContain(PHONE);
  }
}
