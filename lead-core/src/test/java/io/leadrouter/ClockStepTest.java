package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.internal.HandClock;
import io.leadrouter.internal.SteadyClock;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.TransientDeliveryException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The system clock set back an hour must not make a lead waiting for its retry wait an hour more: neither while the
 * router runs (its clock never goes back) nor across a restart (a due time beyond any wait the policy sets is due).
 * The wall clock and the elapsed time are set by hand; the waits are bounded far below the hour the bug costs.
 */
@Timeout(120)
class ClockStepTest {
  private static final Instant T0 = Instant.parse("2026-11-01T06:59:50Z"); // US DST ends at 07:00Z: a clock set back
  private static final DeliveryPolicy POLICY = DeliveryPolicy.builder()
      .backoff(Duration.ofSeconds(1), Duration.ofSeconds(2)).build();

  @TempDir Path dir;
  private final HandClock wall = new HandClock(T0);
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicInteger failures = new AtomicInteger();
  private final List<LeadEvent> events = new CopyOnWriteArrayList<>();

  private LeadRouter router(Clock clock) {
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))).clock(clock)
        .addSink("crm", LambdaSink.of(lead -> {
          if (calls.incrementAndGet() == 1) {
            throw new TransientDeliveryException("503 Service Unavailable");
          }
          return DeliveryResult.created(lead.id().value());
        }), POLICY)
        .defaultRoute("crm").listener(events::add).build();
  }

  private static Lead lead() {
    return Lead.builder().id(LeadId.random()).email("kim@contoso.com").source("AzureMarketplace-INS|offer").build();
  }

  /** Routes a lead whose first attempt fails, and lets ten minutes of its retries pass on {@code wall}. */
  private void tenMinutesIntoItsRetries(LeadRouter router) throws InterruptedException {
    router.route(lead());
    await(LeadEvent.Type.RETRYING);
    wall.pass(Duration.ofMinutes(10));
  }

  private void await(LeadEvent.Type type) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (events.stream().noneMatch(e -> e.type() == type)) {
      assertThat(System.nanoTime() - deadline).as("waiting for %s; events: %s", type, events).isNegative();
      TimeUnit.MILLISECONDS.sleep(10); // polling, not timing
    }
  }

  @Test
  void wallClockSetBackAnHourWhileRunning_theRetryIsStillDueInSeconds() throws Exception {
    try (LeadRouter router = router(new SteadyClock(wall, wall::nanos))) {
      router.route(lead());
      await(LeadEvent.Type.RETRYING);
      wall.set(Duration.ofHours(-1)); // set back, no time passes
      for (int i = 0; i < 10 && events.stream().noneMatch(e -> e.type() == LeadEvent.Type.DELIVERED); i++) {
        wall.pass(Duration.ofSeconds(1));
        TimeUnit.MILLISECONDS.sleep(300);
      }
      await(LeadEvent.Type.DELIVERED);
      assertThat(calls).hasValue(2);
    }
  }

  @Test
  void wallClockSetBackTwoHoursWhileStopped_theRetryIsDueAtTheNextStart() throws Exception {
    try (LeadRouter router = router(wall)) {
      router.route(lead());
      await(LeadEvent.Type.RETRYING);
    }
    wall.set(Duration.ofHours(-2));
    try (LeadRouter router = router(wall)) {
      await(LeadEvent.Type.DELIVERED);
      assertThat(calls).hasValue(2);
    }
  }
  @Test
  void wallClockSteppedForwardHoursDuringACall_theLeadIsNotClaimedAgainMidCall() throws Exception {
    java.util.concurrent.CountDownLatch inCall = new java.util.concurrent.CountDownLatch(1);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    AtomicInteger sent = new AtomicInteger();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .clock(new SteadyClock(wall, wall::nanos)).lease(Duration.ofSeconds(3))
        .addSink("crm", LambdaSink.of(lead -> {
          sent.incrementAndGet();
          inCall.countDown();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return DeliveryResult.created(lead.id().value());
        }), POLICY)
        .defaultRoute("crm").listener(events::add).build()) {
      Lead lead = lead();
      try {
        router.route(lead);
        assertThat(inCall.await(30, TimeUnit.SECONDS)).isTrue();
        // the wall clock jumps forward an hour, again and again (a VM resumed from suspends, an NTP step), while the
        // call runs: the lead's lease, set by the clock before the jump, looks hours old to the next lease check
        for (int i = 0; i < 15; i++) {
          wall.set(Duration.ofHours(1));
          TimeUnit.MILLISECONDS.sleep(200);
        }
        TimeUnit.SECONDS.sleep(4); // a lease check or two after the last jump: a second claim would call the sink now
        assertThat(sent).as("the lead was claimed again while its first call ran").hasValue(1);
      } finally {
        release.countDown();
      }
      await(LeadEvent.Type.DELIVERED);
      assertThat(router.journal().deliveries(lead.id())).singleElement()
          .satisfies(r -> assertThat(r.state()).isEqualTo(io.leadrouter.journal.DeliveryState.DELIVERED));
    }
    assertThat(sent).hasValue(1);
  }

  /**
   * The clock jumps six hours ahead while a lead waits for a destination that is down: before, the fallback chore
   * counted the jump as age and spilled the lead at once though it had waited minutes (every waiting lead at once);
   * now it spills once four hours have really passed.
   */
  @Test
  void wallClockSteppedForwardHours_fallbackAfterCountsTheTimeThatPassed() throws Exception {
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .clock(new SteadyClock(wall, wall::nanos)).fallbackCheck(Duration.ofMillis(50))
        .addSink("crm", LambdaSink.of(lead -> {
          throw new TransientDeliveryException("503 Service Unavailable");
        }), POLICY.toBuilder().fallback("archive", Duration.ofHours(4)).build())
        .addSink("archive", LambdaSink.of(lead -> DeliveryResult.created(lead.id().value())), POLICY)
        .defaultRoute("crm").listener(events::add).build()) {
      tenMinutesIntoItsRetries(router);
      wall.set(Duration.ofHours(6)); // an NTP step, a VM resumed: no time passed
      for (int i = 0; i < 20; i++) {
        wall.pass(Duration.ofSeconds(1));
        TimeUnit.MILLISECONDS.sleep(50); // the fallback chore runs meanwhile (every 50 ms)
      }
      assertThat(events).as("spilled by the jump, after 10 minutes").noneMatch(
          e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED);
      wall.pass(Duration.ofHours(4)); // now it has waited four hours
      await(LeadEvent.Type.FALLBACK_SPILLED);
      await(LeadEvent.Type.DELIVERED);
    }
  }

  /**
   * The clock jumps three hours ahead while a lead is retried under a two-hour give-up age: before, its next failure
   * dead-lettered it, minutes into its retries; now it is given up once two hours of retries have really passed.
   */
  @Test
  void wallClockSteppedForwardHours_giveUpAfterCountsTheTimeThatPassed() throws Exception {
    try (LeadRouter router = giveUpRouter(new SteadyClock(wall, wall::nanos))) {
      tenMinutesIntoItsRetries(router);
      wall.set(Duration.ofHours(3)); // no time passed
      retriedThreeTimes("retried after the jump");
      assertThat(events).as("given up minutes into its retries").noneMatch(
          e -> e.type() == LeadEvent.Type.DEAD_LETTERED);
      wall.pass(Duration.ofHours(2));
      retriedUntilDeadLettered();
    }
  }

  /** A router whose only destination always fails transiently (counted in {@code failures}), giving up after 2 h. */
  private LeadRouter giveUpRouter(Clock clock) {
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))).clock(clock)
        .addSink("crm", LambdaSink.of(lead -> {
          failures.incrementAndGet();
          throw new TransientDeliveryException("503 Service Unavailable");
        }), POLICY.toBuilder().giveUpAfter(Duration.ofHours(2)).build())
        .defaultRoute("crm").listener(events::add).build();
  }

  /** Passes {@code wall} past the longest backoff until the destination failed three times more. */
  private void retriedThreeTimes(String description) throws InterruptedException {
    int before = failures.get();
    for (int i = 0; i < 100 && failures.get() < before + 3; i++) {
      wall.pass(Duration.ofSeconds(2)); // past the longest backoff: a retry is due
      TimeUnit.MILLISECONDS.sleep(100);
    }
    assertThat(failures.get()).as(description).isGreaterThanOrEqualTo(before + 3);
  }

  /** Passes {@code wall} past the longest backoff until the lead is dead-lettered. */
  private void retriedUntilDeadLettered() throws InterruptedException {
    for (int i = 0; i < 100 && events.stream().noneMatch(e -> e.type() == LeadEvent.Type.DEAD_LETTERED); i++) {
      wall.pass(Duration.ofSeconds(2));
      TimeUnit.MILLISECONDS.sleep(100);
    }
    await(LeadEvent.Type.DEAD_LETTERED);
  }

  private LeadRouter fallbackRouter(Clock clock) {
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .clock(clock).fallbackCheck(Duration.ofMillis(50))
        .addSink("crm", LambdaSink.of(lead -> {
          throw new TransientDeliveryException("503 Service Unavailable");
        }), POLICY.toBuilder().fallback("archive", Duration.ofHours(4)).build())
        .addSink("archive", LambdaSink.of(lead -> DeliveryResult.created(lead.id().value())), POLICY)
        .defaultRoute("crm").listener(events::add).build();
  }

  /** Lets the fallback chore run a few times (every 50 ms) while a few seconds pass on {@code wall}. */
  private void fallbackChecks(HandClock wall) throws InterruptedException {
    for (int i = 0; i < 20; i++) {
      wall.pass(Duration.ofMillis(100));
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  /**
   * The clock set six hours ahead while the router was stopped (a VM restored and its clock synced, an operator):
   * before, the start counted the jump as age, and every lead waiting for a destination spilled to its fallback at
   * once; the time the router was stopped now counts as no age, so it spills after four hours of running.
   */
  @Test
  void clockSetForwardSixHoursWhileStopped_fallbackAfterCountsOnlyTheTimeTheRouterRan() throws Exception {
    try (LeadRouter router = fallbackRouter(wall)) {
      tenMinutesIntoItsRetries(router);
    }
    wall.set(Duration.ofHours(6));
    try (LeadRouter router = fallbackRouter(wall)) {
      fallbackChecks(wall);
      assertThat(events).as("spilled at the start by the time the router was stopped").noneMatch(
          e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED);
    }
    wall.pass(Duration.ofHours(1)); // stopped an hour more: real time, still no age
    try (LeadRouter router = fallbackRouter(wall)) {
      fallbackChecks(wall);
      assertThat(events).noneMatch(e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED);
      wall.pass(Duration.ofHours(4)); // four hours of running
      await(LeadEvent.Type.FALLBACK_SPILLED);
      await(LeadEvent.Type.DELIVERED);
    }
  }

  /**
   * The clock set three hours ahead while the router was stopped, under a two-hour give-up age: before, the first
   * failure after the start dead-lettered the lead (two hours of "retries" that never ran); now it is retried for two
   * hours of running.
   */
  @Test
  void clockSetForwardHoursWhileStopped_giveUpAfterCountsOnlyTheTimeTheRouterRan() throws Exception {
    try (LeadRouter router = giveUpRouter(wall)) {
      tenMinutesIntoItsRetries(router);
    }
    wall.set(Duration.ofHours(3));
    try (LeadRouter router = giveUpRouter(wall)) {
      retriedThreeTimes("retried after the start");
      assertThat(events).as("given up at the start by the time the router was stopped").noneMatch(
          e -> e.type() == LeadEvent.Type.DEAD_LETTERED);
      wall.pass(Duration.ofHours(2));
      retriedUntilDeadLettered();
    }
  }

  /**
   * The application's own clock (given to the builder, telling its elapsed time) set six hours ahead while the router
   * runs: before, a clock given to the builder was taken as it was and the jump spilled the lead at once.
   */
  @Test
  void applicationsClockSetForwardWhileRunning_fallbackAfterCountsTheTimeThatPassed() throws Exception {
    try (LeadRouter router = fallbackRouter(wall)) {
      tenMinutesIntoItsRetries(router);
      wall.set(Duration.ofHours(6));
      fallbackChecks(wall);
      assertThat(events).as("spilled by the jump, after 10 minutes").noneMatch(
          e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED);
      wall.pass(Duration.ofHours(4));
      await(LeadEvent.Type.FALLBACK_SPILLED);
    }
  }

  /**
   * An application's clock that says nothing of elapsed time (the system clock shifted by an offset it sets, as a
   * clock bean wrapping the system's): its jump is measured against System.nanoTime, as the system clock's is.
   */
  @Test
  void applicationsPlainClockSetForwardWhileRunning_isMeasuredAgainstTheSystemsElapsedTime() throws Exception {
    java.util.concurrent.atomic.AtomicReference<Duration> offset = new java.util.concurrent.atomic.AtomicReference<>(
        Duration.ZERO);
    Clock plain = new Clock() {
      @Override
      public java.time.ZoneId getZone() {
        return java.time.ZoneOffset.UTC;
      }

      @Override
      public Clock withZone(java.time.ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.now().plus(offset.get());
      }
    };
    try (LeadRouter router = fallbackRouter(plain)) {
      router.route(lead());
      await(LeadEvent.Type.RETRYING);
      offset.set(Duration.ofHours(6));
      TimeUnit.SECONDS.sleep(1); // the fallback chore runs meanwhile (every 50 ms)
      assertThat(events).as("spilled by the jump, a second after the lead was accepted").noneMatch(
          e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED);
    }
  }
}
