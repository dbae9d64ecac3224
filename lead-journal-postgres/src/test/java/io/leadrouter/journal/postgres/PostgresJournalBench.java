package io.leadrouter.journal.postgres;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Throughput of 1, 2 and 4 routers on one PostgreSQL journal: 8 client threads route leads spread over the routers,
 * which deliver them to an in-memory destination; timed from the first route to the last delivery. Run manually:
 * {@code mvn -B -pl lead-journal-postgres -am verify -Pslow -Dtest=PostgresJournalBench
 * -Dsurefire.failIfNoSpecifiedTests=false} (figures in target/surefire-reports/*PostgresJournalBench-output.txt).
 */
@Tag("slow")
class PostgresJournalBench {
  private static final int LEADS = 6000;

  @Test
  void throughput_oneTwoFourRouters() throws Exception {
    main(new String[0]);
  }

  /** Prints leads per second routed and delivered for 1, 2 and 4 routers. */
  public static void main(String[] args) throws Exception {
    run(1, 1000); // warm-up
    System.out.println("routers  leads  route/s  delivered/s");
    for (int n : new int[] {1, 2, 4}) {
      run(n, LEADS);
    }
  }

  private static void run(int routers, int leads) throws Exception {
    String schema = PostgresServer.newSchema();
    InMemoryLeadSink crm = new InMemoryLeadSink();
    DeliveryPolicy policy = DeliveryPolicy.DEFAULTS.withMaxConcurrency(8);
    List<LeadRouter> all = new ArrayList<>();
    for (int i = 0; i < routers; i++) {
      all.add(LeadRouter.builder()
          .journal(PostgresJournal.builder(PostgresServer.dataSource("bench-" + i)).schema(schema).build())
          .addSink("crm", crm, policy).defaultRoute("crm").build());
    }
    ExecutorService clients = Executors.newFixedThreadPool(8);
    try {
      long start = System.nanoTime();
      List<Future<?>> routed = new ArrayList<>();
      for (int c = 0; c < 8; c++) {
        int client = c;
        routed.add(clients.submit(() -> {
          for (int i = client; i < leads; i += 8) {
            all.get(i % routers).route(SampleLeads.azureMarketplaceInstall().toBuilder().id(schema + "-" + i)
                .build());
          }
        }));
      }
      for (Future<?> f : routed) {
        f.get();
      }
      long routedAt = System.nanoTime();
      long deadline = routedAt + TimeUnit.MINUTES.toNanos(5);
      while (crm.size() < leads && System.nanoTime() < deadline) {
        TimeUnit.MILLISECONDS.sleep(5);
      }
      long end = System.nanoTime();
      if (leads == LEADS) {
        System.out.printf("%7d  %5d  %7.0f  %11.0f%n", routers, crm.size(), leads / seconds(routedAt - start),
            crm.size() / seconds(end - start));
      }
    } finally {
      clients.shutdownNow();
      all.forEach(r -> r.close(Duration.ofSeconds(5)));
    }
  }

  private static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
