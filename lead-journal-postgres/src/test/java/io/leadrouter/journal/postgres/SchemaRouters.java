package io.leadrouter.journal.postgres;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Routers sharing one PostgreSQL journal in a fresh schema, each with its own connections, every lead to one
 * destination {@code crm}; closed after each test (register with {@code @RegisterExtension}).
 */
final class SchemaRouters implements AfterEachCallback {
  private final String schema = PostgresServer.newSchema();
  private final Duration lease;
  private final Duration closeWithin;
  private final List<LeadRouter> started = new ArrayList<>();

  /**
   * @param lease the routers' lease, or null for the default
   * @param closeWithin how long closing each router may take after the test
   */
  SchemaRouters(Duration lease, Duration closeWithin) {
    this.lease = lease;
    this.closeWithin = closeWithin;
  }

  /** The journal's schema. */
  String schema() {
    return schema;
  }

  /** Starts a router named {@code name} (its connections' application name) delivering to {@code crm}. */
  LeadRouter start(String name, LeadSink crm, DeliveryPolicy policy) {
    LeadRouterBuilder b = LeadRouter.builder()
        .journal(PostgresJournal.builder(PostgresServer.dataSource(name)).schema(schema).build())
        .addSink("crm", crm, policy).defaultRoute("crm");
    if (lease != null) {
      b.lease(lease);
    }
    LeadRouter r = b.build();
    started.add(r);
    return r;
  }

  /** The sample lead with id {@code lead-i}. */
  static Lead lead(int i) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id("lead-" + i).build();
  }

  /**
   * Routes {@code lead} again until the router accepts it (its journal connects again on its next operation after
   * the database came back); fails after {@code timeout}.
   */
  static void routeOnceBack(LeadRouter router, Lead lead, Duration timeout) throws InterruptedException {
    Waits.awaitUntil(() -> {
      try {
        router.route(lead);
        return true;
      } catch (io.leadrouter.LeadRouterException e) {
        return false; // not accepted: the database is not reachable yet
      }
    }, timeout);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    started.forEach(r -> r.close(closeWithin));
    started.clear();
  }
}
