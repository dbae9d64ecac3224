package io.leadrouter.journal.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * One customer at a time across routers: two routers sharing a PostgreSQL journal deliver the leads of 50 customers
 * (6 each, interleaved, each customer's leads routed through both routers) to one destination; the destination
 * never has two of one customer's leads in flight, gets each customer's in acceptance order, and both routers
 * deliver (other customers stay parallel).
 */
@Timeout(120)
class PerCustomerAcrossRoutersTest {
  private static final DeliveryPolicy POLICY = DeliveryPolicy.builder().inFlight(4).build();

  @RegisterExtension
  final SchemaRouters routers = new SchemaRouters(null, Duration.ofSeconds(5));
  private final String schema = routers.schema();
  private final Crm crm = new Crm();

  private LeadRouter start(String name) {
    return routers.start(name, crm.as(name), POLICY);
  }

  private static List<Integer> interleaved(int customers, int each, long seed) {
    List<Integer> order = new ArrayList<>();
    for (int c = 0; c < customers; c++) {
      for (int i = 0; i < each; i++) {
        order.add(c);
      }
    }
    Collections.shuffle(order, new Random(seed));
    return order;
  }

  private static Lead lead(int customer, int round, String router) {
    // the spelling of the address differs between a customer's leads: the key is the normalised e-mail
    String email = (round % 2 == 0 ? "customer" : "Customer") + customer + "@Contoso.example";
    return SampleLeads.azureMarketplaceInstall().toBuilder().id("c" + customer + "-r" + round).email(email)
        .title(round + "/" + router).build();
  }

  @Test
  void twoRouters_sequentialAcceptance_neverOverlapPerCustomer_inAcceptanceOrder() throws Exception {
    List<LeadRouter> both = List.of(start(schema + "-a"), start(schema + "-b"));
    int[] rounds = new int[50];
    int n = 0;
    for (int c : interleaved(50, 6, 11)) {
      both.get(n++ % 2).route(lead(c, rounds[c]++, "x"));
    }
    crm.awaitDelivered(300);
    assertThat(crm.overlaps).as("two leads of one customer in flight together").hasValue(0);
    assertThat(crm.seen).hasSize(50).allSatisfy((customer, seen) ->
        assertThat(seen).as(customer).containsExactly(0, 1, 2, 3, 4, 5));
    assertThat(crm.maxConcurrent.get()).as("other customers still go in parallel").isGreaterThan(1);
    assertThat(crm.byRouter).as("both routers delivered").containsOnlyKeys(schema + "-a", schema + "-b");
  }

  @Test
  void twoRouters_acceptingOneCustomerAtTheSameMoment_neverOverlap() throws Exception {
    List<LeadRouter> both = List.of(start(schema + "-a"), start(schema + "-b"));
    // both routers accept leads of the same customers concurrently: each may see none of the other's uncommitted
    // deliveries, so only the customer lock at accept keeps them apart
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failed = new CopyOnWriteArrayList<>();
    for (int r = 0; r < 2; r++) {
      int router = r;
      Thread t = new Thread(() -> {
        try {
          int[] rounds = new int[20];
          for (int c : interleaved(20, 10, 100 + router)) {
            both.get(router).route(lead(c, 2 * rounds[c]++ + router, "r" + router));
          }
        } catch (Throwable e) {
          failed.add(e);
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join(TimeUnit.SECONDS.toMillis(60));
    }
    assertThat(failed).isEmpty();
    crm.awaitDelivered(400);
    assertThat(crm.overlaps).as("two leads of one customer in flight together").hasValue(0);
    assertThat(crm.seen).hasSize(20).allSatisfy((customer, seen) -> assertThat(seen).hasSize(20));
  }

  /** A destination that counts calls of one customer overlapping, as a CRM creating a duplicate would. */
  private static final class Crm extends TestDestination {
    final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    final Map<String, List<Integer>> seen = new ConcurrentHashMap<>();
    final AtomicInteger overlaps = new AtomicInteger();
    final AtomicInteger concurrent = new AtomicInteger();
    final AtomicInteger maxConcurrent = new AtomicInteger();
    final AtomicInteger delivered = new AtomicInteger();
    final Map<String, AtomicInteger> byRouter = new ConcurrentHashMap<>();

    Crm() {
      super(SinkCapabilities.builder().maxConcurrency(4).orderingKey(SinkCapabilities.OrderingKey.CUSTOMER).build());
    }

    /** This destination as one router's sink. */
    LeadSink as(String router) {
      Crm shared = this;
      return new TestDestination(capabilities()) {
        @Override
        public DeliveryResult deliver(Lead lead) {
          shared.byRouter.computeIfAbsent(router, r -> new AtomicInteger()).incrementAndGet();
          return shared.deliver(lead);
        }
      };
    }

    @Override
    public DeliveryResult deliver(Lead lead) {
      String customer = lead.customer().email().toLowerCase(Locale.ROOT);
      maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
      if (inFlight.computeIfAbsent(customer, c -> new AtomicInteger()).incrementAndGet() > 1) {
        overlaps.incrementAndGet();
      }
      try {
        TimeUnit.MILLISECONDS.sleep(3 + (lead.id().hashCode() & 3)); // a CRM call's duration, uneven
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      seen.computeIfAbsent(customer, c -> new CopyOnWriteArrayList<>())
          .add(Integer.parseInt(lead.customer().title().split("/")[0]));
      inFlight.get(customer).decrementAndGet();
      concurrent.decrementAndGet();
      delivered.incrementAndGet();
      return DeliveryResult.created(lead.id().value());
    }

    void awaitDelivered(int n) throws InterruptedException {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (delivered.get() < n) {
        if (System.nanoTime() > end) {
          throw new AssertionError(delivered.get() + " of " + n + " delivered within 90 s");
        }
        TimeUnit.MILLISECONDS.sleep(20); // polling, not timing
      }
    }
  }
}
