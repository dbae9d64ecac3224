package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the journal writer thread spends per lead, counted rather than timed (so it holds on a noisy machine): its CPU
 * time, its write and read system calls and bytes, and its voluntary context switches (each a wait, mostly on fsync),
 * divided by the leads routed and delivered. A sink answering at once keeps the network out. Run:
 * {@code java -cp benchmarks.jar io.leadrouter.bench.WriterCost [leads] [callers]}.
 */
public final class WriterCost {
  private static final int WARM_UP = Integer.getInteger("warmUp", 20_000);

  private WriterCost() {}

  /** Runs it and prints one line. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int c = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Path dir = Files2.tempDir("writer-cost");
    BenchSinks.Counting sink = BenchSinks.noOp(c, 1);
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("leadrouter.db"))
        .addSink("hook", sink, DeliveryPolicy.builder().inFlight(c).build()).defaultRoute("hook").build()) {
      Harness.route(router, WARM_UP, c, Leads::next); // warm-up: the JIT compiles the hot path
      Harness.await("warm-up delivery", 120, () -> sink.delivered() >= WARM_UP);
      Lead[] leads = new Lead[n]; // made before the clock starts: the callers' CPU is route()'s alone
      Arrays.setAll(leads, i -> Leads.next());
      Thread writer = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith("leadrouter-journal-writer")).findFirst().orElseThrow();
      long tid = nativeId(writer.getName());
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      Map<String, Long> before = counters(tid);
      long cpu0 = mx.getThreadCpuTime(writer.getId());
      var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      long process0 = os.getProcessCpuTime();
      Map<Long, Long> threads0 = threadCpu(mx);
      long gc0 = gcMillis();
      Map<String, Long> native0 = nativeTicks();
      long started0 = mx.getTotalStartedThreadCount();
      var alloc = (com.sun.management.ThreadMXBean) mx;
      long allocated0 = allocatedBytes(alloc);
      long start = System.nanoTime();
      LongAdder callerBytes = new LongAdder();
      long callers = route(router, leads, c, callerBytes);
      Harness.await("delivery", 600, () -> sink.delivered() >= WARM_UP + n);
      long took = System.nanoTime() - start;
      Thread.sleep(300); // the last settlements
      long cpu = mx.getThreadCpuTime(writer.getId()) - cpu0;
      long process = os.getProcessCpuTime() - process0;
      long gc = gcMillis() - gc0;
      Map<String, Long> native1 = nativeTicks();
      long started = mx.getTotalStartedThreadCount() - started0 - c;
      long allocated = allocatedBytes(alloc) - allocated0 + callerBytes.sum();
      Map<String, Long> byGroup = new java.util.TreeMap<>();
      long named = 0;
      for (Map.Entry<Long, Long> e : threadCpu(mx).entrySet()) {
        java.lang.management.ThreadInfo info = mx.getThreadInfo(e.getKey());
        if (info != null) {
          long spent = e.getValue() - threads0.getOrDefault(e.getKey(), 0L);
          byGroup.merge(info.getThreadName().replaceAll("[-#]?\\d+$", "").replaceAll("-\\d+-", "-N-"), spent, Long::sum);
          named += spent;
        }
      }
      byGroup.put("callers (route())", callers);
      byGroup.put("(JVM: GC, JIT)", process - named - callers);
      native1.forEach((k, v) -> {
        long d = v - native0.getOrDefault(k, 0L);
        if (d > 0 && (k.startsWith("G1") || k.startsWith("GC") || k.startsWith("C1") || k.startsWith("C2")
            || k.startsWith("VM"))) {
          byGroup.put("  of which " + k, d * 10_000_000L); // clock ticks of 10 ms
        }
      });
      Map<String, Long> after = counters(tid);
      System.out.printf("C=%d n=%d: %,.0f leads/s, process cpu %.1f us per lead (%.2f cores); writer per lead: cpu"
          + " %.1f us, %.2f writes (%.0f B), %.2f reads, %.3f waits (voluntary switches)%n", c, n, n / (took / 1e9),
          process / 1e3 / n, process / (double) (took + 300_000_000L), cpu / 1e3 / n,
          delta(before, after, "syscw") / (double) n, delta(before, after, "wchar") / (double) n,
          delta(before, after, "syscr") / (double) n,
          delta(before, after, "voluntary_ctxt_switches") / (double) n);
      System.out.printf("  allocated %,d B per lead (threads alive at the end and the callers); GC pauses+cycles %d ms; %d threads started%n",
          allocated / n, gc, started);
      byGroup.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .forEach(e -> System.out.printf("  %-40s %6.1f us per lead%n", e.getKey(), e.getValue() / 1e3 / n));
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /** Routes every lead from {@code c} threads; returns the CPU time those threads spent. */
  private static long route(LeadRouter router, Lead[] leads, int c, LongAdder bytes) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    LongAdder cpu = new LongAdder();
    Thread[] callers = new Thread[c];
    for (int t = 0; t < c; t++) {
      callers[t] = new Thread(() -> {
        for (int i = next.getAndIncrement(); i < leads.length; i = next.getAndIncrement()) {
          router.route(leads[i]);
        }
        var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        cpu.add(mx.getCurrentThreadCpuTime());
        bytes.add(mx.getCurrentThreadAllocatedBytes());
      });
      callers[t].start();
    }
    for (Thread t : callers) {
      t.join();
    }
    return cpu.sum();
  }

  /** utime+stime clock ticks per thread name (JVM threads included), from /proc. */
  private static Map<String, Long> nativeTicks() throws IOException {
    Map<String, Long> m = new HashMap<>();
    try (var tasks = Files.list(Path.of("/proc/self/task"))) {
      for (Path t : (Iterable<Path>) tasks::iterator) {
        try {
          String comm = Files.readString(t.resolve("comm")).strip().replaceAll("#?\\d+$", "");
          String stat = Files.readString(t.resolve("stat"));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          m.merge(comm, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
        } catch (IOException | RuntimeException e) {
          // the thread ended meanwhile
        }
      }
    }
    return m;
  }

  private static long gcMillis() {
    return ManagementFactory.getGarbageCollectorMXBeans().stream().mapToLong(b -> Math.max(0, b.getCollectionTime()))
        .sum();
  }

  private static long allocatedBytes(com.sun.management.ThreadMXBean mx) {
    long sum = 0;
    for (long id : mx.getAllThreadIds()) {
      sum += Math.max(0, mx.getThreadAllocatedBytes(id));
    }
    return sum;
  }

  private static Map<Long, Long> threadCpu(ThreadMXBean mx) {
    Map<Long, Long> m = new HashMap<>();
    for (long id : mx.getAllThreadIds()) {
      m.put(id, mx.getThreadCpuTime(id));
    }
    return m;
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
