package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryQuery;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.ManyCustomers;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.Optional;
import java.time.Instant;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.testkit.InMemoryLeadSink;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A throttled destination stalls nothing but itself, on a real SQLite journal: not another destination, not
 * {@code route()}, and under one-customer-at-a-time not the other customers; once it takes leads again, everything
 * held is delivered once, in acceptance order per customer. (These held before this audit; here they are proven.)
 */
@Timeout(120)
class ThrottleIsolationTest {
  @TempDir Path dir;

  @Test
  void destinationHeldForAnHour_stallsNeitherRouteNorAnotherDestination() throws Exception {
    List<String> fastGot = new CopyOnWriteArrayList<>();
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("lr.db")))
        .addSink("slow", TestSinks.of(SinkCapabilities.builder().maxConcurrency(4).build(), lead -> {
          throw TransientDeliveryException.throttled("429 Too Many Requests", Duration.ofHours(1), null);
        }), DeliveryPolicy.DEFAULTS)
        .addSink("fast", TestSinks.of(SinkCapabilities.builder().maxConcurrency(2).build(), lead -> {
          fastGot.add(lead.id().value());
          return DeliveryResult.created(lead.id().value());
        }), DeliveryPolicy.DEFAULTS)
        .defaultRoute("slow", "fast").build();
    try {
      List<RoutingReceipt> receipts = new ArrayList<>();
      long start = System.nanoTime();
      for (int i = 0; i < 100; i++) {
        receipts.add(router.route(SampleLeads.azureMarketplaceInstall()));
      }
      Duration routing = Duration.ofNanos(System.nanoTime() - start);
      for (RoutingReceipt r : receipts) {
        r.deliveries().get("fast").get(60, TimeUnit.SECONDS);
      }
      // route() returns once the lead is durable: 100 group-committed writes take well under a second here
      assertThat(routing).as("100 route() calls while 'slow' is held").isLessThan(Duration.ofSeconds(20));
      assertThat(fastGot).hasSize(100);
      assertThat(receipts).noneMatch(r -> r.deliveries().get("slow").isDone());
      assertThat(router.counts().get("slow")).doesNotContainKey(DeliveryState.DEAD);
      assertThat(router.status("slow").breaker()).isEqualTo(io.leadrouter.DestinationStatus.Breaker.CLOSED);
    } finally {
      router.close(Duration.ofSeconds(5));
    }
  }

  @Test
  void oneCustomerThrottled_otherCustomersFlow_inOrder_thenItsLeadsFollowOnceInOrder() throws Exception {
    String throttled = ManyCustomers.key(0);
    AtomicBoolean throttling = new AtomicBoolean(true);
    Map<String, List<Integer>> delivered = new ConcurrentHashMap<>();
    Map<String, Integer> times = new ConcurrentHashMap<>();
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("lr.db")))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(4)
            .orderingKey(SinkCapabilities.OrderingKey.CUSTOMER).build(), lead -> {
          String customer = lead.customer().email().toLowerCase(java.util.Locale.ROOT);
          if (throttling.get() && customer.equals(throttled)) {
            // e.g. a per-record rate limit: no wait named, so the backoff (5 ms to 40 ms) retries it
            throw TransientDeliveryException.throttled("429 Too Many Requests", null, null);
          }
          delivered.computeIfAbsent(customer, c -> new CopyOnWriteArrayList<>())
              .add(Integer.parseInt(lead.customer().title()));
          times.merge(lead.id().value(), 1, Integer::sum);
          return DeliveryResult.created(lead.id().value());
        }), DeliveryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(5), Duration.ofMillis(40)))
        .defaultRoute("crm").build();
    try {
      int customers = 5;
      int each = 6;
      List<RoutingReceipt> all = new ArrayList<>();
      List<RoutingReceipt> others = new ArrayList<>();
      int[] rounds = new int[customers];
      for (int c : ManyCustomers.interleaved(customers, each, 7)) {
        Lead lead = ManyCustomers.lead(c, rounds[c]++);
        RoutingReceipt r = router.route(lead);
        all.add(r);
        if (c != 0) {
          others.add(r);
        }
      }
      for (RoutingReceipt r : others) {
        r.allDelivered().get(60, TimeUnit.SECONDS);
      }
      assertThat(delivered).doesNotContainKey(throttled).hasSize(customers - 1)
          .allSatisfy((c, got) -> assertThat(got).as(c).containsExactly(0, 1, 2, 3, 4, 5));
      assertThat(router.deadLetters(DeliveryQuery.deadLetters())).isEmpty();

      throttling.set(false);
      for (RoutingReceipt r : all) {
        r.allDelivered().get(60, TimeUnit.SECONDS);
      }
      assertThat(delivered.get(throttled)).containsExactly(0, 1, 2, 3, 4, 5);
      assertThat(times).hasSize(customers * each).allSatisfy((id, n) -> assertThat(n).as(id).isEqualTo(1));
    } finally {
      router.close(Duration.ofSeconds(5));
    }
  }
  @Test
  void closeWhileParkedForADay_isPrompt_andEveryLeadWaitsAfterReopen() throws Exception {
    Path db = dir.resolve("lr.db");
    InMemoryLeadSink mkto = new InMemoryLeadSink(SinkCapabilities.builder().maxConcurrency(4).build())
        .quotaSpentUntil(Instant.now().plus(Duration.ofDays(1)));
    LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("mkto", mkto, DeliveryPolicy.DEFAULTS).defaultRoute("mkto").build();
    for (int i = 0; i < 20; i++) {
      router.route(SampleLeads.azureMarketplaceInstall());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (router.status("mkto").parkedUntil().isEmpty() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(router.status("mkto").parkedUntil()).isPresent();
    long start = System.nanoTime();
    router.close(Duration.ofSeconds(30));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("close() while parked").isLessThan(Duration.ofSeconds(5));

    LeadJournal journal = SqliteJournal.open(db);
    try {
      List<DeliveryRecord> all = journal.list(new DeliveryQuery(EnumSet.allOf(DeliveryState.class),
          Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 100));
      assertThat(all).hasSize(20).allSatisfy(d -> assertThat(d.state()).isIn(DeliveryState.PENDING,
          DeliveryState.PARKED));
      assertThat(journal.parkedUntil("mkto", Instant.now())).isPresent();
    } finally {
      journal.close();
    }
    assertThat(mkto.size()).isZero();
  }
}
