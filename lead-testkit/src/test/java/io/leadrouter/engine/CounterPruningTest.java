package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.SinkCounters;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router's hourly maintenance (run at start too) forgets the sinks' counters whose {@code forgetAfter} has passed
 * (a past day's count, a settled wait) and keeps the others: before, {@code lr_counters} kept a row per day and per
 * lost create for ever.
 */
@Timeout(60)
class CounterPruningTest {
  @TempDir Path dir;

  @Test
  void maintenance_prunesCountersPastTheirForgetAfter_keepsTheOthers() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T08:00:00Z"));
    try (LeadRouter router = start(clock)) {
      SinkCounters counters = router.journal().counters("crm").orElseThrow();
      counters.incrementBelow("sent.2026-12-01", 500, Instant.parse("2026-12-03T00:00:00Z"));
      counters.incrementBelow("sent.2026-12-02", 500, Instant.parse("2026-12-04T00:00:00Z"));
      counters.incrementBelow("kept", 500);
    }
    clock.set(Instant.parse("2026-12-03T08:00:00Z"));
    try (LeadRouter router = start(clock)) {
      SinkCounters counters = router.journal().counters("crm").orElseThrow();
      Await.until("the 1st's count forgotten", Duration.ofSeconds(30), () -> counters.get("sent.2026-12-01") == 0);

      assertThat(counters.get("sent.2026-12-02")).as("its moment has not passed").isEqualTo(1);
      assertThat(counters.get("kept")).as("written without a moment").isEqualTo(1);
    }
  }

  private LeadRouter start(MutableClock clock) {
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db"))).clock(clock)
        .addSink("crm", new InMemoryLeadSink(), DeliveryPolicy.DEFAULTS).defaultRoute("crm").build();
  }
}
