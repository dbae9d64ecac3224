package io.leadrouter.journal.postgres;

import io.leadrouter.testkit.Await;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/** The journal tests' bounded wait: the testkit's {@link Await}; polling, never a sleep standing in for one. */
final class Waits {
  private Waits() {}

  /** Polls {@code condition} every 10 ms until it holds; fails after {@code timeout}. */
  static void awaitUntil(BooleanSupplier condition, Duration timeout) throws InterruptedException {
    Await.until("the condition", timeout, condition);
  }
}
