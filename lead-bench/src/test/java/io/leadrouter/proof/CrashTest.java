package io.leadrouter.proof;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.bench.HttpPostSink;
import io.leadrouter.bench.LoopbackReceiver;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * No accepted lead is lost when the process dies: a child JVM ({@link CrashChild}) routes leads at full speed
 * through an SQLite journal to a loopback receiver and is killed with SIGKILL at random moments, again and again on
 * the same journal (each restart also recovers the previous run's in-flight deliveries). Then a router in this JVM
 * drains the journal. Every lead whose {@code route()} returned reached the receiver; the receiver, upserting by
 * LeadId, holds exactly one record per accepted lead; redeliveries (deliveries in flight at a kill, sent again after
 * the restart) are counted and reported.
 */
class CrashTest {
  @TempDir Path dir;
  private LoopbackReceiver receiver;
  private final Set<String> promised = ConcurrentHashMap.newKeySet();

  @BeforeEach
  void start() throws IOException {
    receiver = LoopbackReceiver.healthy(8);
  }

  @AfterEach
  void stop() {
    receiver.close();
  }

  @Test
  @Timeout(120)
  void killedTwentyTimes_everyAcceptedLeadDelivered_onceAtTheReceiver() throws Exception {
    crashAndRecover(20, 20260425L);
  }

  @Test
  @Tag("slow")
  @Timeout(600)
  void killedAHundredTimes_everyAcceptedLeadDelivered_onceAtTheReceiver() throws Exception {
    crashAndRecover(100, System.nanoTime());
  }

  private void crashAndRecover(int runs, long seed) throws Exception {
    Path journal = dir.resolve("leadrouter.db");
    Random random = new Random(seed);
    int killedWhileRouting = 0;
    for (int run = 0; run < runs; run++) {
      // one run in five is killed at a random moment of its start (opening, recovering); the rest while routing
      boolean duringStart = run % 5 == 4;
      if (runChildAndKill(journal, duringStart, random.nextInt(duringStart ? 600 : 900))) {
        killedWhileRouting++;
      }
    }
    assertThat(killedWhileRouting).as("runs killed while routing").isGreaterThanOrEqualTo(runs * 3 / 5);
    assertThat(promised).as("leads whose route() returned before a kill").hasSizeGreaterThan(runs * 10);

    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(journal))
        .addSink("crm", new HttpPostSink(receiver.uri(), 4, Duration.ofSeconds(5), Clock.systemUTC()),
            CrashChild.policy())
        .defaultRoute("crm").build()) {
      awaitDrained(router);
      List<DeliveryRecord> all = router.journal().list(new DeliveryQuery(EnumSet.allOf(DeliveryState.class),
          java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(),
          java.util.Optional.empty(), Integer.MAX_VALUE));
      Set<String> accepted = all.stream().map(d -> d.leadId().value()).collect(Collectors.toSet());
      Map<String, Long> perLead = all.stream().collect(Collectors.groupingBy(d -> d.leadId().value(),
          Collectors.counting()));

      assertThat(all).as("every delivery settled as delivered").allMatch(d -> d.state() == DeliveryState.DELIVERED);
      assertThat(perLead.values()).as("one delivery per accepted lead").allMatch(n -> n == 1L);
      assertThat(accepted).as("every promised lead is in the journal").containsAll(promised);
      assertThat(receiver.records().keySet()).as("every promised lead reached the receiver").containsAll(promised);
      assertThat(receiver.records().keySet()).as("the receiver holds exactly the accepted leads, one record each")
          .containsExactlyInAnyOrderElementsOf(accepted);
      long requests = receiver.requests();
      assertThat(requests).isEqualTo(accepted.size() + receiver.redeliveries());
      System.out.printf("crash test: %d kills (%d while routing), %d leads promised, %d accepted, %d requests,"
          + " %d redeliveries absorbed by the upsert%n", runs, killedWhileRouting, promised.size(), accepted.size(),
          requests, receiver.redeliveries());
      assertThat(router.journal().lead(LeadId.of(promised.iterator().next()))).isPresent();
    }
  }

  /** Starts the child, kills it with SIGKILL after {@code delayMs}; returns whether it was routing by then. */
  private boolean runChildAndKill(Path journal, boolean duringStart, int delayMs) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    ProcessBuilder pb = new ProcessBuilder(java, "-Xmx128m", "-XX:TieredStopAtLevel=1",
        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", System.getProperty("java.class.path"),
        CrashChild.class.getName(), journal.toString(), receiver.uri().toString(), "4");
    pb.redirectError(ProcessBuilder.Redirect.appendTo(dir.resolve("child.err").toFile()));
    Process child = pb.start();
    CountDownLatch ready = new CountDownLatch(1);
    List<String> printed = new ArrayList<>();
    Thread reader = new Thread(() -> readLines(child.getInputStream(), ready, printed), "child-stdout");
    reader.start();
    if (duringStart) {
      TimeUnit.MILLISECONDS.sleep(200 + delayMs);
    } else {
      // a child that cannot open the journal (refused as damaged, say) ends at once: say why, don't wait it out
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!ready.await(100, TimeUnit.MILLISECONDS) && child.isAlive() && System.nanoTime() < deadline) {
        // waiting for READY
      }
      if (ready.getCount() > 0) {
        boolean ended = !child.isAlive();
        child.destroyForcibly();
        Path err = dir.resolve("child.err");
        throw new AssertionError("the child " + (ended ? "ended (exit " + child.waitFor() + ")" : "did not start"
            + " within 60 s") + " before routing; its stderr:\n" + (Files.exists(err) ? Files.readString(err)
            : "(none)"));
      }
      // the random moment counts from the first lead promised, not from READY: on a loaded machine the child's first
      // route() can take longer than the whole window, and a run killed before it promised anything proves nothing
      while (child.isAlive() && System.nanoTime() < deadline && promisedSoFar(printed) == 0) {
        TimeUnit.MILLISECONDS.sleep(5);
      }
      TimeUnit.MILLISECONDS.sleep(delayMs);
    }
    boolean routing = ready.getCount() == 0;
    ProcessHandle handle = child.toHandle();
    child.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no close, no flush
    assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("child died").isTrue();
    assertThat(handle.isAlive()).isFalse();
    assertThat(child.exitValue()).as("killed by SIGKILL (128 + 9)").isEqualTo(137);
    reader.join(TimeUnit.SECONDS.toMillis(10));
    synchronized (printed) {
      promised.addAll(printed);
    }
    return routing;
  }

  private static int promisedSoFar(List<String> printed) {
    synchronized (printed) {
      return printed.size();
    }
  }

  /** Collects complete lines only: a line cut by the kill is no promise. */
  private static void readLines(InputStream in, CountDownLatch ready, List<String> printed) {
    StringBuilder line = new StringBuilder();
    byte[] buf = new byte[8192];
    try (in) {
      for (int n; (n = in.read(buf)) > 0; ) {
        String chunk = new String(buf, 0, n, StandardCharsets.US_ASCII);
        for (int i = 0; i < chunk.length(); i++) {
          char c = chunk.charAt(i);
          if (c != '\n') {
            line.append(c);
            continue;
          }
          String l = line.toString();
          line.setLength(0);
          if (l.equals("READY")) {
            ready.countDown();
          } else {
            synchronized (printed) {
              printed.add(LeadId.of(l).value());
            }
          }
        }
      }
    } catch (IOException e) {
      // the pipe ends with the child
    }
  }

  private static void awaitDrained(LeadRouter router) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      Map<DeliveryState, Long> c = router.counts().getOrDefault("crm", Map.of());
      long open = c.entrySet().stream().filter(e -> e.getKey() != DeliveryState.DELIVERED)
          .mapToLong(Map.Entry::getValue).sum();
      if (open == 0) {
        return;
      }
      assertThat(System.nanoTime()).as("drained within 60 s; still open: " + c).isLessThan(deadline);
      TimeUnit.MILLISECONDS.sleep(20);
    }
  }
}
