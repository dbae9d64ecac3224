package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.QuotaExceededException;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Time a lead waits while its destination is parked (its daily quota spent) does not count toward the lead's give-up
 * age: a lead parked for days by Marketo's daily quota used to be dead-lettered at its first transient failure after
 * the park (its age counted from acceptance). The clock is moved by hand; nothing sleeps.
 */
@Timeout(120)
class ParkedGiveUpTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");
  private static final Instant RESUME = T0.plus(Duration.ofDays(5));

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final AtomicInteger calls = new AtomicInteger();
  private final List<LeadEvent> events = new CopyOnWriteArrayList<>();

  private LeadRouter start() {
    DeliveryPolicy policy = DeliveryPolicy.builder().backoff(Duration.ofSeconds(1), Duration.ofSeconds(10))
        .giveUpAfter(Duration.ofHours(72)).build();
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))).clock(clock)
        .addSink("marketo", TestSinks.of(SinkCapabilities.builder().maxConcurrency(1).build(), lead -> {
          if (calls.incrementAndGet() == 1) {
            throw new QuotaExceededException(new Diagnosis("MARKETO_DAILY_QUOTA", "1007: daily quota reached",
                "wait for the quota to reset"), RESUME);
          }
          throw new TransientDeliveryException("503 Service Unavailable");
        }), policy)
        .defaultRoute("marketo").listener(events::add).build();
  }

  private static Lead lead() {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.random()).build();
  }

  private static DeliveryState state(LeadRouter router, Lead lead) {
    return router.journal().list(new DeliveryQuery(java.util.EnumSet.allOf(DeliveryState.class),
        java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(), java.util.Optional.empty(), 100)).stream().filter(r -> r.leadId().equals(lead.id()))
        .findFirst().orElseThrow().state();
  }

  @Test
  void parkedForDays_firstFailureAfterThePark_isRetried_notDeadLettered_andTheAgeStillEndsIt() throws Exception {
    Lead first = lead();
    Lead second = lead();
    try (LeadRouter router = start()) {
      router.route(first);
      Await.until("the first lead parked by the quota", WAIT, () -> state(router, first) == DeliveryState.PARKED);
      clock.advance(Duration.ofHours(1));
      router.route(second); // accepted during the park: waits in the journal, never attempted
      clock.set(RESUME.plusSeconds(1)); // five days later the quota is back
      Await.until("both leads attempted after the park", WAIT, () -> events.stream()
          .filter(e -> e.type() != LeadEvent.Type.PARKED && e.type() != LeadEvent.Type.ACCEPTED)
          .map(LeadEvent::leadId).distinct().count() == 2);

      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.DEAD_LETTERED)
          .as("five days parked by a quota are not five days of failing").isEmpty();
      assertThat(events).filteredOn(e -> e.type() == LeadEvent.Type.RETRYING).extracting(LeadEvent::leadId)
          .contains(first.id(), second.id());

      // failing for the whole give-up age after the park still gives them up
      clock.advance(Duration.ofHours(72).plusMinutes(1));
      Await.until("both leads given up 72 h after the park", WAIT, () -> state(router, first) == DeliveryState.DEAD
          && state(router, second) == DeliveryState.DEAD);
    }
  }
}
