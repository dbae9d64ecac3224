package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.leadrouter.LambdaSink;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.DeliveryResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A full disk under a running router, for real: a second JVM ({@link ResourceFaultChild}) runs with a file-size limit
 * ({@code ulimit -f}; the JVM ignores SIGXFSZ, so writes past it fail as on a full disk, without root or a mount),
 * raised again with {@code prlimit} while it runs. SQLite ends the transaction itself when such a write fails, and
 * sqlite-jdbc then failed every later operation ("statement is not executing", "database in auto-commit mode") until a
 * restart, after the disk had room again.
 */
@Timeout(180)
class DiskFullTest {
  // room for the driver's native library (1.1 MB, extracted to the temp folder); the log is full after ~50 leads
  private static final int LIMIT_KIB = 2048;

  @TempDir Path dir;
  private Process child;

  @AfterEach
  void kill() {
    if (child != null) {
      child.destroyForcibly();
    }
  }

  @Test
  void aFullDisk_refusesWithTheFix_thenRoutesAgainWithoutARestart_losingNothing() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    List<String> out = start(db);
    send("route 400");
    await(out, l -> l.equals("ROUTED"), 1);
    List<String> refused = starting(out, "REFUSED ");
    assertThat(refused).as("routes refused once the disk was full").isNotEmpty();
    assertThat(starting(out, "ACCEPTED ")).as("routes accepted before").isNotEmpty();
    assertThat(refused.get(0)).contains("JournalException: journal " + db + " failed: [SQLITE_IOERR")
        .contains("one of them reached this process's file-size limit (ulimit -f: " + LIMIT_KIB + " KiB): raise or"
            + " remove the limit for the user running LeadRouter; routing works again by itself once the journal"
            + " can write (no restart), and the leads accepted before stay in the journal")
        .doesNotContain("damaged");

    // for health checks: refused with the same fix, so a load balancer sends the marketplace's leads elsewhere
    assertThat(health(out)).startsWith("HEALTH refused ").contains("reached this process's file-size limit");

    prlimit("--fsize=unlimited:"); // the room comes back, the router is not restarted
    // taking leads in again is seen without one being routed: the balancer sends none to a refusing instance
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String health = health(out);
    while (!health.equals("HEALTH ok") && System.nanoTime() < deadline) {
      Thread.sleep(100);
      health = health(out);
    }
    assertThat(health).as("health once there is room again, no lead routed since").isEqualTo("HEALTH ok");
    assertThat(starting(out.subList(out.indexOf("ROUTED") + 1, out.size()), "ACCEPTED ")).isEmpty();
    send("route 20");
    await(out, l -> l.equals("ROUTED"), 2);
    List<String> after = out.subList(out.indexOf("ROUTED") + 1, out.size());
    assertThat(starting(after, "REFUSED ")).as("routes once there is room again").isEmpty();
    assertThat(starting(after, "ACCEPTED ")).hasSize(20);

    // results not recorded while the disk was full: sent again when their lease ended, not lost
    send("drain");
    await(out, l -> l.equals("DRAINED"), 1);
    send("close");
    await(out, l -> l.equals("CLOSED"), 1);
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();

    List<String> accepted = ids(starting(out, "ACCEPTED "));
    Map<String, Integer> delivered = delivered(out);
    try (LeadJournal journal = SqliteJournal.open(db, SqliteJournal.IntegrityCheck.QUICK_ALWAYS)) {
      for (String id : accepted) {
        assertThat(journal.deliveries(LeadId.of(id))).as(id).singleElement()
            .extracting(DeliveryRecord::state).isEqualTo(DeliveryState.DELIVERED);
        assertThat(delivered.get(id)).as("deliveries of %s (a result lost to the full disk: once more)", id)
            .isBetween(1, 2);
      }
      for (String id : ids(refused)) {
        // a refused lead left nothing behind: the transaction the disk refused was not committed statement by statement
        assertThat(journal.lead(LeadId.of(id))).as(id).isEmpty();
        assertThat(delivered).doesNotContainKey(id);
      }
    }
  }

  @Test
  @Tag("slow")
  void killedDuringARoutingBurstOnAFullDisk_everyAcceptedLeadIsDeliveredAfterTheRestart() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    List<String> out = start(db);
    send("burst");
    await(out, l -> l.startsWith("REFUSED "), 200); // four callers hammering a full disk
    child.destroyForcibly(); // SIGKILL: no close, no checkpoint, log frames half written
    assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
    List<String> accepted = ids(starting(out, "ACCEPTED "));
    List<String> refused = ids(starting(out, "REFUSED "));
    assertThat(accepted).isNotEmpty();

    Set<String> delivered = ConcurrentHashMap.newKeySet();
    delivered.addAll(delivered(out).keySet()); // by the killed router
    // the next start has room again: the file is checked (not sealed after a kill), nothing is damaged
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("crm", LambdaSink.of(lead -> {
          delivered.add(lead.id().value());
          return DeliveryResult.created("r-" + lead.id().value());
        })).defaultRoute("crm").build()) {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!delivered.containsAll(accepted) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(delivered).as("every lead route() accepted before the kill, delivered before or after it")
          .containsAll(accepted)
          .doesNotContainAnyElementsOf(refused);
    }
  }

  @Test
  void aNewJournalOnAFullDisk_isRefusedWithTheFix_andOpensOnceThereIsRoom() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    assumeTrue(JournalFixtures.commandWorks("bash", "-c", "ulimit -S -f 1"), "needs bash's ulimit");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // a 1 KiB limit: the driver's native library is loaded from a copy made here, not extracted under the limit
    Path lib = nativeLibrary();
    Process p = new ProcessBuilder("bash", "-c", "ulimit -S -f 1 && exec \"$@\"", "child", java, "-XX:-UsePerfData",
        "-Dorg.sqlite.lib.path=" + lib.getParent(), "-Dorg.sqlite.lib.name=" + lib.getFileName(),
        "-cp", System.getProperty("java.class.path"), OpenJournalMain.class.getName(), db.toString())
        .redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).contains("REFUSED: ").contains("journal " + db)
        .contains("one of them reached this process's file-size limit (ulimit -f: 1024 bytes): raise or remove the"
            + " limit for the user running LeadRouter")
        .doesNotContain("damaged").doesNotContain("move it away");

    // once there is room: a new journal, not the empty file the failed first start left ("truncated: restore it")
    try (LeadJournal journal = SqliteJournal.open(db)) {
      journal.accept(Lead.builder().id("first").createdTime(Instant.EPOCH).email("a@b.com").build(), List.of("crm"),
          Instant.EPOCH);
      assertThat(journal.lead(LeadId.of("first"))).isPresent();
    }
  }

  /** The driver's native library for this platform, copied out of its jar into the test's folder. */
  private Path nativeLibrary() throws IOException {
    String resource = "/org/sqlite/native/" + org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS()
        + "/libsqlitejdbc.so";
    try (InputStream in = org.sqlite.SQLiteConnection.class.getResourceAsStream(resource)) {
      assumeTrue(in != null, "no " + resource + " in the driver's jar");
      Path lib = Files.createDirectories(dir.resolve("native")).resolve("libsqlitejdbc.so");
      Files.copy(in, lib);
      return lib;
    }
  }

  // ---- the second JVM ----

  private List<String> start(Path db) throws IOException, InterruptedException {
    assumeTrue(JournalFixtures.commandWorks("bash", "-c", "ulimit -S -f 1 && prlimit --version"), "needs bash's ulimit and prlimit");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", "ulimit -S -f " + LIMIT_KIB + " && exec \"$@\"", "child",
        java, "-Xmx128m", "-cp", System.getProperty("java.class.path"), ResourceFaultChild.class.getName(),
        db.toString());
    pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("child.err").toFile()));
    child = pb.start();
    List<String> out = new CopyOnWriteArrayList<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
          StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          out.add(line);
        }
      } catch (IOException e) {
        // the child was killed
      }
    }, "child-reader");
    reader.setDaemon(true);
    reader.start();
    await(out, l -> l.equals("READY"), 1);
    return out;
  }

  private void send(String command) throws IOException {
    Writer w = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
    w.write(command + "\n");
    w.flush();
  }

  /** Asks the child whether its journal takes leads in: its answer, {@code HEALTH ok} or {@code HEALTH refused …}. */
  private String health(List<String> out) throws Exception {
    int before = starting(out, "HEALTH ").size();
    send("health");
    await(out, l -> l.startsWith("HEALTH "), before + 1);
    return starting(out, "HEALTH ").get(before);
  }

  private void prlimit(String limit) throws Exception {
    Process p = new ProcessBuilder("prlimit", "--pid", String.valueOf(child.pid()), limit).inheritIO().start();
    assertThat(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0).as("prlimit " + limit).isTrue();
  }

  /** Waits (60 s at most) until the child printed {@code count} lines matching {@code line}. */
  private void await(List<String> out, Predicate<String> line, int count) throws InterruptedException {
    awaitTrue(out, () -> out.stream().filter(line).count() >= count);
  }

  private void awaitTrue(List<String> out, BooleanSupplier done) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!done.getAsBoolean()) {
      assertThat(System.nanoTime() - deadline).as("waited 60 s; the child said: %s", tail(out)).isNegative();
      assertThat(child.isAlive() || done.getAsBoolean()).as("the child ended; it said: %s", tail(out)).isTrue();
      Thread.sleep(20);
    }
  }

  /** The child's last lines, and of its stderr. */
  private String tail(List<String> out) {
    String err;
    try {
      err = Files.readString(dir.resolve("child.err"));
    } catch (IOException e) {
      err = e.toString();
    }
    List<String> lines = List.copyOf(out); // the child adds lines meanwhile: a view of the live list threw CME
    return lines.subList(Math.max(0, lines.size() - 5), lines.size()) + ", stderr: "
        + err.substring(Math.max(0, err.length() - 2000));
  }

  private static List<String> starting(List<String> out, String prefix) {
    return out.stream().filter(l -> l.startsWith(prefix)).toList();
  }

  private static List<String> ids(List<String> lines) {
    return lines.stream().map(l -> l.split(" ")[1]).toList();
  }

  private static Map<String, Integer> delivered(List<String> out) {
    Map<String, Integer> n = new HashMap<>();
    starting(out, "DELIVERED ").forEach(l -> n.merge(l.substring("DELIVERED ".length()), 1, Integer::sum));
    return n;
  }
}
