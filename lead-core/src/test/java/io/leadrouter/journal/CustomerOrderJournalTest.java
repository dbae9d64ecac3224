package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One customer at a time, kept by the SQL journal: claims at accept, claims from the queue, group commits. */
class CustomerOrderJournalTest {
  private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
  private static final Duration LEASE = Duration.ofMinutes(5);

  @TempDir
  Path dir;

  private static Lead lead(String id, String email) {
    return Lead.builder().id(id).createdTime(T0).email(email).source("AzureMarketplace-INS|contoso.offer").build();
  }

  private static AcceptResult accept(LeadJournal j, Lead lead, String... claimFor) {
    return j.accept(lead, List.of("crm", "log"), T0, Optional.empty(), Set.of(claimFor), LEASE);
  }

  @Test
  void aCustomersLaterLeads_waitBehindTheOpenOne_inAcceptanceOrder_othersGoAtOnce() {
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      assertThat(j.orderByCustomer("crm")).isTrue();
      ClaimedDelivery a1 = accept(j, lead("a1", "ann@contoso.example"), "crm", "log").claimed().stream()
          .filter(c -> c.destination().equals("crm")).findFirst().orElseThrow();
      // another spelling of the same address: same customer, so it waits; the unordered destination does not
      assertThat(accept(j, lead("a2", " Ann@Contoso.EXAMPLE"), "crm", "log").claimed())
          .extracting(ClaimedDelivery::destination).containsExactly("log");
      accept(j, lead("a3", "ann@contoso.example"));
      assertThat(accept(j, lead("b1", "bob@contoso.example"), "crm").claimed()).hasSize(1);
      accept(j, lead("anon", "")); // no e-mail: its own LeadId is the key
      assertThat(j.claimDue("crm", T0, 10, LEASE)).extracting(c -> c.lead().id().value())
          .containsExactly("anon");

      j.settle(List.of(Settlement.delivered(a1, DeliveryResult.created("r1"), T0)), T0);
      List<ClaimedDelivery> next = j.claimDue("crm", T0, 10, LEASE);
      assertThat(next).extracting(c -> c.lead().id().value()).containsExactly("a2");

      // a retry keeps its place: a3 waits until a2 is delivered or dead
      j.settle(List.of(Settlement.retry(next.get(0), T0.plusSeconds(60), "busy", Optional.empty())), T0);
      assertThat(j.claimDue("crm", T0.plusSeconds(1), 10, LEASE)).isEmpty();
      ClaimedDelivery retried = j.claimDue("crm", T0.plusSeconds(61), 10, LEASE).get(0);
      assertThat(retried.lead().id().value()).isEqualTo("a2");
      j.settle(List.of(Settlement.delivered(retried, DeliveryResult.updated("r1"), T0)), T0);
      assertThat(j.claimDue("crm", T0.plusSeconds(61), 10, LEASE)).extracting(c -> c.lead().id().value())
          .containsExactly("a3");
      // the unordered destination gives every due delivery at once
      assertThat(j.claimDue("log", T0, 10, LEASE)).extracting(c -> c.lead().id().value())
          .containsExactlyInAnyOrder("a3", "b1", "anon");
    }
  }

  @Test
  void concurrentAcceptsOfOneCustomer_sharingATransaction_claimOnlyTheFirst() throws Exception {
    ExecutorService callers = Executors.newFixedThreadPool(16);
    try (LeadJournal j = SqliteJournal.open(dir.resolve("j.db"))) {
      j.orderByCustomer("crm");
      // 16 callers at once are group-committed: the journal writes several accepts in one transaction
      List<CompletableFuture<AcceptResult>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        Lead lead = lead("l" + i, "customer" + (i % 4) + "@contoso.example");
        results.add(CompletableFuture.supplyAsync(() -> accept(j, lead, "crm"), callers));
      }
      long claimed = 0;
      for (CompletableFuture<AcceptResult> r : results) {
        claimed += r.get(30, TimeUnit.SECONDS).claimed().size();
      }
      assertThat(claimed).as("one per customer in flight").isEqualTo(4);
      assertThat(j.claimDue("crm", T0, 100, LEASE)).as("the others wait behind them").isEmpty();
    } finally {
      callers.shutdownNow();
    }
  }

  @Test
  void sinkCounters_stopAtTheLimit_perDestination_andSurviveAReopen() {
    Path db = dir.resolve("counters.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      io.leadrouter.spi.SinkCounters w2l = j.counters("w2l").orElseThrow();
      assertThat(w2l.incrementBelow("sent.2026-12-02", 2)).isTrue();
      assertThat(w2l.incrementBelow("sent.2026-12-02", 2)).isTrue();
      assertThat(w2l.incrementBelow("sent.2026-12-02", 2)).as("the limit").isFalse();
      w2l.decrement("sent.2026-12-02");
      w2l.decrement("never");
      assertThat(w2l.get("never")).as("never below zero").isZero();
      assertThat(j.counters("other").orElseThrow().get("sent.2026-12-02")).as("per destination").isZero();
    }
    try (LeadJournal j = SqliteJournal.open(db)) {
      assertThat(j.counters("w2l").orElseThrow().get("sent.2026-12-02")).isEqualTo(1);
    }
  }

  /** A moment kept across restarts (Salesforce's settling wait): raised, never lowered, per destination. */
  @Test
  void sinkCounters_raiseTo_keepsTheLatest_neverLowers_andSurvivesAReopen() {
    Path db = dir.resolve("raise.db");
    try (LeadJournal j = SqliteJournal.open(db)) {
      io.leadrouter.spi.SinkCounters sf = j.counters("sf").orElseThrow();
      assertThat(sf.raiseTo("settling.x", 1_700_000_660L)).isEqualTo(1_700_000_660L);
      assertThat(sf.raiseTo("settling.x", 1_700_000_000L)).as("an earlier moment lowers nothing")
          .isEqualTo(1_700_000_660L);
      assertThat(sf.raiseTo("settling.x", 1_700_000_900L)).isEqualTo(1_700_000_900L);
      assertThat(j.counters("other").orElseThrow().get("settling.x")).as("per destination").isZero();
    }
    try (LeadJournal j = SqliteJournal.open(db)) {
      assertThat(j.counters("sf").orElseThrow().get("settling.x")).isEqualTo(1_700_000_900L);
    }
  }
}
