package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.MutableClock;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time a lead waits while its destination throttles does not count toward the lead's give-up age, even after the
 * lead failed once: one 503, five hours of 429s, one more 503 used to dead-letter the lead ("gave up after 2 attempts
 * over PT1H"), a throttle never giving a lead up only as long as no real failure came before it. The clock is moved by
 * hand; nothing sleeps.
 */
@Timeout(120)
class ThrottledGiveUpTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

  private enum Answer { FAIL, THROTTLE }

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final AtomicInteger calls = new AtomicInteger();
  private final AtomicReference<Answer> answer = new AtomicReference<>(Answer.FAIL);
  private final List<LeadEvent> events = new CopyOnWriteArrayList<>();

  private LeadRouter start() {
    DeliveryPolicy policy = DeliveryPolicy.builder().backoff(Duration.ofSeconds(1), Duration.ofSeconds(10))
        .giveUpAfter(Duration.ofHours(1)).build();
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))).clock(clock)
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(1).build(), lead -> {
          calls.incrementAndGet();
          if (answer.get() == Answer.THROTTLE) {
            throw TransientDeliveryException.throttled("429 Too Many Requests", Duration.ofSeconds(1), null);
          }
          throw new TransientDeliveryException("503 Service Unavailable");
        }), policy)
        .defaultRoute("crm").listener(events::add).build();
  }

  /** Moves the clock past the lead's next due time (at most the 10 s backoff ceiling) and waits for its call. */
  private void nextCall(String what) throws InterruptedException {
    int before = calls.get();
    clock.advance(Duration.ofSeconds(11));
    Await.until(what, WAIT, () -> calls.get() > before && settledAfter(before));
  }

  private boolean settledAfter(int callsBefore) {
    return events.stream().filter(e -> e.type() != LeadEvent.Type.ACCEPTED).count() > callsBefore;
  }

  @Test
  void hoursOfThrottlingAfterAFailure_areNotHoursOfFailing_butFailingForTheWholeAgeAfterwardsStillGivesUp() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.random()).build();
    try (LeadRouter router = start()) {
      router.route(lead);
      Await.until("the first attempt failed", WAIT, () -> settledAfter(0));

      answer.set(Answer.THROTTLE);
      nextCall("the first throttle");
      clock.advance(Duration.ofHours(5)); // the destination throttles for five hours
      nextCall("a throttle five hours later");
      answer.set(Answer.FAIL);
      nextCall("a failure after the throttling");

      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.DEAD_LETTERED)
          .as("five hours throttled are not five hours of failing").isEmpty();
      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.RETRYING).last()
          .satisfies(e -> assertThat(e.attempts()).as("failed attempts, throttles not counted").isEqualTo(2));

      // failing for the whole give-up age after the throttling still gives it up
      clock.advance(Duration.ofHours(1));
      nextCall("a failure an hour later");
      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.DEAD_LETTERED).singleElement()
          .satisfies(e -> assertThat(e.diagnosis().orElseThrow().message()).contains("gave up after 3 attempts"));
    }
  }
}
