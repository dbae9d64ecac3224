package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ClockJumpsTest {
  private static final Instant T0 = Instant.parse("2026-12-04T01:00:00Z");
  private final HandClock wall = new HandClock(T0);
  private final ClockJumps jumps = ClockJumps.of(wall, wall::nanos);

  @Test
  void aForwardJump_countsTimesBeforeItAsThatMuchLater_andTimesAfterItAsTheyAre() {
    jumps.now();
    wall.pass(Duration.ofMinutes(10));
    jumps.now(); // the router reads its clock often (every half lease at the least): the jump is placed exactly
    wall.set(Duration.ofHours(6));
    Instant now = jumps.now();
    assertThat(now).isEqualTo(T0.plus(Duration.ofHours(6)).plusSeconds(600));
    assertThat(jumps.shift(T0)).as("ten minutes before now in elapsed time").isEqualTo(T0.plus(Duration.ofHours(6)));
    assertThat(jumps.shift(now)).isEqualTo(now);
    assertThat(jumps.before(now, Duration.ofMinutes(5))).as("five minutes ago: before the jump, moved back by it")
        .isEqualTo(T0.plusSeconds(300));
    assertThat(jumps.before(now, Duration.ofMinutes(20))).as("twenty minutes ago")
        .isEqualTo(T0.minusSeconds(600));
    wall.pass(Duration.ofHours(4).minusMinutes(1));
    assertThat(jumps.before(jumps.now(), Duration.ofHours(4))).as("four hours of elapsed time ago: before the jump")
        .isEqualTo(T0.plusSeconds(540));
    wall.pass(Duration.ofMinutes(2));
    Instant later = jumps.now();
    assertThat(jumps.before(later, Duration.ofHours(4))).as("four hours ago: after the jump, as it is")
        .isEqualTo(later.minus(Duration.ofHours(4)));
  }

  @Test
  void slewWithinTheTolerance_andStepsBack_areNoJumps() {
    jumps.now();
    wall.pass(Duration.ofMinutes(1));
    wall.set(Duration.ofMillis(900));
    jumps.now();
    wall.set(Duration.ofHours(-1));
    jumps.now();
    wall.set(Duration.ofHours(1)); // catching up is no jump either
    Instant now = jumps.now();
    assertThat(jumps.shift(T0)).isEqualTo(T0);
    assertThat(jumps.before(now, Duration.ofMinutes(1))).isEqualTo(now.minusSeconds(60));
  }

  @Test
  void ignoring_recordsNone() {
    ClockJumps none = ClockJumps.ignoring(wall);
    none.now();
    wall.set(Duration.ofHours(6));
    Instant now = none.now();
    assertThat(none.shift(T0)).isEqualTo(T0);
    assertThat(none.before(now, Duration.ofHours(4))).isEqualTo(now.minus(Duration.ofHours(4)));
  }
}
