package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.MutableClock;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code payloadRetention} (#22) through the router: the lead's content goes after it, the delivery record stays. */
@Timeout(60)
class PayloadRetentionTest {
  @TempDir Path dir;

  @Test
  void deliveredPayload_droppedAfterTheDestinationsRetention_recordKept() throws Exception {
    MutableClock clock = new MutableClock(Instant.parse("2026-12-01T08:00:00Z"));
    Lead lead = SampleLeads.azureMarketplaceInstall();
    DeliveryPolicy crm = DeliveryPolicy.builder().payloadRetention(Duration.ofDays(30)).build();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db"))).clock(clock)
        .retention(Duration.ofDays(90)).addSink("crm", new InMemoryLeadSink(), crm).defaultRoute("crm").build()) {
      router.route(lead).deliveries().get("crm").get(30, TimeUnit.SECONDS);
    }
    clock.advance(Duration.ofDays(29));
    try (LeadRouter router = start(clock, crm)) {
      assertThat(router.journal().lead(lead.id())).as("within the retention").contains(lead);
    }
    clock.advance(Duration.ofDays(2));
    try (LeadRouter router = start(clock, crm)) { // the hourly chore runs at start
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (router.journal().lead(lead.id()).isPresent() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(router.journal().lead(lead.id())).as("the content is dropped").isEmpty();
      assertThat(router.journal().deliveries(lead.id())).singleElement()
          .extracting(DeliveryRecord::state).isEqualTo(DeliveryState.DELIVERED);
    }
  }

  private LeadRouter start(MutableClock clock, DeliveryPolicy crm) {
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db"))).clock(clock)
        .retention(Duration.ofDays(90)).addSink("crm", new InMemoryLeadSink(), crm).defaultRoute("crm").build();
  }
}
