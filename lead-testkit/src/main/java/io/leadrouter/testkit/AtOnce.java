package io.leadrouter.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Runs calls on many threads released together, for tests of what a sink does when deliveries overlap (one token
 * refresh for a burst, a shared quota): each thread waits at a latch, then all start at once.
 */
public final class AtOnce {
  /** How long each call may take before the test fails. */
  private static final long WAIT_SECONDS = 30;

  private AtOnce() {}

  /** One of the calls, given its index (0 to n - 1). */
  @FunctionalInterface
  public interface Call<T> {
    /** Runs the call. */
    T run(int index) throws Exception;
  }

  /**
   * Runs {@code n} calls on {@code n} threads released together and returns their results in index order, waiting
   * at most 30 s for each; a call's failure fails the whole.
   */
  public static <T> List<T> run(int n, Call<T> call) throws Exception {
    Objects.requireNonNull(call, "call");
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int index = i;
        futures.add(pool.submit(() -> {
          start.await();
          return call.run(index);
        }));
      }
      start.countDown();
      List<T> results = new ArrayList<>(n);
      for (Future<T> f : futures) {
        results.add(f.get(WAIT_SECONDS, TimeUnit.SECONDS));
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }
}
