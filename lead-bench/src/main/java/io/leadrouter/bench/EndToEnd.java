package io.leadrouter.bench;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Target 5: leads per second reaching a loopback HTTP receiver (the JDK's HttpServer) through the router (durable
 * route() into the SQLite journal, then a worker POSTing with OkHttp at concurrency {@code c}) against a raw loop of
 * {@code c} threads POSTing the same requests with OkHttp. The receiver answers at once, or after {@code latencyMs}
 * (a CRM takes 100 ms or more). Run: {@code java -cp benchmarks.jar io.leadrouter.bench.EndToEnd [leads]
 * [concurrency] [rounds] [latencyMs]}.
 */
public final class EndToEnd {
  private EndToEnd() {}

  /** Runs both, alternating, and prints the ratio. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
    int c = args.length > 1 ? Integer.parseInt(args[1]) : 8;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Duration latency = Duration.ofMillis(args.length > 3 ? Long.parseLong(args[3]) : 0);
    try (LoopbackReceiver receiver = latency.isZero() ? LoopbackReceiver.healthy(c)
        : LoopbackReceiver.withAnswers(c, () -> LoopbackReceiver.Answer.SLOW, latency)) {
      raw(receiver, n / 5, c); // warm-up
      routed(receiver, n / 5, c);
      double raw = 0;
      double routed = 0;
      double drained = 0;
      for (int i = 0; i < rounds; i++) {
        raw += raw(receiver, n, c);
        routed += routed(receiver, n, c);
        drained += drained(receiver, n, c);
      }
      raw /= rounds;
      routed /= rounds;
      drained /= rounds;
      System.out.printf("receiver latency %d ms, concurrency %d: raw OkHttp %,.0f leads/s; through the router"
          + " %,.0f leads/s (ratio %.2f); delivering an accepted backlog %,.0f leads/s (ratio %.2f)%n",
          latency.toMillis(), c, raw, routed, routed / raw, drained, drained / raw);
    }
  }

  private static double raw(LoopbackReceiver receiver, int n, int c) throws Exception {
    int before = receiver.distinctLeads();
    long took = Harness.rawPosts(receiver, n, c);
    check(receiver, before, n);
    return report("raw OkHttp", n, took);
  }

  private static double routed(LoopbackReceiver receiver, int n, int c) throws Exception {
    Path dir = Files2.tempDir("end-to-end");
    HttpPostSink sink = new HttpPostSink(receiver.uri(), c, Duration.ofSeconds(30), Clock.systemUTC());
    int before = receiver.distinctLeads();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
        .addSink("crm", sink, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()) {
      long start = System.nanoTime();
      Harness.route(router, n, 16, Leads::next);
      return received("through the router", receiver, before, n, start);
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /** Delivery alone: the leads are already in the journal when the router starts. */
  private static double drained(LoopbackReceiver receiver, int n, int c) throws Exception {
    Path dir = Files2.tempDir("end-to-end");
    Path db = dir.resolve("leadrouter.db");
    try (LeadJournal journal = SqliteJournal.open(db)) {
      for (int i = 0; i < n; i += 1000) {
        for (int k = 0; k < 1000; k++) {
          journal.accept(Leads.next(), List.of("crm"), Instant.now());
        }
      }
    }
    HttpPostSink sink = new HttpPostSink(receiver.uri(), c, Duration.ofSeconds(30), Clock.systemUTC());
    int before = receiver.distinctLeads();
    long start = System.nanoTime();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(db))
        .addSink("crm", sink, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()) {
      return received("delivering a backlog", receiver, before, n, start);
    } finally {
      Files2.deleteTree(dir);
    }
  }

  /** Waits until the receiver has the {@code n} leads, checks it has no more, prints and returns leads/s. */
  private static double received(String what, LoopbackReceiver receiver, int before, int n, long start)
      throws InterruptedException {
    Harness.await("delivery", 300, () -> receiver.distinctLeads() - before >= n);
    long took = System.nanoTime() - start;
    check(receiver, before, n);
    return report(what, n, took);
  }

  private static double report(String what, int n, long took) {
    System.out.printf("%s: %,d leads in %.2f s = %s%n", what, n, took / 1e9, Harness.rate(n, took));
    return n / (took / 1e9);
  }

  private static void check(LoopbackReceiver receiver, int before, int n) {
    if (receiver.distinctLeads() - before != n) {
      throw new IllegalStateException("receiver got " + (receiver.distinctLeads() - before) + " leads, not " + n);
    }
  }
}
