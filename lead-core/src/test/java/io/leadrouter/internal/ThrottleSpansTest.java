package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The throttled periods of a destination, as the give-up age reads them. */
class ThrottleSpansTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

  private static Instant at(int minutes) {
    return T0.plus(Duration.ofMinutes(minutes));
  }

  @Test
  void aPeriodRunsFromTheFirstThrottleToTheNextOtherAnswer_andOnlyItsPartAfterSinceCounts() {
    ThrottleSpans spans = new ThrottleSpans();
    spans.throttled(at(10), 1_000);
    spans.throttled(at(20), 2_000); // still the same period
    spans.answered(at(40), 3_000);

    assertThat(spans.isOpen()).isFalse();
    assertThat(spans.within(at(0), at(60))).isEqualTo(Duration.ofMinutes(30));
    assertThat(spans.within(at(25), at(60))).isEqualTo(Duration.ofMinutes(15));
    assertThat(spans.within(at(0), at(15))).isEqualTo(Duration.ofMinutes(5));
    assertThat(spans.within(at(45), at(60))).isEqualTo(Duration.ZERO);
    assertThat(spans.within(at(60), at(0))).as("since after now").isEqualTo(Duration.ZERO);
  }

  @Test
  void anOpenPeriod_countsUpToNow() {
    ThrottleSpans spans = new ThrottleSpans();
    spans.throttled(at(10), 1_000);

    assertThat(spans.isOpen()).isTrue();
    assertThat(spans.within(at(0), at(70))).isEqualTo(Duration.ofMinutes(60));
  }

  @Test
  void aLateAnswerToACallSentBeforeThePeriodBegan_doesNotEndIt() {
    ThrottleSpans spans = new ThrottleSpans();
    spans.throttled(at(10), 1_000);
    spans.answered(at(11), 999); // a 503 to a call sent before the first throttle came back

    assertThat(spans.isOpen()).isTrue();
    spans.answered(at(12), 1_001);
    assertThat(spans.isOpen()).isFalse();
    assertThat(spans.within(at(0), at(60))).isEqualTo(Duration.ofMinutes(2));
  }

  @Test
  void severalPeriods_add_andOnlyTheLatestAreKept() {
    ThrottleSpans spans = new ThrottleSpans();
    for (int i = 0; i < ThrottleSpans.MAX_SPANS + 10; i++) {
      spans.throttled(at(10 * i), i * 10L);
      spans.answered(at(10 * i + 2), i * 10L + 1);
    }

    assertThat(spans.within(at(0), at(10 * (ThrottleSpans.MAX_SPANS + 10))))
        .as("the oldest periods forgotten: those leads count as older, as without the record")
        .isEqualTo(Duration.ofMinutes(2L * ThrottleSpans.MAX_SPANS));
  }

  @Test
  void none_recordsNothing() {
    ThrottleSpans.NONE.throttled(at(1), 1);

    assertThat(ThrottleSpans.NONE.isOpen()).isFalse();
    assertThat(ThrottleSpans.NONE.within(at(0), at(60))).isEqualTo(Duration.ZERO);
  }
}
