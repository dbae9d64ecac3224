package io.leadrouter.testkit;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The tests' bounded wait: polls a condition until it holds and fails naming what was awaited when it does not
 * within the bound. Never a sleep standing in for an assertion; give generous bounds (a loaded CI machine is slow).
 */
public final class Await {
  private Await() {}

  /**
   * Polls {@code condition} every 10 ms until it holds.
   *
   * @param what what is awaited, for the failure: {@code not within PT30S: the first 3 leads}
   * @throws AssertionError if it does not hold within {@code within}
   */
  public static void until(String what, Duration within, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + within + ": " + what);
      }
      TimeUnit.MILLISECONDS.sleep(10); // polling, not timing
    }
  }
}
