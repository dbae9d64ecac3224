package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.JournalException;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.Settlement;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router called back from the places its own threads run the application's code: a receipt's callbacks, a
 * listener, a sink, a second close() while one is under way. Each test failed (or hung) on the code before its fix.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReentrantCallerTest {
  @TempDir Path dir;

  @Test
  void aReceiptCallbackRoutingALead_whileListenersAreABacklogBehind_neitherHangsTheJournalNorLosesTheLead()
      throws Exception {
    CountDownLatch listenerBlocked = new CountDownLatch(1);
    CountDownLatch releaseListener = new CountDownLatch(1);
    AtomicReference<LeadRouter> self = new AtomicReference<>();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("j.db")))
        .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created("r-" + lead.id()))).defaultRoute("crm")
        .listenerBacklog(1)
        .listener(event -> {
          if (event.type() == LeadEvent.Type.DELIVERED && event.leadId().value().equals("first")) {
            listenerBlocked.countDown();
            try {
              releaseListener.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        }).build()) {
      self.set(router);
      router.route(Lead.builder().id("first").email("a@contoso.com").build());
      assertThat(listenerBlocked.await(30, TimeUnit.SECONDS)).isTrue();
      // the listeners are a backlog behind: these receipts complete untold, and their callbacks route again, as an
      // application chaining a follow-up lead does. Completed on the journal's writer thread, the callback's route()
      // waited for that very thread: the follow-up never returned, and no route() of anyone ever returned again
      List<CompletableFuture<RoutingReceipt>> followUps = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        Lead lead = Lead.builder().id("l-" + i).email("b" + i + "@contoso.com").build();
        Lead followUp = Lead.builder().id("follow-" + i).email("c" + i + "@contoso.com").build();
        followUps.add(router.route(lead).allDelivered().thenApply(results -> self.get().route(followUp)));
      }
      for (CompletableFuture<RoutingReceipt> f : followUps) {
        assertThat(f.get(30, TimeUnit.SECONDS).allDelivered().get(30, TimeUnit.SECONDS)).containsOnlyKeys("crm");
      }
      assertThat(router.route(Lead.builder().id("last").email("d@contoso.com").build()).duplicate()).isFalse();
      releaseListener.countDown(); // before close(), which waits for the events under way
    } finally {
      releaseListener.countDown();
    }
  }

  @Test
  void theJournalCalledOnItsOwnWriterThread_refusesSayingSo_insteadOfWaitingForItselfForever() throws Exception {
    try (LeadJournal journal = SqliteJournal.open(dir.resolve("j.db"))) {
      LeadId id = LeadId.of("w-1");
      journal.accept(Lead.builder().id("w-1").email("a@contoso.com").build(), List.of("crm"), Instant.now());
      int onWriter = 0;
      for (int i = 0; i < 50 && onWriter < 3; i++) {
        // a settlement's future completes on the writer thread: what depends on it runs there, as an application's
        // callback chained to a receipt could
        CompletableFuture<Object> called = new CompletableFuture<>();
        AtomicReference<String> thread = new AtomicReference<>();
        journal.settleAsync(List.of(Settlement.released(Long.MAX_VALUE, Instant.now())), Instant.now())
            .whenComplete((v, e) -> {
              thread.set(Thread.currentThread().getName());
              try {
                called.complete(journal.deliveries(id));
              } catch (RuntimeException refused) {
                called.complete(refused);
              }
            });
        Object answer = called.get(30, TimeUnit.SECONDS);
        if (thread.get().equals("leadrouter-journal-writer")) {
          onWriter++;
          assertThat(answer).isInstanceOfSatisfying(JournalException.class, e -> assertThat(e)
              .hasMessageContaining("on its own writer thread").hasMessageContaining("thenAcceptAsync"));
        }
      }
      assertThat(onWriter).as("callbacks run on the writer thread").isPositive();
      assertThat(journal.deliveries(id)).hasSize(1); // and the journal still answers everyone else
    }
  }

  @Test
  void closeWhileAListenersCloseIsUnderWay_returnsOnceTheJournalIsReleased_soTheFileOpensAgain() throws Exception {
    Path db = dir.resolve("j.db");
    CountDownLatch sinkClosing = new CountDownLatch(1);
    CountDownLatch releaseSinkClose = new CountDownLatch(1);
    LeadSink slowToClose = LambdaSink.of(lead -> DeliveryResult.created("r-" + lead.id()), () -> {
      sinkClosing.countDown();
      try {
        releaseSinkClose.await(30, TimeUnit.SECONDS); // flushing a buffer, say
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    });
    AtomicReference<LeadRouter> self = new AtomicReference<>();
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db)).addSink("crm", slowToClose)
        .defaultRoute("crm")
        .listener(event -> {
          if (event.type() == LeadEvent.Type.DELIVERED) {
            self.get().close(); // returns at once there; the close goes on on a thread of its own
          }
        }).build();
    self.set(router);
    router.route(Lead.builder().id("c-1").email("a@contoso.com").build());
    assertThat(sinkClosing.await(30, TimeUnit.SECONDS)).as("the listener's close reached the sinks").isTrue();
    // the application's own close (try-with-resources, a shutdown hook), then a new router on the same file, as a
    // restart in the same process does. Before, close() returned at once and the file was still held
    AtomicReference<Object> reopened = new AtomicReference<>();
    Thread application = new Thread(() -> {
      router.close();
      try (LeadJournal again = SqliteJournal.open(db)) {
        reopened.set(again.counts());
      } catch (RuntimeException e) {
        reopened.set(e);
      }
    }, "application-close");
    application.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!EnumSet.of(Thread.State.WAITING, Thread.State.TIMED_WAITING, Thread.State.TERMINATED)
        .contains(application.getState()) && System.nanoTime() < end) {
      Thread.onSpinWait();
    }
    releaseSinkClose.countDown();
    application.join(TimeUnit.SECONDS.toMillis(60));
    assertThat(reopened.get()).as("the journal after the application's close() returned")
        .isEqualTo(Map.of("crm", Map.of(DeliveryState.DELIVERED, 1L)));
  }
}
