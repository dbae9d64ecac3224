package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The bounded wait: returns once the condition holds, fails naming what was awaited when it never does. */
class AwaitTest {
  @Test
  void conditionHoldingAfterSomePolls_returns() throws InterruptedException {
    AtomicInteger polls = new AtomicInteger();
    Await.until("three polls", Duration.ofSeconds(30), () -> polls.incrementAndGet() >= 3);
    assertThat(polls).hasValue(3);
  }

  @Test
  void conditionNeverHolding_failsAfterTheBound_namingWhatWasAwaited() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> Await.until("the impossible", Duration.ofMillis(100), () -> false))
        .isInstanceOf(AssertionError.class).hasMessage("not within PT0.1S: the impossible");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
  }
}
