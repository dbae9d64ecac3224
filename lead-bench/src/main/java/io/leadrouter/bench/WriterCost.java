package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What the journal writer thread spends per lead, counted rather than timed (so it holds on a noisy machine): its CPU
 * time, its write and read system calls and bytes, and its voluntary context switches (each a wait, mostly on fsync),
 * divided by the leads routed and delivered. A sink answering at once keeps the network out. Run:
 * {@code java -cp benchmarks.jar io.leadrouter.bench.WriterCost [leads] [callers]}.
 */
public final class WriterCost {
  private WriterCost() {}

  /** Runs it and prints one line. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int c = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Path dir = Files2.tempDir("writer-cost");
    BenchSinks.Counting sink = BenchSinks.noOp(c, 1);
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("leadrouter.db"))
        .addSink("hook", sink, DeliveryPolicy.builder().inFlight(c).build()).defaultRoute("hook").build()) {
      Harness.route(router, 2_000, c, Leads::next); // warm-up
      Harness.await("warm-up delivery", 120, () -> sink.delivered() >= 2_000);
      Thread writer = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith("leadrouter-journal-writer")).findFirst().orElseThrow();
      long tid = nativeId(writer.getName());
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      Map<String, Long> before = counters(tid);
      long cpu0 = mx.getThreadCpuTime(writer.getId());
      long start = System.nanoTime();
      Harness.route(router, n, c, Leads::next);
      Harness.await("delivery", 600, () -> sink.delivered() >= 2_000L + n);
      long took = System.nanoTime() - start;
      Thread.sleep(300); // the last settlements
      long cpu = mx.getThreadCpuTime(writer.getId()) - cpu0;
      Map<String, Long> after = counters(tid);
      System.out.printf("C=%d n=%d: %,.0f leads/s; writer per lead: cpu %.1f us, %.2f writes (%.0f B), %.2f reads,"
          + " %.3f waits (voluntary switches)%n", c, n, n / (took / 1e9), cpu / 1e3 / n,
          delta(before, after, "syscw") / (double) n, delta(before, after, "wchar") / (double) n,
          delta(before, after, "syscr") / (double) n,
          delta(before, after, "voluntary_ctxt_switches") / (double) n);
    } finally {
      Files2.deleteTree(dir);
    }
  }

  private static long delta(Map<String, Long> a, Map<String, Long> b, String key) {
    return b.getOrDefault(key, 0L) - a.getOrDefault(key, 0L);
  }

  /** The Linux task id of the thread named {@code name} (its comm holds the first 15 characters). */
  private static long nativeId(String name) throws IOException {
    String comm = name.substring(0, Math.min(15, name.length()));
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        if (Files.readString(t.resolve("comm")).strip().equals(comm)) {
          return Long.parseLong(t.getFileName().toString());
        }
      }
    }
    throw new IllegalStateException("no task named " + comm);
  }

  private static Map<String, Long> counters(long tid) throws IOException {
    Map<String, Long> m = new HashMap<>();
    Path task = Path.of("/proc/self/task/" + tid);
    for (String line : Files.readAllLines(task.resolve("io"))) {
      String[] kv = line.split(":\\s*");
      m.put(kv[0], Long.parseLong(kv[1].strip()));
    }
    for (String line : Files.readAllLines(task.resolve("status"))) {
      if (line.startsWith("voluntary_ctxt_switches")) {
        m.put("voluntary_ctxt_switches", Long.parseLong(line.split(":\\s*")[1].strip()));
      }
    }
    return m;
  }
}
