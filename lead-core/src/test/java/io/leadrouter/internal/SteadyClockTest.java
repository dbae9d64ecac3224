package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The embedded router's clock never goes back, whatever the wall clock does; elapsed time is injected. */
class SteadyClockTest {
  private static final Instant T0 = Instant.parse("2026-03-08T07:59:58Z");

  /** A wall clock set by hand, and the elapsed nanoseconds beside it. */
  static final class Wall extends Clock {
    final AtomicReference<Instant> now = new AtomicReference<>(T0);
    final AtomicLong nanos = new AtomicLong(123_456_789L);

    /** Real time passes: both move. */
    void pass(Duration d) {
      now.updateAndGet(t -> t.plus(d));
      nanos.addAndGet(d.toNanos());
    }

    /** The wall clock is set (no time passes). */
    void set(Duration by) {
      now.updateAndGet(t -> t.plus(by));
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now.get();
    }
  }

  private final Wall wall = new Wall();
  private final SteadyClock clock = new SteadyClock(wall, wall.nanos::get);

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
