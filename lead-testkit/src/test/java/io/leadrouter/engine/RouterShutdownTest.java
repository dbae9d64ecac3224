package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stopping a router on a real SQLite file while callers are routing, and interrupting callers blocked in
 * {@code route()}: every call returns or throws in bounded time, and every receipt handed out is for a lead the
 * reopened journal holds.
 */
@Timeout(180)
class RouterShutdownTest {
  private static final int CALLERS = 16;

  @TempDir Path dir;

  /** What the callers saw: leads with a receipt, and the failures (by message). */
  private final ConcurrentLinkedQueue<LeadId> receipted = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<LeadId> refused = new ConcurrentLinkedQueue<>();

  private LeadRouter start(Path db) {
    return LeadRouter.builder().journal(SqliteJournal.open(db)).addSink("crm", new InMemoryLeadSink())
        .defaultRoute("crm").build();
  }

  private List<Thread> callers(LeadRouter router, AtomicBoolean stop, CountDownLatch going) {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < CALLERS; i++) {
      Thread t = new Thread(() -> {
        for (int n = 0; n < 100_000 && !stop.get(); n++) {
          Lead lead = SampleLeads.azureMarketplaceInstall();
          try {
            RoutingReceipt receipt = router.route(lead);
            receipted.add(receipt.leadId());
            going.countDown();
          } catch (RuntimeException e) {
            failures.add(e);
            refused.add(lead.id());
            if (Thread.interrupted()) {
              continue; // interrupted on purpose: go on routing
            }
            if (e instanceof LeadRouterException && e.getMessage().contains("closed")) {
              return;
            }
          }
        }
      }, "caller-" + i);
      t.start();
      threads.add(t);
    }
    return threads;
  }

  private void assertEveryReceiptDurable(Path db) {
    assertThat(receipted).isNotEmpty();
    try (LeadJournal reopened = SqliteJournal.open(db)) {
      List<LeadId> lost = receipted.stream().filter(id -> reopened.lead(id).isEmpty()).toList();
      assertThat(lost).as("leads with a receipt missing from the reopened journal").isEmpty();
      List<LeadId> keptAnyway = refused.stream().filter(id -> reopened.lead(id).isPresent()).toList();
      assertThat(keptAnyway).as("leads whose route() threw 'not accepted' but which the journal holds").isEmpty();
    }
  }

  /** A router on {@code db} with {@link #CALLERS} threads routing into it. */
  private record Routing(LeadRouter router, AtomicBoolean stop, List<Thread> threads) {
    void joinAll(String blocked) throws InterruptedException {
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(t.isAlive()).as(t.getName() + " " + blocked).isFalse();
      }
    }
  }

  private Routing routing(Path db, int receipts) throws InterruptedException {
    LeadRouter router = start(db);
    AtomicBoolean stop = new AtomicBoolean();
    CountDownLatch going = new CountDownLatch(receipts);
    List<Thread> threads = callers(router, stop, going);
    assertThat(going.await(60, TimeUnit.SECONDS)).as("the callers got going").isTrue();
    return new Routing(router, stop, threads);
  }

  @Test
  void close_whileSixteenThreadsRoute_everyCallEnds_andEveryReceiptIsDurable() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    Routing routing = routing(db, 200);
    routing.router().close(Duration.ofSeconds(10));
    routing.joinAll("still blocked in route() 30 s after close()");
    routing.stop().set(true);
    assertThat(failures).allSatisfy(e -> assertThat(e).isInstanceOf(LeadRouterException.class)
        .hasMessageContaining("closed"));
    assertEveryReceiptDurable(db);
  }

  @Test
  void interruptingCallers_losesNoReceiptedLead_andTheRouterGoesOnWorking() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    Routing routing = routing(db, 100);
    LeadRouter router = routing.router();
    for (int round = 0; round < 300; round++) {
      routing.threads().get(round % CALLERS).interrupt();
      Thread.onSpinWait();
      if (round % 16 == 0) {
        Thread.sleep(2); // let some calls get into the journal's queue between interrupts
      }
    }
    routing.stop().set(true);
    routing.joinAll("still blocked in route()");
    // the router still works after its callers were interrupted
    Lead after = SampleLeads.azureMarketplaceInstall();
    assertThat(router.routeAndWait(after, Duration.ofSeconds(30))).containsOnlyKeys("crm");
    receipted.add(after.id());
    // a call that failed on an interrupt said whether its lead was kept; those that were not kept are not in it
    for (Throwable e : failures) {
      assertThat(e.getMessage()).as("a failed route() says nothing was accepted").contains("not accepted");
    }
    router.close(Duration.ofSeconds(10));
    assertEveryReceiptDurable(db);
  }

  @Test
  void close_fromAnInterruptedThread_stillWaitsForTheDeliveryInFlight_andRecordsIt() throws Exception {
    Path db = dir.resolve("leadrouter.db");
    CountDownLatch sending = new CountDownLatch(1);
    AtomicInteger sent = new AtomicInteger();
    // a destination mid-call when the router closes; like a socket write, it does not stop on an interrupt
    LeadSink slow = TestSinks.of(SinkCapabilities.builder().build(), lead -> {
      sent.incrementAndGet();
      sending.countDown();
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
      while (System.nanoTime() < until) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      return DeliveryResult.created("rec-1");
    });
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db)).addSink("crm", slow)
        .defaultRoute("crm").build();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    router.route(lead);
    assertThat(sending.await(30, TimeUnit.SECONDS)).as("the delivery started").isTrue();
    Thread.currentThread().interrupt(); // as a task cancelled, or an executor shut down now, closing its router
    try {
      router.close(Duration.ofSeconds(30));
    } finally {
      assertThat(Thread.interrupted()).as("the caller's interrupt is kept").isTrue();
    }
    try (LeadJournal reopened = SqliteJournal.open(db)) {
      assertThat(reopened.deliveries(lead.id())).singleElement()
          .satisfies(r -> assertThat(r.state()).as("the delivery made during close() is recorded, so it is not"
              + " sent again at the next start").isEqualTo(DeliveryState.DELIVERED));
    }
    assertThat(sent).hasValue(1);
  }
}
