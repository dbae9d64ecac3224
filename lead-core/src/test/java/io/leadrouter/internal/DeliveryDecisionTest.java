package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.internal.DeliveryDecision.Decision;
import io.leadrouter.internal.DeliveryDecision.Outcome;
import io.leadrouter.journal.ClaimedDelivery;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.TransientDeliveryException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The delivery rules as a pure function: no threads, no clock, no journal. */
class DeliveryDecisionTest {
  private static final Instant ACCEPTED = Instant.parse("2026-12-01T10:00:00Z");
  private static final Instant NOW = ACCEPTED.plusSeconds(60);
  private static final DeliveryPolicy POLICY = DeliveryPolicy.builder()
      .backoff(Duration.ofSeconds(1), Duration.ofSeconds(60)).giveUpAfter(Duration.ofHours(1)).build();
  private static final Lead LEAD = Lead.builder().id("d-1").email("a@contoso.com").build();

  private static ClaimedDelivery claimed(int attempts, Instant since) {
    return new ClaimedDelivery(42, LEAD, "crm", attempts, since);
  }

  @Test
  void delivered_settlesDelivered_andTellsTheResult() {
    Decision d = DeliveryDecision.decide(claimed(2, ACCEPTED), new Outcome.Delivered(DeliveryResult.created("r-9")),
        POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(d.settlement().deliveryId()).isEqualTo(42);
    assertThat(d.event()).get().satisfies(e -> {
      assertThat(e.type()).isEqualTo(LeadEvent.Type.DELIVERED);
      assertThat(e.destination()).isEqualTo("crm");
      assertThat(e.attempts()).isEqualTo(2);
      assertThat(e.result().flatMap(DeliveryResult::recordId)).contains("r-9");
    });
  }

  @Test
  void handedOff_settlesHandedOff() {
    Decision d = DeliveryDecision.decide(claimed(0, ACCEPTED), new Outcome.Delivered(DeliveryResult.handedOff()),
        POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.HANDED_OFF);
    assertThat(d.event().map(LeadEvent::type)).contains(LeadEvent.Type.HANDED_OFF);
  }

  @Test
  void transientFailure_retriesWithinTheBackoffCeiling_countingTheAttempt() {
    Decision d = DeliveryDecision.decide(claimed(3, ACCEPTED),
        new Outcome.Failed(new TransientDeliveryException("503")), POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(d.settlement().countsAsAttempt()).isTrue();
    // 4th failure: ceiling 1 s x 2^3 = 8 s
    assertThat(d.settlement().dueAt()).isBetween(NOW, NOW.plusSeconds(8));
    assertThat(d.event()).get().satisfies(e -> {
      assertThat(e.type()).isEqualTo(LeadEvent.Type.RETRYING);
      assertThat(e.attempts()).isEqualTo(4);
      assertThat(e.nextAttempt()).contains(d.settlement().dueAt());
    });
  }

  @Test
  void transientFailure_isRepeatable_butSpreadOverDeliveries() {
    Outcome failed = new Outcome.Failed(new TransientDeliveryException("503"));
    Instant first = DeliveryDecision.decide(claimed(6, ACCEPTED), failed, POLICY, NOW).settlement().dueAt();
    Instant again = DeliveryDecision.decide(claimed(6, ACCEPTED), failed, POLICY, NOW).settlement().dueAt();
    long distinct = java.util.stream.LongStream.range(0, 200)
        .mapToObj(id -> DeliveryDecision.decide(new ClaimedDelivery(id, LEAD, "crm", 6, ACCEPTED), failed, POLICY,
            NOW).settlement().dueAt())
        .distinct().count();

    assertThat(again).isEqualTo(first);
    assertThat(distinct).isGreaterThan(150); // 60 s ceiling in ms: 200 deliveries barely collide
  }

  @Test
  void retryAfter_isHonoured_andClampedToThePolicy() {
    DeliveryPolicy clamp = POLICY.toBuilder().maxRetryAfter(Duration.ofSeconds(30)).build();
    Outcome asked = new Outcome.Failed(new TransientDeliveryException("429", Duration.ofMinutes(10), null, null));

    Decision d = DeliveryDecision.decide(claimed(0, ACCEPTED), asked, clamp, NOW);

    assertThat(d.settlement().dueAt()).isEqualTo(NOW.plusSeconds(30));
  }

  @Test
  void retryAfterOfZero_namesNoWait_theBackoffApplies() {
    // Retry-After: 0, or an HTTP-date already past: honoured as such, every retry was due at once (a busy loop)
    Outcome zero = new Outcome.Failed(TransientDeliveryException.throttled("429", Duration.ZERO, null));

    Decision d = DeliveryDecision.decide(claimed(3, ACCEPTED), zero, POLICY, NOW);

    Duration wait = Duration.between(NOW, d.settlement().dueAt());
    assertThat(wait).isEqualTo(Backoff.delay(POLICY, 4, java.util.Optional.empty(), DeliveryDecision.jitter(42, 4)))
        .isPositive();
  }

  @Test
  void throttle_pastTheGiveUpAge_isRetried_neverDeadLettered() {
    Diagnosis slower = new Diagnosis("CRM_THROTTLED", "429 Too Many Requests", "lower the rate");
    Outcome throttled = new Outcome.Failed(TransientDeliveryException.throttled("429", Duration.ofMinutes(5), slower));

    Decision d = DeliveryDecision.decide(claimed(40, NOW.minus(Duration.ofHours(5))), throttled, POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(d.settlement().dueAt()).isEqualTo(NOW.plus(Duration.ofMinutes(5)));
    assertThat(d.event()).get().satisfies(e -> {
      assertThat(e.type()).isEqualTo(LeadEvent.Type.RETRYING);
      assertThat(e.diagnosis()).contains(slower);
    });
  }

  /**
   * A throttle is the destination up and asking for less, not a failed attempt: counted, a destination throttling for
   * hours showed leads with hundreds of attempts (events, inspect) that never failed once. The backoff still steps on.
   */
  @Test
  void throttle_isNotAFailedAttempt_theBackoffStillSteps() {
    Outcome bare = new Outcome.Failed(TransientDeliveryException.throttled("429", null, null));

    Decision d = DeliveryDecision.decide(claimed(3, ACCEPTED), bare, POLICY, NOW);

    assertThat(d.settlement().countsAsAttempt()).isFalse();
    assertThat(d.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(d.settlement().error()).contains("429");
    assertThat(d.event()).get().satisfies(e -> {
      assertThat(e.type()).isEqualTo(LeadEvent.Type.RETRYING);
      assertThat(e.attempts()).as("the attempts that failed, not the throttles").isEqualTo(3);
    });
    assertThat(Duration.between(NOW, d.settlement().dueAt()))
        .isEqualTo(Backoff.delay(POLICY, 4, java.util.Optional.empty(), DeliveryDecision.jitter(42, 4)));
  }

  /**
   * A throttle counts no attempt, so its backoff steps with how long the destination has been throttling: before, a
   * lead throttled again and again (a receiver answering 429 with no usable Retry-After) was retried every
   * {@code initialBackoff}, about ten posts in two seconds where the backoff allows five. The step is the one a lead
   * failing that long reaches (a time, not a count: many calls throttled at once are one moment); an outage's step
   * stays its own attempts.
   */
  @Test
  void throttle_stepsWithHowLongTheDestinationHasThrottled_notOnlyTheLeadsAttempts() {
    Outcome bare = new Outcome.Failed(TransientDeliveryException.throttled("429", null, null));
    ClaimedDelivery never = claimed(0, ACCEPTED);
    // POLICY's initial backoff is 1 s: steps 1, 2, 3, 4 begin at 0, 1, 3, 7 s of throttling
    int[][] stepAt = {{0, 1}, {999, 1}, {1000, 2}, {2999, 2}, {3000, 3}, {7000, 4}, {3_600_000, 12}};
    for (int[] at : stepAt) {
      Duration throttledFor = Duration.ofMillis(at[0]);
      assertThat(DeliveryDecision.throttleStep(POLICY, throttledFor)).as("throttling for %s", throttledFor)
          .isEqualTo(at[1]);
      Decision d = DeliveryDecision.decide(never, bare, POLICY, NOW, Instant.MIN, ClockJumps.NONE, throttledFor);
      assertThat(Duration.between(NOW, d.settlement().dueAt())).as("throttling for %s", throttledFor)
          .isEqualTo(Backoff.delay(POLICY, at[1], java.util.Optional.empty(), DeliveryDecision.jitter(42, at[1])));
      assertThat(d.settlement().countsAsAttempt()).isFalse();
    }
    assertThat(DeliveryDecision.throttleStep(POLICY, Duration.ofDays(365_000_000))).as("no overflow").isBetween(1,
        64);
    // a lead's own failed attempts still count when they are more
    Decision own = DeliveryDecision.decide(claimed(7, ACCEPTED), bare, POLICY, NOW, Instant.MIN, ClockJumps.NONE,
        Duration.ofSeconds(2));
    assertThat(Duration.between(NOW, own.settlement().dueAt()))
        .isEqualTo(Backoff.delay(POLICY, 8, java.util.Optional.empty(), DeliveryDecision.jitter(42, 8)));
    // an outage is no throttle: its step is the lead's attempts, however long the destination has throttled
    Outcome down = new Outcome.Failed(new TransientDeliveryException("503"));
    Decision outage = DeliveryDecision.decide(never, down, POLICY, NOW, Instant.MIN, ClockJumps.NONE,
        Duration.ofHours(1));
    assertThat(Duration.between(NOW, outage.settlement().dueAt()))
        .isEqualTo(Backoff.delay(POLICY, 1, java.util.Optional.empty(), DeliveryDecision.jitter(42, 1)));
  }

  /**
   * A deferral is one lead waiting for its own earlier write (Salesforce's settling create): nothing was sent, so no
   * attempt is counted, and it never gives the lead up, however old its first failure.
   */
  @Test
  void deferred_isNotAFailedAttempt_waitsAsAsked_neverGivesUp() {
    Diagnosis settling = new Diagnosis("CRM_SETTLING", "a create may still run", "none needed");
    Outcome deferred = new Outcome.Failed(TransientDeliveryException.deferred("waits", Duration.ofSeconds(40),
        settling));

    Decision d = DeliveryDecision.decide(claimed(2, NOW.minus(Duration.ofHours(5))), deferred, POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(d.settlement().countsAsAttempt()).isFalse();
    assertThat(d.settlement().dueAt()).isEqualTo(NOW.plusSeconds(40));
    assertThat(d.settlement().diagnosis()).contains(settling);
    assertThat(d.event()).get().satisfies(e -> {
      assertThat(e.type()).isEqualTo(LeadEvent.Type.RETRYING);
      assertThat(e.attempts()).isEqualTo(2);
    });
  }

  @Test
  void throttle_withoutADiagnosis_saysThrottled() {
    Outcome bare = new Outcome.Failed(TransientDeliveryException.throttled("Salesforce answered HTTP 429", null, null));
    Outcome outage = new Outcome.Failed(new TransientDeliveryException("503"));

    Decision throttled = DeliveryDecision.decide(claimed(0, ACCEPTED), bare, POLICY, NOW);
    Decision down = DeliveryDecision.decide(claimed(0, ACCEPTED), outage, POLICY, NOW);

    assertThat(throttled.settlement().diagnosis()).get().satisfies(d -> {
      assertThat(d.code()).isEqualTo(DeliveryDecision.THROTTLED);
      assertThat(d.message()).isEqualTo("Salesforce answered HTTP 429");
      assertThat(d.remediation()).contains("asks for fewer calls", "never gives the lead up");
    });
    assertThat(throttled.event().flatMap(LeadEvent::diagnosis)).isEqualTo(throttled.settlement().diagnosis());
    assertThat(down.settlement().diagnosis()).isEmpty();
  }

  @Test
  void aPolicyOfPracticallyNever_doesNotOverflow() {
    DeliveryPolicy never = POLICY.toBuilder().giveUpAfter(Duration.ofSeconds(Long.MAX_VALUE))
        .backoff(Duration.ofSeconds(1), Duration.ofSeconds(Long.MAX_VALUE))
        .maxRetryAfter(Duration.ofSeconds(Long.MAX_VALUE)).build();

    Decision delivered = DeliveryDecision.decide(claimed(0, ACCEPTED),
        new Outcome.Delivered(DeliveryResult.created("r-1")), never, NOW);
    Decision retried = DeliveryDecision.decide(claimed(70, ACCEPTED),
        new Outcome.Failed(new TransientDeliveryException("503")), never, NOW);
    Decision held = DeliveryDecision.decide(claimed(0, ACCEPTED), new Outcome.Failed(
        TransientDeliveryException.throttled("429", Duration.ofSeconds(Long.MAX_VALUE), null)), never, NOW);

    assertThat(delivered.settlement().state()).isEqualTo(DeliveryState.DELIVERED);
    assertThat(retried.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(retried.settlement().dueAt()).isAfter(NOW).isBeforeOrEqualTo(DeliveryDecision.NEVER);
    assertThat(held.settlement().dueAt()).isEqualTo(DeliveryDecision.NEVER);
  }

  @Test
  void transientFailure_pastTheGiveUpAge_deadLettersWithTheCauseAndItsFix() {
    Diagnosis cause = new Diagnosis("CRM_DOWN", "the CRM answered 503", "check the CRM's status page");
    Outcome failed = new Outcome.Failed(new TransientDeliveryException("503", null, cause, null));

    Decision d = DeliveryDecision.decide(claimed(9, NOW.minus(Duration.ofHours(1))), failed, POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.DEAD);
    assertThat(d.event()).get().satisfies(e -> {
      assertThat(e.type()).isEqualTo(LeadEvent.Type.DEAD_LETTERED);
      assertThat(e.attempts()).isEqualTo(10);
      assertThat(e.diagnosis().orElseThrow().code()).isEqualTo("CRM_DOWN");
      assertThat(e.diagnosis().orElseThrow().message()).contains("gave up after 10 attempts", "503");
      assertThat(e.diagnosis().orElseThrow().remediation()).isEqualTo("check the CRM's status page");
    });
  }

  @Test
  void transientFailure_whoseNextRetryFallsPastTheGiveUpAge_isRetriedThen_deadLetteredOnlyAfterTheAge() {
    // the destination in maintenance asks for 15 minutes; the lead's give-up age is 10: before, the lead was
    // dead-lettered at its first failure, "gave up after 1 attempts over PT10M", never retried once
    DeliveryPolicy tenMinutes = POLICY.toBuilder().giveUpAfter(Duration.ofMinutes(10)).build();
    Outcome maintenance = new Outcome.Failed(new TransientDeliveryException("503 Service Unavailable",
        Duration.ofMinutes(15), null, null));

    Decision first = DeliveryDecision.decide(claimed(0, ACCEPTED), maintenance, tenMinutes, NOW);
    Decision nearTheAge = DeliveryDecision.decide(claimed(4, NOW), new Outcome.Failed(
        new TransientDeliveryException("503")), tenMinutes, NOW.plus(Duration.ofMinutes(10)).minusSeconds(1));
    Decision atTheAge = DeliveryDecision.decide(claimed(1, NOW), maintenance, tenMinutes,
        NOW.plus(Duration.ofMinutes(10)));

    assertThat(first.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(first.settlement().dueAt()).as("the wait asked for, honoured")
        .isEqualTo(NOW.plus(Duration.ofMinutes(15)));
    assertThat(first.event().map(LeadEvent::type)).contains(LeadEvent.Type.RETRYING);
    assertThat(nearTheAge.settlement().state()).as("a second before the age: retried once more")
        .isEqualTo(DeliveryState.PENDING);
    assertThat(atTheAge.settlement().state()).isEqualTo(DeliveryState.DEAD);
    assertThat(atTheAge.event().flatMap(LeadEvent::diagnosis).orElseThrow().message())
        .contains("gave up after 2 attempts over PT10M");
  }

  @Test
  void permanentFailure_deadLettersAtOnce() {
    Diagnosis bad = new Diagnosis("HTTPS_REJECTED", "400: email is invalid", "fix the mapping");

    Decision d = DeliveryDecision.decide(claimed(0, ACCEPTED), new Outcome.Failed(
        new PermanentDeliveryException(bad)), POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.DEAD);
    assertThat(d.settlement().diagnosis()).contains(bad);
    assertThat(d.event().flatMap(LeadEvent::diagnosis)).contains(bad);
  }

  @Test
  void quota_parksUntilItResets_withoutCountingAnAttempt() {
    Instant reset = NOW.plus(Duration.ofHours(3));
    Diagnosis spent = new Diagnosis("QUOTA", "daily API quota spent", "wait or raise the quota");

    Decision d = DeliveryDecision.decide(claimed(1, ACCEPTED), new Outcome.Failed(
        new QuotaExceededException(spent, reset)), POLICY, NOW);

    assertThat(d.settlement().state()).isEqualTo(DeliveryState.PARKED);
    assertThat(d.settlement().dueAt()).isEqualTo(reset);
    assertThat(d.settlement().countsAsAttempt()).isFalse();
    assertThat(d.event().map(LeadEvent::type)).contains(LeadEvent.Type.PARKED);
    assertThat(d.event().flatMap(LeadEvent::nextAttempt)).contains(reset);
  }

  @Test
  void breakerOpen_releasesWithoutAnEvent_untilTheGiveUpAge() {
    Decision young = DeliveryDecision.decide(claimed(2, ACCEPTED), new Outcome.BreakerOpen(), POLICY, NOW);
    Decision old = DeliveryDecision.decide(claimed(2, NOW.minus(Duration.ofHours(2))), new Outcome.BreakerOpen(),
        POLICY, NOW);

    assertThat(young.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(young.settlement().countsAsAttempt()).isFalse();
    assertThat(young.settlement().dueAt()).isAfter(NOW);
    assertThat(young.event()).isEmpty();
    assertThat(old.settlement().state()).isEqualTo(DeliveryState.DEAD);
    assertThat(old.event().flatMap(LeadEvent::diagnosis).orElseThrow().code()).isEqualTo("DELIVERY_GAVE_UP");
  }

  /**
   * A lead that failed once and then waited while its destination throttled is not dead-lettered at its next failure
   * for the throttled hours: a throttle never gives a lead up, yet its time counted toward the age from that first
   * failure (one 503, five hours of 429s, one 503: dead-lettered). Failing for the whole age outside the throttled
   * time still gives it up.
   */
  @Test
  void timeTheDestinationThrottled_doesNotCountTowardTheGiveUpAge_butFailingOutsideItDoes() {
    Outcome failed = new Outcome.Failed(new TransientDeliveryException("503"));
    Instant firstFailure = NOW.minus(Duration.ofHours(5)); // the give-up age is one hour
    ThrottleSpans throttles = new ThrottleSpans();
    throttles.throttled(firstFailure.plus(Duration.ofMinutes(2)), 100);
    throttles.answered(NOW.minus(Duration.ofMinutes(1)), 200); // the destination's next real answer

    Decision afterThrottling = DeliveryDecision.decide(claimed(1, firstFailure), failed, POLICY, NOW, Instant.MIN,
        ClockJumps.NONE, Duration.ZERO, throttles);
    Decision withoutTheSpans = DeliveryDecision.decide(claimed(1, firstFailure), failed, POLICY, NOW, Instant.MIN,
        ClockJumps.NONE, Duration.ZERO, ThrottleSpans.NONE);
    Decision failingLongAfter = DeliveryDecision.decide(claimed(4, firstFailure), failed, POLICY,
        NOW.plus(Duration.ofHours(1)), Instant.MIN, ClockJumps.NONE, Duration.ZERO, throttles);
    Decision breaker = DeliveryDecision.decide(claimed(1, firstFailure), new Outcome.BreakerOpen(), POLICY, NOW,
        Instant.MIN, ClockJumps.NONE, Duration.ZERO, throttles);

    assertThat(afterThrottling.settlement().state()).as("2 + 1 minutes failing, not 5 hours")
        .isEqualTo(DeliveryState.PENDING);
    assertThat(afterThrottling.event().map(LeadEvent::type)).contains(LeadEvent.Type.RETRYING);
    assertThat(breaker.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(withoutTheSpans.settlement().state()).as("the same lead, throttling not known")
        .isEqualTo(DeliveryState.DEAD);
    assertThat(failingLongAfter.settlement().state()).as("an hour of failing after the throttling ended")
        .isEqualTo(DeliveryState.DEAD);
  }

  @Test
  void timeParkedByAQuota_doesNotCountTowardTheGiveUpAge_butFailingAfterItDoes() {
    Outcome failed = new Outcome.Failed(new TransientDeliveryException("503"));
    Instant accepted = NOW.minus(Duration.ofDays(3)); // three days old, the give-up age is one hour
    Instant parkEnded = NOW.minus(Duration.ofMinutes(10));

    Decision parked = DeliveryDecision.decide(claimed(0, accepted), failed, POLICY, NOW, parkEnded);
    Decision failingSince = DeliveryDecision.decide(claimed(5, accepted), failed, POLICY,
        parkEnded.plus(Duration.ofHours(1)).plusSeconds(1), parkEnded);
    Decision breaker = DeliveryDecision.decide(claimed(0, accepted), new Outcome.BreakerOpen(), POLICY, NOW,
        parkEnded);
    Decision neverParked = DeliveryDecision.decide(claimed(2, accepted), failed, POLICY, NOW);

    assertThat(parked.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(breaker.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(failingSince.settlement().state()).isEqualTo(DeliveryState.DEAD);
    assertThat(neverParked.settlement().state()).isEqualTo(DeliveryState.DEAD);
  }

  @Test
  void aLeadFirstAttemptedPastTheGiveUpAge_isRetried_theAgeCountingFromItsFirstFailedAttempt() {
    // accepted three days ago (the give-up age is one hour), never attempted: the destination was throttled, or the
    // router was down. Before: dead-lettered at its first transient failure, without a single retry
    Outcome failed = new Outcome.Failed(new TransientDeliveryException("503 Service Unavailable"));
    Instant accepted = NOW.minus(Duration.ofDays(3));

    Decision first = DeliveryDecision.decide(claimed(0, accepted), failed, POLICY, NOW);
    Decision breaker = DeliveryDecision.decide(claimed(0, accepted), new Outcome.BreakerOpen(), POLICY, NOW);

    assertThat(first.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(first.settlement().countsAsAttempt()).isTrue();
    assertThat(first.event().map(LeadEvent::type)).contains(LeadEvent.Type.RETRYING);
    assertThat(breaker.settlement().state()).as("never dead-lettered without one attempt")
        .isEqualTo(DeliveryState.PENDING);
    // the journal then keeps the first failure's time as retrySince: retried for the whole give-up age from it
    Instant firstFailure = NOW;
    Decision within = DeliveryDecision.decide(claimed(6, firstFailure), failed, POLICY,
        firstFailure.plus(Duration.ofMinutes(50)));
    Decision past = DeliveryDecision.decide(claimed(9, firstFailure), failed, POLICY,
        firstFailure.plus(Duration.ofHours(1)).plusSeconds(1));
    assertThat(within.settlement().state()).isEqualTo(DeliveryState.PENDING);
    assertThat(past.settlement().state()).isEqualTo(DeliveryState.DEAD);
    assertThat(past.event().flatMap(LeadEvent::diagnosis).orElseThrow().message())
        .contains("gave up after 10 attempts over PT1H");
  }

  @Test
  void practicallyNever_isCappedBothWays_neverOverflowed() {
    Duration never = Duration.ofSeconds(Long.MAX_VALUE);

    assertThat(DeliveryDecision.later(NOW, never)).isEqualTo(DeliveryDecision.NEVER);
    assertThat(DeliveryDecision.earlier(NOW, never)).isEqualTo(Instant.EPOCH);
    assertThat(DeliveryDecision.earlier(NOW, Duration.ofDays(7))).isEqualTo(NOW.minus(Duration.ofDays(7)));
  }

  @Test
  void between_isDurationBetween_forEveryOrderAndNanoBorrow_evenBeyondTheNanosecondRange() {
    Instant[] at = {Instant.EPOCH, NOW, NOW.plusNanos(999_999_999), NOW.minusNanos(1), DeliveryDecision.NEVER,
        Instant.MIN, Instant.MAX, Instant.parse("1969-12-31T23:59:59.5Z")};

    for (Instant a : at) {
      for (Instant b : at) {
        assertThat(DeliveryDecision.between(a, b)).as("%s -> %s", a, b).isEqualTo(Duration.between(a, b));
      }
    }
  }
}
