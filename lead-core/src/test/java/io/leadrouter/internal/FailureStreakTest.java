package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.JournalException;
import io.leadrouter.spi.TransientDeliveryException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.slf4j.event.EventRecordingLogger;
import org.slf4j.event.Level;
import org.slf4j.event.SubstituteLoggingEvent;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.helpers.SubstituteLogger;

/**
 * A journal that stays down is logged once in full, then reminded once a minute, and its end said once; the loop's
 * retries back off from 1 s to 30 s and start again at 1 s after a recovery.
 */
class FailureStreakTest {
  private final ConcurrentLinkedQueue<SubstituteLoggingEvent> events = new ConcurrentLinkedQueue<>();
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
  private final FailureStreak streak = new FailureStreak(
      new EventRecordingLogger(new SubstituteLogger("test", events, false), events),
      "destination 'crm': reading due deliveries from the journal", "Check the journal's database", nanos::get);

  @Test
  void anHourDown_oneStackTrace_aReminderAMinute_theRecoverySaidOnce() {
    JournalException down = new JournalException("connection refused: db.example:5432");
    List<Duration> waits = new ArrayList<>();
    // an hour of failures, each retried after the wait the streak asked for
    for (long elapsed = 0; elapsed < Duration.ofHours(1).toNanos(); ) {
      Duration wait = streak.failed(down);
      waits.add(wait);
      elapsed += wait.toNanos();
      nanos.addAndGet(wait.toNanos());
    }
    assertThat(waits.subList(0, 7)).extracting(Duration::toSeconds).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L);
    assertThat(waits).hasSizeLessThan(130); // 3,600 one-second retries before

    List<SubstituteLoggingEvent> logged = List.copyOf(events);
    assertThat(logged.get(0).getLevel()).isEqualTo(Level.ERROR);
    assertThat(text(logged.get(0))).contains("reading due deliveries from the journal failed; retrying in 1 s")
        .contains("Check the journal's database").contains("connection refused: db.example:5432");
    assertThat(logged.get(0).getThrowable()).as("the first failure carries its stack trace").isNotNull();
    List<SubstituteLoggingEvent> reminders = logged.subList(1, logged.size());
    assertThat(reminders).as("one reminder a minute for the rest of the hour").hasSizeBetween(55, 60)
        .allSatisfy(e -> {
          assertThat(e.getLevel()).isEqualTo(Level.WARN);
          assertThat(e.getThrowable()).isNull();
          assertThat(text(e)).contains("still fails").contains("connection refused");
        });
    assertThat(text(reminders.get(reminders.size() - 1))).containsPattern("still fails: 1\\d\\d failures in 35\\d\\d s");

    events.clear();
    streak.succeeded();
    streak.succeeded();
    assertThat(events).singleElement().satisfies(e -> {
      assertThat(e.getLevel()).isEqualTo(Level.INFO);
      assertThat(text(e)).contains("works again after " + waits.size() + " failures");
    });

    events.clear();
    assertThat(streak.failed(down)).as("a new streak starts over").isEqualTo(Duration.ofSeconds(1));
    assertThat(events).singleElement().satisfies(e -> assertThat(e.getThrowable()).isNotNull());
  }

  @Test
  void noStreak_succeededLogsNothing() {
    streak.succeeded();
    assertThat(events).isEmpty();
  }

  @Test
  void theFailuresTextIsScrubbed_inTheLineAndTheStackTrace() {
    JournalException echoed = new JournalException(
        "FATAL: password authentication failed, url jdbc:postgresql://db/leads?password=hunter2xyz");
    streak.failed(echoed);
    nanos.addAndGet(Duration.ofMinutes(2).toNanos());
    streak.failed(echoed);
    assertThat(events).hasSize(2).allSatisfy(e -> {
      assertThat(text(e)).doesNotContain("hunter2xyz");
      if (e.getThrowable() != null) {
        assertThat(e.getThrowable().getMessage()).doesNotContain("hunter2xyz");
      }
    });
  }

  /**
   * Two calls in parallel: the later one is answered first and ends the throttling; the earlier one's 429 arrives a
   * moment after. That late answer belongs to the streak said to end, and starts none (it said the throttling and its
   * end once more, for one answer); a throttle of a call sent after the end is a new streak.
   */
  @Test
  void throttledAnswerToACallSentBeforeTheEnd_startsNoNewStreak_oneSentAfterDoes() {
    FailureStreak throttle = FailureStreak.throttle(
        new EventRecordingLogger(new SubstituteLogger("test", events, false), events), "destination 'crm'",
        "If it lasts, lower this destination's rateLimit", nanos::get);
    TransientDeliveryException tooMany = TransientDeliveryException.throttled("429 Too Many Requests",
        Duration.ofMillis(20), null);
    long early = nanos.get();
    throttle.failed(tooMany, early);
    long lateSent = nanos.addAndGet(1_000);
    nanos.addAndGet(1_000);
    throttle.succeeded();
    nanos.addAndGet(1_000);
    throttle.failed(tooMany, lateSent);

    assertThat(events).extracting(FailureStreakTest::text).containsExactly(
        "destination 'crm' is throttling (it asks for fewer calls): the router slows down and retries, and gives no"
            + " lead up for it; the leads wait as pending. If it lasts, lower this destination's rateLimit: 429 Too"
            + " Many Requests",
        "destination 'crm' takes calls again after 1 throttled calls in 0 s");

    events.clear();
    throttle.failed(tooMany, nanos.get());
    assertThat(events).singleElement().satisfies(e -> assertThat(text(e)).contains("is throttling"));
  }

  private static String text(SubstituteLoggingEvent e) {
    return MessageFormatter.basicArrayFormat(e.getMessage(), e.getArgumentArray());
  }
}
