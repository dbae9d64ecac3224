package io.leadrouter.journal.postgres;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** The tests' bounded wait: polling, never a sleep standing in for an assertion. */
final class Waits {
  private Waits() {}

  /** Polls {@code condition} every 10 ms until it holds; fails after {@code timeout}. */
  static void awaitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within " + timeout);
      }
      TimeUnit.MILLISECONDS.sleep(10); // polling, not timing
    }
  }
}
