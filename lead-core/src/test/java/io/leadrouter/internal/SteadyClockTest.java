package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The embedded router's clock never goes back, whatever the wall clock does; elapsed time is injected. */
class SteadyClockTest {
  private static final Instant T0 = Instant.parse("2026-03-08T07:59:58Z");

  private final HandClock wall = new HandClock(T0);
  private final SteadyClock clock = new SteadyClock(wall, wall::nanos);

  @Test
  void followsTheWallClock_whileNobodySetsIt() {
    assertThat(clock.instant()).isEqualTo(T0);
    wall.pass(Duration.ofSeconds(10));
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(10));
  }

  @Test
  void wallClockSetBackAnHour_keepsCountingFromWhereItWas() {
    clock.instant();
    wall.pass(Duration.ofSeconds(5));
    wall.set(Duration.ofHours(-1));
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(5));
    wall.pass(Duration.ofSeconds(10));
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(15));
  }

  @Test
  void setBackThenForwardAgain_followsTheWallClockOnceItCaughtUp() {
    clock.instant();
    wall.set(Duration.ofHours(-1));
    wall.pass(Duration.ofSeconds(3));
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(3));
    wall.set(Duration.ofHours(1)); // corrected: the wall clock is right again
    wall.pass(Duration.ofSeconds(2));
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(5));
    wall.set(Duration.ofMinutes(10)); // a real forward step is followed
    assertThat(clock.instant()).isEqualTo(T0.plusSeconds(5).plus(Duration.ofMinutes(10)));
  }

  @Test
  void slewingWithinTheTolerance_neverGoesBack() {
    Instant before = clock.instant();
    wall.set(Duration.ofMillis(-400));
    assertThat(clock.instant()).isEqualTo(before); // waits, does not go back
    wall.pass(Duration.ofMillis(600));
    assertThat(clock.instant()).isEqualTo(before.plusMillis(200));
  }
}
