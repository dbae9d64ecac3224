package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.TransientDeliveryException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The router's public API used as a hostile or careless application does: listeners that throw what no listener
 * should, callers interrupted mid-call, close() racing everything. Each test failed on the code before its fix.
 */
@Timeout(120)
class HostileCallerTest {
  @TempDir Path dir;

  @ParameterizedTest
  @EnumSource(value = LeadEvent.Type.class, names = {"ACCEPTED", "DELIVERED"})
  void aListenerThrowingAnError_neitherFailsRouteNorStallsReceiptsOrLaterEvents(LeadEvent.Type failsOn) {
    AtomicInteger delivered = new AtomicInteger();
    List<LeadEvent.Type> seen = new CopyOnWriteArrayList<>();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> {
          delivered.incrementAndGet();
          return DeliveryResult.created("r-" + lead.id());
        })).defaultRoute("crm")
        // an Error, not an Exception: a listener's assert, a class missing from its jar, its stack overflowing
        .listener(event -> {
          if (event.type() == failsOn) {
            throw new AssertionError("listener bug on " + event.type());
          }
        })
        .listener(event -> seen.add(event.type()))
        .build()) {
      for (int i = 0; i < 5; i++) {
        Lead lead = Lead.builder().id("err-" + i).email("a" + i + "@contoso.com").build();
        // the lead is committed before listeners hear ACCEPTED: route() must return its receipt, and every
        // destination's outcome must still reach the receipt and the next listener
        assertThat(router.routeAndWait(lead, Duration.ofSeconds(20))).containsOnlyKeys("crm");
      }
      assertThat(delivered).hasValue(5);
      assertThat(seen).filteredOn(t -> t == LeadEvent.Type.ACCEPTED).hasSize(5);
      assertThat(seen).filteredOn(t -> t == LeadEvent.Type.DELIVERED).hasSize(5);
    }
  }

  @Test
  void anInterruptedCaller_isToldTheLeadWasNotAccepted_keepsItsInterrupt_andRoutingAgainDeliversItOnce()
      throws Exception {
    AtomicInteger delivered = new AtomicInteger();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> {
          delivered.incrementAndGet();
          return DeliveryResult.created("r-1");
        })).defaultRoute("crm").build()) {
      Lead lead = Lead.builder().id("int-1").email("a@contoso.com").build();
      for (int i = 0; i < 20; i++) {
        // a cancelled task routing: interrupted before its call, as a Future.cancel(true) lands at any moment
        Thread.currentThread().interrupt();
        RoutingReceipt receipt = null;
        LeadRouterException refused = null;
        try {
          receipt = router.route(lead);
        } catch (LeadRouterException e) {
          refused = e;
        }
        assertThat(Thread.interrupted()).as("the caller's interrupt is kept, whatever route() answered").isTrue();
        if (refused != null) {
          assertThat(refused).hasMessageContaining("not accepted");
        } else {
          assertThat(receipt.leadId()).isEqualTo(lead.id());
        }
      }
      RoutingReceipt again = router.route(lead);
      assertThat(again.allDelivered().get(30, TimeUnit.SECONDS)).containsOnlyKeys("crm");
      router.close(Duration.ofSeconds(10));
    }
    assertThat(delivered).as("routed twenty-one times, delivered once").hasValue(1);
  }

  @Test
  void theSameLeadRoutedFromSixteenThreadsAtOnce_isAcceptedOnce_deliveredOnce_andEveryReceiptCompletes()
      throws Exception {
    AtomicInteger delivered = new AtomicInteger();
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> {
          delivered.incrementAndGet();
          return DeliveryResult.created("r-" + lead.id());
        })).defaultRoute("crm").build()) {
      for (int round = 0; round < 20; round++) {
        Lead lead = Lead.builder().id("same-" + round).email("a@contoso.com").build();
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Future<RoutingReceipt>> calls = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          calls.add(pool.submit(() -> {
            start.await(30, TimeUnit.SECONDS);
            return router.route(lead);
          }));
        }
        List<RoutingReceipt> receipts = new ArrayList<>();
        for (Future<RoutingReceipt> f : calls) {
          receipts.add(f.get(30, TimeUnit.SECONDS));
        }
        assertThat(receipts).filteredOn(r -> !r.duplicate()).as("one call accepted it").hasSize(1);
        for (RoutingReceipt r : receipts) {
          assertThat(r.allDelivered().get(30, TimeUnit.SECONDS).get("crm").recordId()).contains("r-same-" + round);
        }
      }
      router.close(Duration.ofSeconds(10));
    } finally {
      pool.shutdownNow();
    }
    assertThat(delivered).hasValue(20);
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT2562047H47M16.854775807S", "PT-1S", "PT0S"})
  void close_withAnyTimeout_closesTheJournal_andAnotherRouterOpensTheFile(String timeout) {
    Path db = dir.resolve("j.db");
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("r-1"))).defaultRoute("crm").build();
    Lead lead = Lead.builder().id("t-1").email("a@contoso.com").build();
    // waits "forever" (Long.MAX_VALUE nanoseconds and more), or not at all: the caller's choice, never a half-close
    assertThat(router.routeAndWait(lead, Duration.ofDays(365_000))).containsOnlyKeys("crm");
    router.close(Duration.parse(timeout).plusDays(timeout.startsWith("PT2") ? 365_000 : 0));
    assertThat(router.isClosed()).isTrue();
    try (LeadRouter again = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-1"))).defaultRoute("crm").build()) {
      assertThat(again.route(lead).duplicate()).as("the lead is kept in the file").isTrue();
    }
  }

  @Test
  void oneJournalInstanceGivenToASecondRouter_isRefusedClearly_theFirstDeliversAlone_andAClosedOneIsRefusedToo() {
    // two routers on one journal instance claim and deliver the same backlog under one lease owner: their fencing
    // cannot tell them apart, so a lead could be delivered twice (as a second SqliteJournal.open in one JVM would)
    AtomicInteger calls = new AtomicInteger();
    LeadJournal journal = SqliteJournal.open(dir.resolve("j.db"));
    LeadRouter first = LeadRouter.builder().journal(journal)
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("r-" + calls.incrementAndGet())))
        .defaultRoute("crm").build();
    try {
      for (int i = 0; i < 2; i++) { // refused every time, and a refusal leaves the first router's journal open
        assertThatThrownBy(() -> LeadRouter.builder().journal(journal)
            .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("other"))).defaultRoute("crm").build())
            .isInstanceOf(JournalException.class)
            .hasMessageContaining("this journal instance is already used by another open LeadRouter")
            .hasMessageContaining("give each router its own journal")
            .hasMessageContaining("or close the first router");
      }
      Lead lead = Lead.builder().id("one-journal").email("a@contoso.com").build();
      assertThat(first.routeAndWait(lead, Duration.ofSeconds(30))).containsOnlyKeys("crm");
      assertThat(calls).hasValue(1);
    } finally {
      first.close();
    }
    // the first router closed its journal with it: the instance cannot serve another router, which is told so
    assertThatThrownBy(() -> LeadRouter.builder().journal(journal)
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("late"))).defaultRoute("crm").build())
        .isInstanceOf(JournalException.class)
        .hasMessageContaining("was closed with the LeadRouter that used it")
        .hasMessageContaining("open the journal again");
    try (LeadRouter again = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("again"))).defaultRoute("crm").build()) {
      assertThat(again.route(Lead.builder().id("one-journal").email("a@contoso.com").build()).duplicate()).isTrue();
    }
  }

  @ParameterizedTest
  @EnumSource(value = LeadEvent.Type.class, names = {"ACCEPTED", "DELIVERED"})
  void aListenerClosingTheRouterFromItsEvent_returnsAtOnce_andTheRouterStillClosesFully(LeadEvent.Type closesOn)
      throws Exception {
    // the listener runs on the route() caller's thread (ACCEPTED) or an event thread (DELIVERED): close() used to
    // wait there for that very thread (the route() in flight, the event being published) for its whole timeout
    AtomicInteger calls = new AtomicInteger();
    CountDownLatch returned = new CountDownLatch(1);
    AtomicReference<LeadRouter> self = new AtomicReference<>();
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("r-" + calls.incrementAndGet())))
        .defaultRoute("crm")
        .listener(event -> {
          if (event.type() == closesOn) {
            self.get().close(Duration.ofMinutes(10));
            returned.countDown();
          }
        }).build();
    self.set(router);
    Lead lead = Lead.builder().id("close-from-listener").email("a@contoso.com").build();
    RoutingReceipt receipt = router.route(lead); // the lead is committed: route() returns its receipt
    assertThat(returned.await(30, TimeUnit.SECONDS)).as("close() called from the listener returned").isTrue();
    assertThat(router.isClosed()).isTrue();
    assertThat(receipt.leadId().value()).isEqualTo("close-from-listener");
    // the close goes on to its end: the journal file is released, and the lead is in it, delivered at most once
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    LeadRouter again = null;
    while (again == null) {
      try {
        again = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
            .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + calls.incrementAndGet())))
            .defaultRoute("crm").build();
      } catch (JournalException stillOpen) {
        assertThat(System.nanoTime()).as("the closing router released the journal").isLessThan(deadline);
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
    try (LeadRouter reopened = again) {
      assertThat(reopened.route(lead).duplicate()).isTrue();
      assertThat(reopened.routeAndWait(lead, Duration.ofSeconds(30))).containsOnlyKeys("crm");
      assertThat(calls).hasValue(1);
    }
  }

  @Test
  void aListenerClosingTheRouterOnAFallbackSpill_stillDrainsTheDeliveriesInFlight() throws Exception {
    // FALLBACK_SPILLED is told on the router's maintenance thread; close() called there shut that thread's executor
    // down (interrupting the caller itself), and the drain of deliveries in flight ended at once: a delivery that
    // finished a moment later was never recorded, and was sent again after the next start
    AtomicInteger slowCalls = new AtomicInteger();
    CountDownLatch slowStarted = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch returned = new CountDownLatch(1);
    AtomicReference<LeadRouter> self = new AtomicReference<>();
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> {
          throw new TransientDeliveryException("503 from the CRM");
        }), DeliveryPolicy.builder().fallback("archive", Duration.ofMillis(100)).build())
        .addSink("archive", LambdaSink.of(lead -> DeliveryResult.created("a")))
        .addSink("slow", LambdaSink.of(lead -> {
          slowCalls.incrementAndGet();
          slowStarted.countDown();
          try {
            if (!release.await(30, TimeUnit.SECONDS)) {
              throw new TransientDeliveryException("never released");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransientDeliveryException("interrupted");
          }
          return DeliveryResult.created("s");
        }))
        .defaultRoute("crm", "slow").fallbackCheck(Duration.ofMillis(50))
        .listener(event -> {
          if (event.type() == LeadEvent.Type.FALLBACK_SPILLED) {
            self.get().close(Duration.ofMinutes(10));
            returned.countDown();
          }
        }).build();
    self.set(router);
    Lead lead = Lead.builder().id("spilled-then-closed").email("a@contoso.com").build();
    router.route(lead);
    assertThat(slowStarted.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(returned.await(30, TimeUnit.SECONDS)).as("close() called on the spill returned").isTrue();
    TimeUnit.MILLISECONDS.sleep(300); // the close is under way, waiting for the slow delivery
    release.countDown(); // it finishes now: the graceful close must record it
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    LeadJournal journal = null;
    while (journal == null) {
      try {
        journal = SqliteJournal.open(dir.resolve("j.db")); // once the close released the file
      } catch (JournalException stillOpen) {
        assertThat(System.nanoTime()).as("the closing router released the journal").isLessThan(deadline);
        TimeUnit.MILLISECONDS.sleep(50);
      }
    }
    try (LeadJournal reopened = journal) {
      assertThat(reopened.deliveries(lead.id()).stream().filter(r -> r.destination().equals("slow")))
          .as("the slow delivery, finished during the close, was recorded: not to be sent again")
          .extracting(r -> r.state()).containsExactly(DeliveryState.DELIVERED);
    }
    assertThat(slowCalls).hasValue(1);
  }

  @Test
  void aListenerBlockedOnADeliveryEvent_neverHoldsUpDeliveries_andHoldsUpAtMostItsBacklogOfEvents() throws Exception {
    // a listener stuck on its first DELIVERED: before, every later outcome queued behind it without bound (memory
    // growing with each delivery) and no later receipt completed until it returned
    AtomicInteger calls = new AtomicInteger();
    AtomicInteger told = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("r-" + calls.incrementAndGet())))
        .defaultRoute("crm").listenerBacklog(10)
        .listener(event -> {
          if (event.type() == LeadEvent.Type.DELIVERED) {
            told.incrementAndGet();
            try {
              release.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }).build()) {
      List<RoutingReceipt> receipts = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        receipts.add(router.route(Lead.builder().id("blocked-" + i).email("a" + i + "@contoso.com").build()));
      }
      // every lead is delivered, and the receipts past the listeners' backlog complete while the listener is stuck
      for (RoutingReceipt r : receipts.subList(20, 60)) {
        r.allDelivered().get(30, TimeUnit.SECONDS);
      }
      assertThat(calls).hasValue(60);
      assertThat(told).as("one event told (the listener is stuck in it)").hasValue(1);
      release.countDown();
      for (RoutingReceipt r : receipts) {
        r.allDelivered().get(30, TimeUnit.SECONDS);
      }
      // caught up: events are told again
      int before = told.get();
      assertThat(before).as("the stuck event and at most the backlog").isBetween(2, 12);
      router.routeAndWait(Lead.builder().id("after").email("b@contoso.com").build(), Duration.ofSeconds(30));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (told.get() == before && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(20);
      }
      assertThat(told).hasValue(before + 1);
      assertThat(calls).hasValue(61);
    } finally {
      release.countDown();
    }
  }

  @Test
  void aCallerCancellingOrTimingOutItsReceipt_changesNoOtherCallersReceiptOfTheLead() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> {
          try {
            release.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return DeliveryResult.created("r-1");
        })).defaultRoute("crm").build()) {
      Lead lead = Lead.builder().id("shared-1").email("a@contoso.com").build();
      RoutingReceipt first = router.route(lead);
      RoutingReceipt second = router.route(lead);
      RoutingReceipt third = router.route(lead);
      // what callers do with their own futures: give up waiting, cancel, time out, complete it themselves
      assertThat(second.allDelivered().orTimeout(1, TimeUnit.MILLISECONDS)).failsWithin(Duration.ofSeconds(10));
      third.deliveries().get("crm").cancel(true);
      first.allDelivered().completeExceptionally(new IllegalStateException("the caller's own"));
      RoutingReceipt fourth = router.route(lead);
      release.countDown();
      assertThat(fourth.allDelivered().get(30, TimeUnit.SECONDS).get("crm").recordId()).contains("r-1");
      assertThat(first.deliveries().get("crm").get(30, TimeUnit.SECONDS).recordId()).contains("r-1");
      assertThat(second.deliveries().get("crm").get(30, TimeUnit.SECONDS).recordId()).contains("r-1");
    }
  }

  @Test
  void callsAfterClose_sayTheRouterIsClosed_andWhatDidNotHappen() {
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("r-1"))).defaultRoute("crm").build();
    router.close();
    // an erasure request refused with "a lead routed in this call was not accepted: route it again" left the
    // operator guessing whether the person was erased
    assertThatThrownBy(() -> router.erase(Person.byEmail("a@contoso.com"))).isInstanceOf(LeadRouterException.class)
        .hasMessageStartingWith("the router is closed: nothing was erased");
    assertThatThrownBy(() -> router.replay(DeliveryQuery.deadLetters())).isInstanceOf(LeadRouterException.class)
        .hasMessageStartingWith("the router is closed: nothing was replayed");
    assertThatThrownBy(() -> router.replayQuarantined(5)).isInstanceOf(LeadRouterException.class)
        .hasMessageStartingWith("the router is closed: nothing was replayed");
    // "leads can no longer be routed through it" left the caller guessing whether this lead was kept, and what to do
    assertThatThrownBy(() -> router.route(Lead.builder().id("late-1").email("a@contoso.com").build()))
        .isInstanceOf(LeadRouterException.class).hasMessageStartingWith("the router is closed")
        .hasMessageContaining("lead late-1 was not accepted: route it again through an open router");
    assertThatThrownBy(() -> router.intake("{}".getBytes(java.nio.charset.StandardCharsets.UTF_8), "webhook 7"))
        .isInstanceOf(LeadRouterException.class).hasMessageStartingWith("the router is closed")
        .hasMessageContaining("the payload from webhook 7 was not kept: route it again through an open router");
    List<ThrowingCallable> reads = List.of(router::counts, () -> router.status("crm"), () -> router.quarantined(5),
        router::quarantineCount, () -> router.erasures(5), () -> router.deadLetters(DeliveryQuery.deadLetters()));
    for (ThrowingCallable read : reads) {
      assertThatThrownBy(read).isInstanceOf(LeadRouterException.class)
          .hasMessageStartingWith("the router is closed: its journal is no longer read through it");
    }
  }

  @Test
  void aLeadErasedBeforeItWasDelivered_failsItsReceiptSayingSo_insteadOfPromisingADelivery() {
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> {
          throw new TransientDeliveryException("the CRM is down");
        })).defaultRoute("crm").build()) {
      Lead lead = Lead.builder().id("gone-1").email("forget.me@contoso.com").build();
      RoutingReceipt receipt = router.route(lead);
      assertThat(router.erase(Person.byEmail("forget.me@contoso.com")).erasedLeads()).contains(lead.id());
      // before: never completed, and routeAndWait said "it will still be delivered" of a lead that no longer exists
      assertThat(receipt.deliveries().get("crm")).failsWithin(Duration.ofSeconds(30))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause().isInstanceOfSatisfying(LeadDeliveryException.class,
              e -> assertThat(e.diagnosis().code()).isEqualTo("LEAD_ERASED"));
    }
  }

  @Test
  void routeAndWaitWithoutATimeout_isRefusedBeforeTheLeadIsAccepted() {
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("r-1"))).defaultRoute("crm").build()) {
      Lead lead = Lead.builder().id("nt-1").email("a@contoso.com").build();
      assertThatThrownBy(() -> router.routeAndWait(lead, null)).isInstanceOf(NullPointerException.class)
          .hasMessage("timeout");
      // before: the lead was accepted first, the caller told only of a NullPointerException
      assertThat(router.route(lead).duplicate()).as("the refused call accepted nothing").isFalse();
    }
  }
}
