package io.leadrouter.proof;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.bench.HttpPostSink;
import io.leadrouter.bench.Leads;
import io.leadrouter.bench.LoopbackReceiver;
import io.leadrouter.bench.LoopbackReceiver.Answer;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.ForwardingLeadSink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ten thousand leads through a destination that fails often and in every way a real one does: 500 and 503 (10 %),
 * 429 with {@code Retry-After}, answers slower than the sink's timeout (the lead was recorded, the sink cannot know:
 * ambiguous), connections closed without an answer, and one spent quota that parks the destination for a second.
 * All are delivered, none is dead-lettered, and the receiver (upserting by LeadId) saw a lead more than once only
 * after an ambiguous timeout.
 */
class FaultTest {
  @TempDir Path dir;

  @Test
  @Timeout(120)
  void tenThousandLeads_throughRandomFailures_allDeliveredNoneTwiceNoneDead() throws Exception {
    faultRun(10_000, Duration.ofSeconds(90));
  }

  /** The soak: ten times as many leads, so slow failures (a stuck worker, a lost wake-up, retries piling up) show. */
  @Test
  @Tag("slow")
  @Timeout(600)
  void soak_hundredThousandLeads_throughRandomFailures_allDeliveredNoneTwiceNoneDead() throws Exception {
    faultRun(100_000, Duration.ofSeconds(540));
  }

  private void faultRun(int leads, Duration limit) throws Exception {
    AtomicInteger served = new AtomicInteger();
    AtomicBoolean quotaGiven = new AtomicBoolean();
    java.util.function.Supplier<Answer> answers = () -> {
      if (served.incrementAndGet() >= 3000 && quotaGiven.compareAndSet(false, true)) {
        return Answer.QUOTA;
      }
      int r = ThreadLocalRandom.current().nextInt(1000);
      return r < 50 ? Answer.ERROR_500 : r < 100 ? Answer.ERROR_503 : r < 130 ? Answer.TOO_MANY_REQUESTS
          : r < 140 ? Answer.SLOW : r < 150 ? Answer.RESET : Answer.OK;
    };
    Map<LeadEvent.Type, AtomicLong> events = new ConcurrentHashMap<>();
    AmbiguousFailures ambiguity = new AmbiguousFailures();
    long start = System.nanoTime();
    DeliveryPolicy policy = DeliveryPolicy.DEFAULTS.withBackoff(Duration.ofMillis(5), Duration.ofMillis(50))
        .withMaxRetryAfter(Duration.ofMillis(20)).withBreaker(50, Duration.ofMillis(100));
    try (LoopbackReceiver receiver = LoopbackReceiver.withAnswers(16, answers, Duration.ofMillis(400));
        LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db")))
            .addSink("crm", ambiguity.wrap(new HttpPostSink(receiver.uri(), 16, Duration.ofMillis(200),
                Clock.systemUTC())), policy)
            .defaultRoute("crm")
            .listener(e -> events.computeIfAbsent(e.type(), t -> new AtomicLong()).incrementAndGet()).build()) {
      List<CompletableFuture<?>> delivered = routeConcurrently(router, leads, limit);

      CompletableFuture.allOf(delivered.toArray(CompletableFuture[]::new)).get(limit.toSeconds(), TimeUnit.SECONDS);

      Map<DeliveryState, Long> counts = new EnumMap<>(router.counts().get("crm"));
      assertThat(counts).containsExactly(Map.entry(DeliveryState.DELIVERED, (long) leads));
      assertThat(receiver.distinctLeads()).isEqualTo(leads);
      // a lead arrived more than once only after ambiguous failures (the call failed without an answer, so the sink
      // could not know whether the receiver had it): never more often than that
      receiver.records().forEach((id, n) -> assertThat(n.get() - 1).as("redeliveries of %s", id)
          .isLessThanOrEqualTo(ambiguity.of(id)));
      assertThat(receiver.redeliveries()).isLessThanOrEqualTo(ambiguity.total());
      assertThat(events).doesNotContainKey(LeadEvent.Type.DEAD_LETTERED);
      assertThat(events.get(LeadEvent.Type.PARKED)).as("parked by the quota answer").isNotNull();
      for (Answer a : Answer.values()) {
        assertThat(receiver.answered(a)).as("answers %s", a).isPositive();
      }
      System.out.printf("fault test: %d leads in %.1f s, %d requests (%s), events %s, %d ambiguous failures,"
          + " %d redeliveries absorbed by the upsert%n", leads, (System.nanoTime() - start) / 1e9,
          receiver.requests(), answerCounts(receiver), events, ambiguity.total(), receiver.redeliveries());
    }
  }

  private static List<CompletableFuture<?>> routeConcurrently(LeadRouter router, int leads, Duration limit)
      throws Exception {
    List<CompletableFuture<?>> delivered = java.util.Collections.synchronizedList(new ArrayList<>());
    AtomicInteger left = new AtomicInteger(leads);
    ExecutorService callers = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        done.add(callers.submit(() -> {
          while (left.getAndDecrement() > 0) {
            RoutingReceipt r = router.route(Leads.next());
            delivered.add(r.allDelivered());
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(limit.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      callers.shutdownNow();
    }
    return delivered;
  }

  private static String answerCounts(LoopbackReceiver receiver) {
    StringBuilder s = new StringBuilder();
    for (Answer a : Answer.values()) {
      s.append(s.length() == 0 ? "" : ", ").append(a).append(' ').append(receiver.answered(a));
    }
    return s.toString();
  }

  /** Counts, per lead, the calls that failed without an answer (I/O failure or timeout): the receiver may have it. */
  private static final class AmbiguousFailures {
    private final Map<String, AtomicInteger> perLead = new ConcurrentHashMap<>();

    int of(String id) {
      AtomicInteger n = perLead.get(id);
      return n == null ? 0 : n.get();
    }

    long total() {
      return perLead.values().stream().mapToLong(AtomicInteger::get).sum();
    }

    LeadSink wrap(LeadSink sink) {
      return new ForwardingLeadSink(sink) {
        @Override
        public DeliveryResult deliver(Lead lead) throws DeliveryException {
          try {
            return super.deliver(lead);
          } catch (TransientDeliveryException e) {
            if (e.getCause() instanceof IOException) {
              perLead.computeIfAbsent(lead.id().value(), k -> new AtomicInteger()).incrementAndGet();
            }
            throw e;
          } catch (RuntimeException e) {
            // OkHttp 5.1.0 can throw ClassCastException closing a timed-out response (square/okhttp#8960)
            perLead.computeIfAbsent(lead.id().value(), k -> new AtomicInteger()).incrementAndGet();
            throw e;
          }
        }
      };
    }
  }
}
