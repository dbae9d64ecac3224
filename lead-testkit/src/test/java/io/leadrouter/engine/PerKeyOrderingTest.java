package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.ManyCustomers;
import io.leadrouter.testkit.OverlapRecorder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One customer at a time per destination: 1,000 leads of 100 customers (10 each, interleaved) at concurrency 8
 * never overlap for one customer, reach the destination in acceptance order per customer, and still run 8 at a
 * time across customers.
 */
@Timeout(120)
class PerKeyOrderingTest {
  @Test
  void interleavedCustomers_neverOverlapPerCustomer_inAcceptanceOrder_parallelAcross() throws Exception {
    run(InMemoryJournal.create(), true); // the journal's claims keep the order
  }

  @Test
  void aJournalThatCannotOrder_theWorkerKeepsCustomersApartInMemory() throws Exception {
    // a journal without orderByCustomer (a third-party one): the worker's KeyGate holds each customer's next lead.
    // Never two at once; the order is not promised (a lead accepted while the hand-off queue was full waits in the
    // journal, and a later one handed over in memory can pass it)
    run(new io.leadrouter.journal.ForwardingLeadJournal(InMemoryJournal.create()) {
      @Override
      public boolean orderByCustomer(String destination) {
        return false;
      }
    }, false);
  }

  private static void run(io.leadrouter.journal.LeadJournal journal, boolean inOrder) throws Exception {
    OverlapRecorder calls = new OverlapRecorder();
    Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
    LeadRouter router = LeadRouter.builder().journal(journal)
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(8)
            .orderingKey(SinkCapabilities.OrderingKey.CUSTOMER).build(), lead -> {
          // the address a CRM merges on: the case differs between a customer's leads (the recorder normalises it)
          String customer = lead.customer().email();
          return calls.during(customer, () -> {
            TestSinks.take(Duration.ofMillis(1 + (lead.id().hashCode() & 3))); // uneven, so order could flip
            seen.computeIfAbsent(customer.toLowerCase(Locale.ROOT), c -> new ArrayList<>())
                .add(Integer.parseInt(lead.customer().title()));
            return DeliveryResult.created(lead.id().value());
          });
        }), DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").build();
    try {
      List<CompletableFuture<DeliveryResult>> all = new ArrayList<>();
      // a seeded random interleaving: a customer's next lead is often among the next few (each customer in order)
      int[] rounds = new int[ManyCustomers.CUSTOMERS];
      for (int c : ManyCustomers.interleaved(ManyCustomers.CUSTOMERS, ManyCustomers.EACH, 42)) {
        all.add(router.route(ManyCustomers.lead(c, rounds[c]++)).deliveries().get("crm"));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
    } finally {
      router.close();
    }
    assertThat(calls.overlaps()).as("two deliveries of one customer in flight together").isZero();
    assertThat(seen).hasSize(100).allSatisfy((customer, rounds) -> {
      if (inOrder) {
        assertThat(rounds).as(customer).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
      } else {
        assertThat(rounds).as(customer).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
      }
    });
    assertThat(calls.maxConcurrent()).as("other customers still go in parallel").isGreaterThan(1);
  }

  @Test
  void aCustomersLeadsHeldInTheGateLongerThanTheirLease_goBackToTheJournal_neverDeliveredTwice() throws Exception {
    // six leads of one customer to a destination taking 600 ms a call, with a 2 s lease: the last ones wait in the
    // gate for longer than their lease. They used to be handed out with a fresh claim time (the half-lease guard
    // never saw their age) and to be claimed again from the journal once their lease ran out while held: delivered
    // twice. Now a held delivery older than half its lease goes back to the journal and is claimed again.
    io.leadrouter.journal.LeadJournal unordered = new io.leadrouter.journal.ForwardingLeadJournal(
        InMemoryJournal.create()) {
      @Override
      public boolean orderByCustomer(String destination) {
        return false;
      }
    };
    Map<String, Integer> deliveries = new ConcurrentHashMap<>();
    OverlapRecorder calls = new OverlapRecorder();
    LeadRouter router = LeadRouter.builder().journal(unordered).lease(Duration.ofSeconds(2))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(2)
            .orderingKey(SinkCapabilities.OrderingKey.CUSTOMER).build(), lead -> calls.during(
                lead.customer().email(), () -> {
                  TestSinks.take(Duration.ofMillis(600));
                  deliveries.merge(lead.id().value(), 1, Integer::sum);
                  return DeliveryResult.created(lead.id().value());
                })), DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").build();
    List<String> ids = new ArrayList<>();
    try {
      List<CompletableFuture<DeliveryResult>> all = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        io.leadrouter.Lead lead = ManyCustomers.lead(7, i);
        ids.add(lead.id().value());
        all.add(router.route(lead).deliveries().get("crm"));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      // a second copy would be claimed when the first one's lease ends: wait out one more lease
      TestSinks.take(Duration.ofMillis(2_500));
    } finally {
      router.close();
    }
    assertThat(calls.overlaps()).as("two deliveries of one customer in flight together").isZero();
    assertThat(deliveries).as("each lead delivered exactly once").containsOnlyKeys(ids)
        .allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
  }
}
