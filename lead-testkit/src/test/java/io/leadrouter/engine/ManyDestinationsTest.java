package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A descriptor with 10,000 destinations costs a bounded number of threads (#18: routing one lead used to start
 * 20,021 threads, 2.2 GB): an idle destination costs no thread, and even a lead routed to all of them is delivered
 * by the shared, capped delivery threads. Threads are counted with the JVM's own peak counter, reset just before.
 */
@Timeout(300)
class ManyDestinationsTest {
  private static final int DESTINATIONS = 10_000;
  /**
   * The cap on one router's shared delivery threads, as the root README documents it ("A huge descriptor costs
   * bounded threads"): core's internal {@code WorkerThreads.MAX_DELIVERY_THREADS}, which this module does not see.
   */
  private static final int DOCUMENTED_DELIVERY_THREADS = 256;
  /** Turns, deliveries (capped), events, timer, plus the router's own (journal writer, maintenance) and slack. */
  private static final int BOUND = DOCUMENTED_DELIVERY_THREADS + 8 + 2 + 1 + 20;

  @TempDir
  Path dir;

  @Test
  void oneLeadToOneOf10000Destinations_startsOnlyAFewThreads() throws Exception {
    List<InMemoryLeadSink> sinks = new ArrayList<>();
    LeadRouterBuilder b = builder(sinks).defaultRoute("d0");
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int before = mx.getThreadCount();
    mx.resetPeakThreadCount();
    try (LeadRouter router = b.build()) {
      RoutingReceipt receipt = router.route(SampleLeads.azureMarketplaceInstall());
      receipt.allDelivered().get(60, TimeUnit.SECONDS);
      int peak = mx.getPeakThreadCount() - before;
      assertThat(sinks.get(0).size()).isEqualTo(1);
      // idle destinations cost no thread: only the shared pools' first threads and the router's own
      assertThat(peak).as("threads started for one lead to one of 10,000 destinations").isLessThan(30);
    }
  }

  @Test
  void oneLeadToAll10000Destinations_isDeliveredEverywhereByBoundedThreads() throws Exception {
    List<InMemoryLeadSink> sinks = new ArrayList<>();
    LeadRouterBuilder b = builder(sinks);
    b.defaultRoute(names().toArray(String[]::new));
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    int before = mx.getThreadCount();
    mx.resetPeakThreadCount();
    try (LeadRouter router = b.build()) {
      Lead lead = SampleLeads.azureMarketplaceInstall();
      RoutingReceipt receipt = router.route(lead);
      receipt.allDelivered().get(240, TimeUnit.SECONDS);
      int peak = mx.getPeakThreadCount() - before;
      assertThat(sinks).allSatisfy(s -> assertThat(s.size()).isEqualTo(1));
      assertThat(router.journal().deliveries(lead.id())).hasSize(DESTINATIONS)
          .allSatisfy(d -> assertThat(d.state()).isEqualTo(DeliveryState.DELIVERED));
      assertThat(peak).as("threads started for one lead to 10,000 destinations").isLessThan(BOUND);
    }
  }

  @Test
  void close_with10000Destinations_keepsItsOneDeadline() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    LeadRouterBuilder b = LeadRouter.builder().journalPath(dir.resolve("leadrouter.db"));
    // 300 destinations that hang, among 10,000: closing used to wait for each in turn
    for (int i = 0; i < DESTINATIONS; i++) {
      b.addSink("d" + i, i % 33 == 0
          ? TestSinks.of(io.leadrouter.spi.SinkCapabilities.builder().maxConcurrency(1).build(), lead -> {
            TestSinks.hang(release, Duration.ofSeconds(120));
            return io.leadrouter.spi.DeliveryResult.created(null);
          })
          : new InMemoryLeadSink(), DeliveryPolicy.DEFAULTS);
    }
    b.defaultRoute(names().toArray(String[]::new));
    LeadRouter router = b.build();
    try {
      router.route(SampleLeads.azureMarketplaceInstall());
      long started = System.nanoTime();
      router.close(Duration.ofSeconds(3));
      double took = (System.nanoTime() - started) / 1e9;
      assertThat(took).as("close(3 s) with 304 hanging destinations took %.1f s", took).isLessThan(20);
    } finally {
      release.countDown();
    }
  }

  private LeadRouterBuilder builder(List<InMemoryLeadSink> sinks) {
    LeadRouterBuilder b = LeadRouter.builder().journalPath(dir.resolve("leadrouter.db"));
    for (int i = 0; i < DESTINATIONS; i++) {
      InMemoryLeadSink sink = new InMemoryLeadSink();
      sinks.add(sink);
      b.addSink("d" + i, sink, DeliveryPolicy.DEFAULTS);
    }
    return b;
  }

  private static List<String> names() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < DESTINATIONS; i++) {
      names.add("d" + i);
    }
    return names;
  }
}
