package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A lead delivered and settled before route() returns (a fast sink, a preempted caller) still completes its receipt. */
@Timeout(30)
class ReceiptRaceTest {

  @Test
  void deliveredBeforeRouteReturns_receiptStillCompletes() throws Exception {
    CountDownLatch settled = new CountDownLatch(1);
    LeadJournal real = InMemoryJournal.create();
    // accept() returns only once the worker (polling on its own) has delivered and settled the lead. The journal
    // claims nothing at accept (as when the worker's hand-off queue is full), so the worker finds the lead by polling.
    java.lang.reflect.Method plainAccept = LeadJournal.class.getMethod("accept", io.leadrouter.Lead.class,
        java.util.List.class, java.time.Instant.class);
    LeadJournal slowToReturn = (LeadJournal) Proxy.newProxyInstance(LeadJournal.class.getClassLoader(),
        new Class<?>[] {LeadJournal.class}, (proxy, m, a) -> {
          boolean handOff = m.getName().equals("accept") && a.length > 3;
          java.lang.reflect.Method method = handOff ? plainAccept : m;
          Object[] args = handOff ? java.util.Arrays.copyOf(a, 3) : a;
          try {
            Object result = method.invoke(real, args);
            if (method.getName().startsWith("settle")) {
              settled.countDown();
            } else if (method.getName().equals("accept")) {
              assertThat(settled.await(10, TimeUnit.SECONDS)).as("settled while accept() had not returned").isTrue();
            }
            return result;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    InMemoryLeadSink crm = new InMemoryLeadSink();
    try (LeadRouter router = LeadRouter.builder().journal(slowToReturn).addSink("crm", crm, DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm").build()) {
      RoutingReceipt receipt = router.route(SampleLeads.azureMarketplaceInstall());

      assertThat(receipt.allDelivered().get(5, TimeUnit.SECONDS).get("crm").outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
    }
  }
}
