package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** What the end-to-end benchmarks share: routing from many caller threads and bounded waiting. */
final class Harness {
  private Harness() {}

  /** Routes {@code n} leads from {@code threads} callers; returns the nanoseconds it took. */
  static long route(LeadRouter router, int n, int threads, Supplier<Lead> leads) throws Exception {
    AtomicLong left = new AtomicLong(n);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    try {
      Future<?>[] callers = new Future<?>[threads];
      for (int t = 0; t < threads; t++) {
        callers[t] = pool.submit(() -> {
          while (left.getAndDecrement() > 0) {
            router.route(leads.get());
          }
          return null;
        });
      }
      for (Future<?> f : callers) {
        f.get();
      }
      return System.nanoTime() - start;
    } finally {
      pool.shutdownNow();
    }
  }

  /** Waits (polling every 10 ms) until the condition holds; fails after {@code seconds}. */
  static void await(String what, long seconds, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + seconds + " s waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  /** How many deliveries of {@code destination} the journal holds in {@code state}. */
  static long count(LeadRouter router, String destination, DeliveryState state) {
    Map<DeliveryState, Long> c = router.counts().getOrDefault(destination, Map.of());
    return c.getOrDefault(state, 0L);
  }

  /** Used heap after a full collection, in MiB. */
  static long usedHeapMib() {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) >> 20;
  }

  static String rate(long n, long nanos) {
    return String.format("%,.0f/s", n / (nanos / 1e9));
  }
}
