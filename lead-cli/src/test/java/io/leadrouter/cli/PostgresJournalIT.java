package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.postgres.PostgresServer;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The command line on a PostgreSQL journal (the embedded server the build starts): {@code --journal
 * postgresql://...} and the descriptor's {@code journal: {type: postgresql, ...}} section, with route, inspect,
 * replay and serve on the real jar.
 */
class PostgresJournalIT extends ServeITBase {
  private static String url() {
    return "postgresql://postgres@localhost:" + PostgresServer.port() + "/postgres";
  }

  private static long rows(String schema, String where) throws Exception {
    try (Connection c = PostgresServer.dataSource("it").getConnection(); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count(*) FROM " + schema + ".lr_deliveries WHERE " + where)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Test
  void descriptorJournalSection_routeThenInspect_leadsKeptInPostgres_passwordFromTheEnvironment() throws Exception {
    Files.copy(Jar.examples().resolve("leads.ndjson"), dir.resolve("leads.ndjson"));
    String schema = PostgresServer.newSchema();
    Path d = Files.writeString(dir.resolve("leadrouter.yaml"), """
        journal:
          type: postgresql
          url: %s
          password: ${LR_PG_PASSWORD}
          schema: %s
        sinks:
          local:
            type: file
            path: out/leads.ndjson
        default: [local]
        """.formatted(url(), schema));

    Jar.Result routed = Jar.run(dir, Map.of("LR_PG_PASSWORD", "not-printed-3f9a"), null, "route", "leads.ndjson",
        "-d", d.toString(), "--wait", "30s");
    assertThat(routed.exit()).as(routed.all()).isZero();
    assertThat(routed.out()).contains("  local: 8 delivered, 0 retrying, 0 dead-lettered");
    assertThat(routed.all()).doesNotContain("not-printed-3f9a");
    assertThat(Jar.lines(dir.resolve("out/leads.ndjson"))).hasSize(8);
    assertThat(rows(schema, "state = 'DELIVERED'")).isEqualTo(8);
    assertThat(dir.resolve("leadrouter.db")).doesNotExist();

    Jar.Result pending = Jar.run(dir, Map.of("LR_PG_PASSWORD", "x"), null, "inspect", "pending", "-d", d.toString());
    assertThat(pending.exit()).as(pending.all()).isZero();
    assertThat(pending.out()).contains("0 pending deliveries");
  }

  @Test
  void journalOption_overridesTheDescriptorsSqlite_deadLettersInspectedAndReplayed() throws Exception {
    String d = Jar.deadLetteringDescriptor(dir);
    Path sinkFile = dir.resolve("out/leads.ndjson"); // a folder until the fix
    String journal = url() + "?currentSchema=public"; // the default schema "leadrouter" is used all the same

    Jar.Result routed = Jar.run(dir, "route", "leads.ndjson", "-d", d, "--journal", journal, "--wait", "30s");
    assertThat(routed.exit()).as(routed.all()).isEqualTo(1);
    assertThat(routed.out()).contains("  local: 0 delivered, 0 retrying, 8 dead-lettered");
    assertThat(dir.resolve("out/leadrouter.db")).as("the descriptor's SQLite journal is not used").doesNotExist();

    Jar.Result dead = Jar.run(dir, "inspect", "dead-letters", "-d", d, "--journal", journal);
    assertThat(dead.exit()).as(dead.all()).isZero();
    assertThat(dead.out()).contains("8 dead letters").contains("FILE_NOT_WRITABLE")
        .doesNotContain("megan.bowen@contoso.com");

    Files.delete(sinkFile); // the fix
    Jar.Result replayed = Jar.run(dir, "replay", "--sink", "local", "-d", d, "--journal", journal);
    assertThat(replayed.exit()).as(replayed.all()).isZero();
    assertThat(replayed.out()).contains("replay: moved 8 dead letters back to pending")
        .contains("  local: 8 delivered, 0 retrying, 0 dead-lettered");
    assertThat(Jar.lines(sinkFile)).hasSize(8);
    assertThat(rows("leadrouter", "state = 'DELIVERED'")).isEqualTo(8);
  }

  @Test
  void serve_onPostgres_acceptsAndDelivers() throws Exception {
    String d = Jar.fileDescriptor(dir, "out/leads.ndjson").toString();
    String schema = PostgresServer.newSchema();
    Files.writeString(Path.of(d), Files.readString(Path.of(d)).replace("""
        journal:
          type: sqlite
          path: out/leadrouter.db
        """, """
        journal:
          type: postgresql
          url: %s
          schema: %s
        """.formatted(url(), schema)));
    Jar.Serve s = start(d);
    String lead = Files.readAllLines(Jar.examples().resolve("leads.ndjson")).get(0);
    HttpResponse<String> r = Jar.post(s.url("/leads/" + TOKEN), lead);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(202);
    Path file = dir.resolve("out/leads.ndjson");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline && !(Files.exists(file) && Jar.lines(file).size() == 1)) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    assertThat(Jar.lines(file)).hasSize(1);
    // the settlement is group-committed just after the sink wrote the line (asynchronously on PostgreSQL)
    while (System.nanoTime() < deadline && rows(schema, "state = 'DELIVERED'") != 1) {
      TimeUnit.MILLISECONDS.sleep(50);
    }
    assertThat(rows(schema, "state = 'DELIVERED'")).isEqualTo(1);
  }

  @Test
  void passwordInline_orInTheUrl_isRefusedNamingTheSetting() throws Exception {
    Path d = Files.writeString(dir.resolve("leadrouter.yaml"), """
        journal:
          type: postgresql
          url: %s
          password: hunter2-inline
        sinks:
          local: {type: file, path: out/leads.ndjson}
        default: [local]
        """.formatted(url()));
    Jar.Result inline = Jar.run(dir, "inspect", "pending", "-d", d.toString());
    assertThat(inline.exit()).as(inline.all()).isEqualTo(2);
    assertThat(inline.all()).contains("journal.password").contains("must not be written inline")
        .doesNotContain("hunter2-inline");

    String withPassword = "postgresql://postgres:hunter2-url@localhost:" + PostgresServer.port() + "/postgres";
    Jar.Result inUrl = Jar.run(dir, "inspect", "pending", "-d", Jar.fileDescriptor(dir, "out/x.ndjson").toString(),
        "--journal", withPassword);
    assertThat(inUrl.exit()).as(inUrl.all()).isEqualTo(2);
    assertThat(inUrl.all()).contains("journal.url").contains("holds a password").doesNotContain("hunter2-url");
    assertThat(List.of(inline.all(), inUrl.all())).noneMatch(s -> s.contains("Exception in thread"));
  }
}
