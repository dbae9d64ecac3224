package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real jar on a journal file with a page overwritten (300 pending leads in it): refused at start with the
 * recovery; when the damage is only met at run time, {@code serve} promises nothing (503), health is not ok, and the
 * log says once what happened, without stack traces.
 */
class JournalDamageIT {
  private static final String TOKEN = "it-token-5f2b9c1d7e3a4b6c";
  private static final String LEAD = "{\"UserDetails\":{\"FirstName\":\"Ana\",\"Email\":\"ana@contoso.com\","
      + "\"Country\":\"BR\"},\"LeadSource\":\"SPZA-Create|contoso.crm\",\"LeadId\":\"after-damage-1\"}";

  @TempDir
  Path dir;

  private Process serve;

  @AfterEach
  void stop() throws InterruptedException {
    if (serve != null) {
      serve.destroyForcibly();
      serve.waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void serve_onADamagedJournal_refusesToStartAndSaysHowToRecover() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    Path db = damagedJournal();

    Jar.Result r = Jar.run(dir, Map.of("LR_TOKEN", TOKEN), null, "serve", "--descriptor", descriptor.toString(),
        "--port", "0", "--token-env", "LR_TOKEN");

    assertThat(r.exit()).as(r.all()).isNotZero();
    assertThat(r.err()).contains("journal " + db + " is damaged (PRAGMA quick_check ")
        .contains("sqlite3 " + db + " \".recover\" | sqlite3 " + db + ".recovered").doesNotContain("\tat ");
    assertThat(r.out()).doesNotContain("listening");
  }

  @Test
  void serve_damageMetAtRunTime_answers503AndLogsItOnceWithoutStackTraces() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    Path db = damagedJournal();
    Jar.Serve served = Jar.serve(dir, Map.of("LR_TOKEN", TOKEN), List.of("--descriptor", descriptor.toString(),
        "--port", "0", "--token-env", "LR_TOKEN", "--journal-check", "none")); // as if damaged after the start
    serve = served.process();
    Jar.Drain out = served.out();
    Jar.Drain err = served.err();
    String base = served.url("");

    // the worker claims the pending leads and meets the damaged page: from then on health is not ok
    HttpResponse<String> health = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (System.nanoTime() < deadline) {
      health = get(base + "/health");
      if (health.statusCode() != 200) {
        break;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    assertThat(health.statusCode()).as(health.body()).isEqualTo(503);
    assertThat(health.body()).contains("\"journal\":\"damaged\"");
    HttpResponse<String> post = post(base + "/leads/" + TOKEN, LEAD);
    assertThat(post.statusCode()).as("nothing is promised on a damaged journal: " + post.body()).isEqualTo(503);
    assertThat(post.body()).contains("the journal is damaged");
    String ndjson = LEAD + "\n" + LEAD.replace("after-damage-1", "after-damage-2") + "\n";
    String lines = ServeAttackIT.exchange(served.port(), "POST /leads/" + TOKEN + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        + "Connection: close\r\nContent-Type: application/x-ndjson\r\nContent-Length: " + ndjson.length() + "\r\n\r\n"
        + ndjson);
    assertThat(lines).as("NDJSON: nothing promised either").startsWith("HTTP/1.1 503 ");
    lines = lines.substring(lines.indexOf("\r\n\r\n") + 4);
    assertThat(Jar.json(lines).get("error").asText()).isEqualTo("line 1 could not be stored (the journal is damaged): send line 1 and"
        + " those after it again (lines sent twice are duplicates, not routed twice)");
    assertThat(Jar.json(lines).get("lines")).isEmpty();
    TimeUnit.SECONDS.sleep(3); // long enough for a retry loop to show itself
    for (int i = 0; i < 5; i++) {
      assertThat(get(base + "/health").statusCode()).isEqualTo(503);
    }

    serve.toHandle().destroy();
    assertThat(serve.waitFor(30, TimeUnit.SECONDS)).isTrue();
    String log = err.join();
    assertThat(count(log, " is damaged (")).as(log).isEqualTo(1);
    assertThat(log).contains("sqlite3 " + db + " \".recover\"").doesNotContain("\tat ").doesNotContain("Exception");
    assertThat(log.lines().count()).as("a few lines, not a loop:%n%s", log).isLessThan(10);
    assertThat(out.join()).doesNotContain("accepted       after-damage-1");
  }

  @Test
  void serve_journalFileMovedAway_healthIs503UntilItIsBack_soABalancerSendsLeadsElsewhere() throws Exception {
    Path descriptor = Jar.fileDescriptor(dir, "out/leads.ndjson");
    Jar.Serve served = Jar.serve(dir, Map.of("LR_TOKEN", TOKEN), List.of("--descriptor", descriptor.toString(),
        "--port", "0", "--token-env", "LR_TOKEN"));
    serve = served.process();
    String base = served.url("");
    assertThat(get(base + "/health").statusCode()).isEqualTo(200);

    // an operator's clean-up moves the journal away under the running router: posts get 503 with the fix
    Path away = java.nio.file.Files.createDirectories(dir.resolve("away"));
    for (String suffix : List.of("", "-wal", "-shm")) {
      java.nio.file.Files.move(dir.resolve("out/leadrouter.db" + suffix), away.resolve("leadrouter.db" + suffix));
    }
    HttpResponse<String> health = awaitHealth(base, 503);
    assertThat(health.body()).contains("\"status\":\"unavailable\"").contains("\"journal\":\"refusing leads\"")
        .doesNotContain(dir.toString()); // the path and the fix are in the log, not on an open endpoint
    HttpResponse<String> post = post(base + "/leads/" + TOKEN, LEAD);
    assertThat(post.statusCode()).as(post.body()).isEqualTo(503);

    // moved back: health says so by itself, before any post, since a balancer sends none to an unhealthy instance
    for (String suffix : List.of("-wal", "-shm", "")) {
      java.nio.file.Files.move(away.resolve("leadrouter.db" + suffix), dir.resolve("out/leadrouter.db" + suffix));
    }
    assertThat(awaitHealth(base, 200).body()).contains("\"status\":\"ok\"");
    post = post(base + "/leads/" + TOKEN, LEAD);
    assertThat(post.statusCode()).as(post.body()).isEqualTo(202);
  }

  /** Polls {@code /health} (30 s at most) until it answers {@code status}. */
  private static HttpResponse<String> awaitHealth(String base, int status) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    HttpResponse<String> health = get(base + "/health");
    while (health.statusCode() != status && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100);
      health = get(base + "/health");
    }
    assertThat(health.statusCode()).as(health.body()).isEqualTo(status);
    return health;
  }

  /** The descriptor's journal holding 300 pending leads for {@code local}, with a page in the middle overwritten. */
  private Path damagedJournal() throws IOException {
    Path db = dir.resolve("out/leadrouter.db");
    Instant t0 = Instant.parse("2026-11-25T10:00:00Z");
    try (LeadJournal j = SqliteJournal.open(db)) {
      for (int i = 0; i < 300; i++) {
        j.accept(Lead.builder().id(String.format("pending-%04d", i)).createdTime(t0).firstName("Jane")
            .email("jane" + i + "@contoso.com").country("US").source("AzureMarketplace-INS|contoso.crm")
            .description("a description long enough that 300 leads span many pages ".repeat(4)).build(),
            List.of("local"), t0.plusSeconds(i));
      }
    }
    try (RandomAccessFile f = new RandomAccessFile(db.toFile(), "rw")) {
      int pageSize = 4096;
      long pages = f.length() / pageSize;
      assertThat(pages).isGreaterThan(8);
      byte[] garbage = new byte[pageSize];
      new Random(42).nextBytes(garbage);
      f.seek(pages / 2 * pageSize);
      f.write(garbage);
    }
    return db;
  }

  private static int count(String text, String part) {
    int n = 0;
    for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
      n++;
    }
    return n;
  }

  private static HttpResponse<String> post(String url, String body) throws IOException, InterruptedException {
    return Jar.post(url, body);
  }

  private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return Jar.get(url);
  }
}
