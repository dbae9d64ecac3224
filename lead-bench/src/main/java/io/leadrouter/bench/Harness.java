package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import java.io.IOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import okhttp3.Response;

/** What the end-to-end benchmarks share: routing from many caller threads and bounded waiting. */
final class Harness {
  private Harness() {}

  /** Routes {@code n} leads from {@code threads} callers; returns the nanoseconds it took. */
  static long route(LeadRouter router, int n, int threads, Supplier<Lead> leads) throws Exception {
    return inParallel(n, threads, () -> router.route(leads.get()));
  }

  /** One unit of work of {@link #inParallel}. */
  @FunctionalInterface
  interface Call {
    /** Does it once. */
    void run() throws Exception;
  }

  /**
   * Runs {@code call} {@code n} times in all from {@code threads} threads, each taking the next until none is left;
   * returns the nanoseconds it took. The first failure fails the whole run.
   */
  static long inParallel(int n, int threads, Call call) throws Exception {
    AtomicLong left = new AtomicLong(n);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long start = System.nanoTime();
    try {
      Future<?>[] callers = new Future<?>[threads];
      for (int t = 0; t < threads; t++) {
        callers[t] = pool.submit(() -> {
          while (left.getAndDecrement() > 0) {
            call.run();
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

  /**
   * The raw OkHttp baseline: {@code n} leads POSTed to {@code receiver} from {@code c} threads sharing one client
   * whose pool holds {@code c} connections (the same requests {@link HttpPostSink} sends, no durability); returns the
   * nanoseconds it took. Fails on any answer but 201.
   */
  static long rawPosts(LoopbackReceiver receiver, int n, int c) throws Exception {
    OkHttpClient client = HttpPostSink.client(c, Duration.ofSeconds(30));
    String url = receiver.uri().toString();
    try {
      return inParallel(n, c, () -> {
        try (Response r = client.newCall(HttpPostSink.request(url, Leads.next())).execute()) {
          if (r.code() != 201) {
            throw new IOException("HTTP " + r.code());
          }
        }
      });
    } finally {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
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
