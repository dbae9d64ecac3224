package io.leadrouter.journal.postgres;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.SampleLeads;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The router {@link FailureDrillTest} SIGKILLs: one instance on the shared PostgreSQL journal delivering to a
 * {@link DatabaseReceiver}, routing from several threads and printing each lead's id only after {@code route()}
 * returned (each printed id is a promise). Prints {@code READY} once running. Arguments: port, schema, threads.
 */
public final class PostgresCrashChild {
  private PostgresCrashChild() {}

  /** Routes until killed. */
  public static void main(String[] args) {
    int port = Integer.parseInt(args[0]);
    String schema = args[1];
    int threads = Integer.parseInt(args[2]);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"localhost"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName("postgres");
    ds.setUser("postgres");
    ds.setApplicationName("crash-child");
    LeadRouter router = LeadRouter.builder()
        .journal(PostgresJournal.builder(ds).schema(schema).build())
        .addSink("crm", new DatabaseReceiver(ds, schema), FailureDrillTest.POLICY).defaultRoute("crm")
        .lease(FailureDrillTest.LEASE).build();
    System.out.println("READY");
    for (int t = 0; t < threads; t++) {
      Thread caller = new Thread(() -> {
        while (true) {
          Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.random()).build();
          router.route(lead);
          System.out.println(lead.id().value()); // System.out flushes each line into the pipe
        }
      }, "caller-" + t);
      caller.start();
    }
  }
}
