package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class DuplicateReceiptTest {
  @Test
  void route_sameLeadWhileFirstStillInFlight_receiptSaysDuplicateAndSharesTheOutcome() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    LeadSink blocking = LambdaSink.of(lead -> {
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return DeliveryResult.created("r-1");
    });
    try (LeadRouter router = LeadRouter.builder().addSink("s", blocking).defaultRoute("s")
        .journal(InMemoryJournal.create()).build()) {
      Lead lead = Lead.builder().id("dup-1").email("a@contoso.com").build();
      RoutingReceipt first = router.route(lead);

      RoutingReceipt second = router.route(lead);

      assertThat(first.duplicate()).isFalse();
      assertThat(second.duplicate()).isTrue();
      release.countDown();
      assertThat(second.allDelivered().get(10, TimeUnit.SECONDS).get("s").recordId()).contains("r-1");
      router.close(Duration.ofSeconds(5));
    }
  }
}
