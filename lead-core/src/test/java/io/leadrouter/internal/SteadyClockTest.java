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

  /**
   * Read by many threads at once while another sets the wall clock back and forth: no thread is ever given a time
   * before one any thread was given earlier (the clock is lock-free: every route() and delivery reads it).
   */
  @Test
  void manyThreadsWhileTheWallClockIsSet_neverGoBackAcrossThreads() throws Exception {
    java.util.concurrent.atomic.AtomicLong offsetMillis = new java.util.concurrent.atomic.AtomicLong();
    java.time.Clock moving = new java.time.Clock() {
      @Override
      public Instant instant() {
        return Instant.now().plusMillis(offsetMillis.get());
      }

      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(java.time.ZoneId zone) {
        throw new UnsupportedOperationException();
      }
    };
    SteadyClock shared = new SteadyClock(moving, System::nanoTime);
    java.util.concurrent.atomic.AtomicReference<Instant> latest = new java.util.concurrent.atomic.AtomicReference<>(
        Instant.MIN);
    java.util.concurrent.atomic.AtomicReference<String> wrong = new java.util.concurrent.atomic.AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.List<Thread> readers = new java.util.ArrayList<>();
    for (int t = 0; t < 8; t++) {
      Thread r = new Thread(() -> {
        for (int i = 0; i < 200_000 && wrong.get() == null; i++) {
          Instant before = latest.get(); // given to some thread before this call began
          Instant now = shared.instant();
          if (now.isBefore(before)) {
            wrong.compareAndSet(null, now + " after " + before + " was given");
          }
          latest.accumulateAndGet(now, (a, b) -> a.isAfter(b) ? a : b);
        }
      });
      readers.add(r);
      r.start();
    }
    long[] steps = {-300, 0, -3_600_000, 0, 200, 0, -800, 0};
    Thread setter = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        offsetMillis.set(steps[i % steps.length]);
        java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
      }
    });
    setter.start();
    for (Thread r : readers) {
      r.join(60_000);
    }
    stop.set(true);
    setter.join(10_000);
    assertThat(wrong.get()).as("a time before one already given").isNull();
  }
}
