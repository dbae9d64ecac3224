package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.SinkCapabilities;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * The "one customer, one record" run every CRM sink's test makes: {@code customers × each} leads (100 × 10 by
 * default), randomly interleaved with a fixed seed, each with its own {@code LeadId} and the customer's e-mail (its
 * case alternating between a customer's leads, as marketplace surfaces differ), routed through a real
 * {@link LeadRouter} with a real SQLite journal in a given folder to one sink at a given concurrency, then waited for
 * (bounded) until every delivery has settled. Pair it with an {@link OverlapRecorder} in the sink's fake.
 */
public final class ManyCustomers {
  /** Customers in the standard run. */
  public static final int CUSTOMERS = 100;
  /** Leads per customer in the standard run. */
  public static final int EACH = 10;
  /** The destination's name in the router. */
  public static final String DESTINATION = "crm";

  private ManyCustomers() {}

  /**
   * What a run achieved.
   *
   * @param leads leads routed
   * @param outcomes successful deliveries by outcome (created, updated, unchanged, handed off)
   * @param failures why deliveries failed (dead-lettered) or had not settled in time, at most 20 listed
   * @param failed deliveries that failed or had not settled in time
   * @param seconds from the first route to the last settlement (or the time limit)
   */
  public record Result(int leads, Map<DeliveryOutcome, Integer> outcomes, List<String> failures, int failed,
      double seconds) {
    /** Copies the parts. */
    public Result {
      outcomes = Collections.unmodifiableMap(new EnumMap<>(outcomes));
      failures = List.copyOf(failures);
    }

    /** Deliveries that succeeded, whatever their outcome. */
    public int delivered() {
      return outcomes.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Successful deliveries with this outcome. */
    public int count(DeliveryOutcome outcome) {
      return outcomes.getOrDefault(outcome, 0);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d/%d delivered %s in %.1f s, %d failed%s", delivered(), leads, outcomes,
          seconds, failed, failures.isEmpty() ? "" : ": " + failures);
    }
  }

  /**
   * Customer numbers in a seeded random interleaving: each of {@code customers} appears {@code each} times, so a
   * customer's next lead is often among the next few.
   */
  public static List<Integer> interleaved(int customers, int each, long seed) {
    List<Integer> order = new ArrayList<>(customers * each);
    for (int c = 0; c < customers; c++) {
      for (int i = 0; i < each; i++) {
        order.add(c);
      }
    }
    Collections.shuffle(order, new Random(seed));
    return order;
  }

  /** Customer {@code customer}'s e-mail as its {@code round}-th lead spells it (the case alternates). */
  public static String email(int customer, int round) {
    return (round % 2 == 0 ? "customer" : "Customer") + customer + "@Contoso.example";
  }

  /** Customer {@code customer}'s e-mail normalised (stripped, lower case): the key the router and CRMs match on. */
  public static String key(int customer) {
    return email(customer, 0).toLowerCase(Locale.ROOT);
  }

  /**
   * Customer {@code customer}'s {@code round}-th lead: a marketplace install with its own id
   * ({@code c<customer>-r<round>}), the customer's e-mail and the round as its title.
   */
  public static Lead lead(int customer, int round) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of("c" + customer + "-r" + round))
        .email(email(customer, round)).title(Integer.toString(round)).build();
  }

  /**
   * A policy that keeps {@code concurrency} deliveries in flight whenever leads wait: one lead per call and no rate
   * limit (the destination's own limits are not what this run measures).
   */
  public static DeliveryPolicy policy(int concurrency) {
    return DeliveryPolicy.builder().inFlight(concurrency).maxBatchSize(1)
        .rateLimit(1_000_000, Duration.ofSeconds(1)).build();
  }

  /**
   * The standard run: {@link #CUSTOMERS} × {@link #EACH} leads to {@code sink} at {@code concurrency}, with the
   * journal in {@code dir}, waiting at most {@code max}.
   */
  public static Result run(LeadSink sink, int concurrency, Path dir, Duration max) {
    return run(sink, policy(concurrency), dir, CUSTOMERS, EACH, max);
  }

  /**
   * Routes {@code customers × each} interleaved leads to {@code sink} (closed with the router afterwards) and waits at
   * most {@code max} for every delivery to settle.
   *
   * @param sink the sink under test, pointed at its fake
   * @param policy the destination's policy, e.g. {@link #policy(int)}
   * @param dir a folder for the SQLite journal (a JUnit {@code @TempDir})
   * @param customers how many customers
   * @param each leads per customer
   * @param max the longest wait
   */
  public static Result run(LeadSink sink, DeliveryPolicy policy, Path dir, int customers, int each, Duration max) {
    Objects.requireNonNull(sink, "sink");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(max, "max");
    List<CompletableFuture<DeliveryResult>> all = new ArrayList<>(customers * each);
    long start = System.nanoTime();
    try (LeadRouter router = LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leads.db")))
        .addSink(DESTINATION, sink, policy).defaultRoute(DESTINATION).build()) {
      int[] rounds = new int[customers];
      for (int c : interleaved(customers, each, 7)) {
        all.add(router.route(lead(c, rounds[c]++)).deliveries().get(DESTINATION));
      }
      try {
        CompletableFuture.allOf(all.stream().map(f -> f.exceptionally(e -> null)).toArray(CompletableFuture[]::new))
            .get(max.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // counted below: what did not settle shows as failed
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<DeliveryOutcome, Integer> outcomes = new EnumMap<>(DeliveryOutcome.class);
    List<String> failures = new ArrayList<>();
    int failed = 0;
    for (CompletableFuture<DeliveryResult> f : all) {
      if (f.isDone() && !f.isCompletedExceptionally()) {
        outcomes.merge(f.join().outcome(), 1, Integer::sum);
        continue;
      }
      failed++;
      if (failures.size() < 20) {
        failures.add(f.isDone() ? reason(f) : "not settled within " + max);
      }
    }
    return new Result(all.size(), outcomes, failures, failed, seconds);
  }

  /**
   * Asserts what a run of {@link #run(LeadSink, int, Path, Duration)} through a sink ordering per customer must show:
   * every lead delivered, each customer's first lead created and the other nine updated, and, as the fake's
   * {@code customers} recorder saw it, no customer's requests in flight together while different customers' were.
   */
  public static void assertOrderedPerCustomer(Result result, OverlapRecorder customers) {
    assertThat(result.failed()).as(result.toString()).isZero();
    assertThat(result.count(DeliveryOutcome.CREATED)).as(result.toString()).isEqualTo(CUSTOMERS);
    assertThat(result.count(DeliveryOutcome.UPDATED)).as(result.toString()).isEqualTo(CUSTOMERS * (EACH - 1));
    assertThat(customers.overlaps()).as("requests of one customer in flight together: " + customers).isZero();
    assertThat(customers.maxConcurrent()).as("other customers still in parallel: " + customers).isGreaterThan(1);
  }

  /** Asserts that each customer's e-mail finds exactly one record at the destination, as {@code withEmail} asks it. */
  public static void assertOneRecordPerCustomer(Function<String, ? extends Collection<?>> withEmail) {
    for (int c = 0; c < CUSTOMERS; c++) {
      assertThat(withEmail.apply(key(c))).as(key(c)).hasSize(1);
    }
  }

  /**
   * The standard run, asserted, for a sink that orders per customer and matches by e-mail: each request at
   * {@code fake} takes 2 ms (so leads of one customer would overlap if sent together), {@link #CUSTOMERS} ×
   * {@link #EACH} leads go through {@code sink} at concurrency 8 (waiting at most {@code max}), and then
   * {@link #assertOrderedPerCustomer} holds, the fake saw every customer, and it holds exactly one record per
   * customer. Returns the run for the sink's own further checks.
   */
  public static Result assertOneRecordPerCustomer(LeadSink sink, CustomerRecords fake, Path dir, Duration max) {
    fake.processingTime(2);
    Result result = run(sink, 8, dir, max);
    assertOrderedPerCustomer(result, fake.customers());
    assertThat(fake.customers().keys()).as("customers the fake saw").isEqualTo(CUSTOMERS);
    assertThat(fake.recordCount()).as("records at the destination").isEqualTo(CUSTOMERS);
    assertOneRecordPerCustomer(fake::recordsWithEmail);
    return result;
  }

  /**
   * The control of {@link #assertOneRecordPerCustomer(LeadSink, CustomerRecords, Path, Duration)}, asserted: the same
   * sink declaring no per-customer ordering ({@link #withoutOrdering}), 4 customers × 20 leads at concurrency 8, each
   * request taking 20 ms. The fake {@linkplain OverlapRecorder#pairFirstRequests holds each customer's first two
   * requests together} (at most 30 s), so the race does not depend on how a loaded machine schedules the threads: a
   * router sending one customer's leads side by side makes them overlap, and both read the destination before either
   * answers. The fake must see one customer's requests overlap, and the e-mail match race: duplicates, or lookups that
   * find two records and refuse to guess. What the ordering prevents, and proof that the standard run could fail (a
   * router that kept the customer's leads apart fails this control). Returns the run.
   */
  public static Result assertControlRunRaces(LeadSink sink, CustomerRecords fake, Path dir) {
    fake.processingTime(20);
    fake.customers().pairFirstRequests(Duration.ofSeconds(30));
    Result result = run(withoutOrdering(sink), policy(8), dir, 4, 20, Duration.ofSeconds(120));
    assertThat(fake.customers().overlaps()).as("requests of one customer in flight together").isPositive();
    assertThat(fake.recordCount() > 4 || result.failed() > 0).as("duplicates or refused guesses: " + result
        + ", records " + fake.recordCount()).isTrue();
    return result;
  }

  /**
   * The control run's sink: {@code sink} as it is, but declaring no per-customer ordering
   * ({@link SinkCapabilities.OrderingKey#NONE}), so the router sends one customer's leads side by side. Run through
   * it, a fake's {@link OverlapRecorder} must see overlaps: proof that the real run's "no overlap" could have failed.
   */
  public static LeadSink withoutOrdering(LeadSink sink) {
    Objects.requireNonNull(sink, "sink");
    return new ForwardingLeadSink(sink) {
      @Override
      public List<BatchItemResult> deliverBatch(List<Lead> leads) throws DeliveryException {
        return sink.deliverBatch(leads);
      }

      @Override
      public SinkCapabilities capabilities() {
        SinkCapabilities c = sink.capabilities();
        return new SinkCapabilities(c.maxBatchSize(), c.maxConcurrency(), c.rateLimit(), c.upsert(),
            c.confirmsDelivery(), SinkCapabilities.OrderingKey.NONE);
      }

      @Override
      public String toString() {
        return sink + " (without per-customer ordering)";
      }
    };
  }

  private static String reason(CompletableFuture<DeliveryResult> f) {
    try {
      f.join();
      return "?";
    } catch (CompletionException e) {
      return String.valueOf(e.getCause());
    } catch (java.util.concurrent.CancellationException e) {
      return "cancelled";
    }
  }
}
