package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.RoutingRule;
import io.leadrouter.journal.SqliteJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Target 6: the throughput of a healthy destination alone, then with a dead destination beside it on the same
 * router and journal. The dead one hangs each call for 2 s and then fails as transient, holds a backlog of pending
 * leads (20,000; the healthy-alone round starts with 20,000 delivered ones instead, so both journals are the same
 * size) retried with a short backoff while the healthy one is measured. Throughput = leads routed and delivered to the
 * healthy destination per second (from the first route() to the last settlement). Run: {@code java -cp
 * benchmarks.jar io.leadrouter.bench.Isolation [leads] [rounds]}.
 */
public final class Isolation {
  private static final int BACKLOG = 20_000;
  private Isolation() {}

  /** Runs the scenario, alternating alone and beside-the-dead rounds. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    run(false, n / 5); // warm-up
    run(true, n / 5);
    double alone = 0;
    double withDead = 0;
    for (int i = 0; i < rounds; i++) {
      alone += run(false, n);
      withDead += run(true, n);
    }
    alone /= rounds;
    withDead /= rounds;
    System.out.printf("healthy alone %,.0f leads/s; beside a dead destination %,.0f leads/s; cost %.1f %%%n", alone,
        withDead, 100 * (1 - withDead / alone));
  }

  private static double run(boolean dead, int n) throws Exception {
    Path dir = Files2.tempDir("isolation");
    DeliveryPolicy fastRetry = DeliveryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
        .withBreaker(50, Duration.ofMillis(500));
    BenchSinks.Counting good = BenchSinks.noOp(4, 100);
    LeadRouterBuilder b = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .addSink("good", good, DeliveryPolicy.DEFAULTS).defaultRoute("good");
    if (dead) {
      b.addSink("dead", BenchSinks.down(Duration.ofSeconds(2)), fastRetry)
          .route(RoutingRule.offer("dead", "dead.*", List.of("dead")));
    }
    try (LeadRouter router = b.build()) {
      // both rounds start from a journal of the same size: 20,000 leads the dead destination keeps failing, or
      // 20,000 the healthy one already delivered
      if (dead) {
        Harness.route(router, BACKLOG, 8, () -> Leads.next().toBuilder().source("AzureMarketplace-INS|dead.offer")
            .build());
      } else {
        Harness.route(router, BACKLOG, 8, Leads::next);
        Harness.await("backlog delivered", 300, () -> good.delivered() >= BACKLOG);
      }
      long before = good.delivered();
      long start = System.nanoTime();
      Harness.route(router, n, 16, Leads::next);
      Harness.await("delivery to good", 300, () -> good.delivered() - before >= n);
      long took = System.nanoTime() - start;
      double rate = n / (took / 1e9);
      System.out.printf("%s: %,d leads to good in %.2f s = %,.0f/s%n", dead ? "beside dead" : "alone", n,
          took / 1e9, rate);
      router.close(Duration.ofSeconds(3)); // lets the hanging calls end and settle
      return rate;
    } finally {
      Files2.deleteTree(dir);
    }
  }
}
