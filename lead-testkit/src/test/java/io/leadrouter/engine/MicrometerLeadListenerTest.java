package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.metrics.MicrometerLeadListener;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MicrometerLeadListenerTest {
  @Test
  void events_areCountedByTypeAndDestination_andDeliveriesExposedAsGauges() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerLeadListener metrics = new MicrometerLeadListener(registry);
    InMemoryLeadSink dead = new InMemoryLeadSink().failPermanently(new Diagnosis("X_REJECTED", "no", "fix it"));
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).listener(metrics)
        .addSink("crm", new InMemoryLeadSink(), DeliveryPolicy.DEFAULTS)
        .addSink("broken", dead, DeliveryPolicy.DEFAULTS)
        .defaultRoute("crm", "broken").build()) {
      metrics.bindGauges(router);
      for (int i = 0; i < 3; i++) {
        router.route(SampleLeads.azureMarketplaceInstall()).deliveries().get("crm").orTimeout(20,
            java.util.concurrent.TimeUnit.SECONDS).join();
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      // events follow the journal write: wait for the third dead-letter event itself
      while (registry.find("leadrouter.events").tag("leadrouter.event.type", "dead_lettered").counters().stream()
          .mapToDouble(c -> c.count()).sum() < 3 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      assertThat(registry.get("leadrouter.events").tag("leadrouter.event.type", "accepted").tag("leadrouter.destination", "all").counter()
          .count()).isEqualTo(3.0);
      assertThat(registry.get("leadrouter.events").tag("leadrouter.event.type", "delivered").tag("leadrouter.destination", "crm").counter()
          .count()).isEqualTo(3.0);
      assertThat(registry.get("leadrouter.events").tag("leadrouter.event.type", "dead_lettered").tag("leadrouter.destination", "broken")
          .counter().count()).isEqualTo(3.0);
      assertThat(registry.get("leadrouter.deliveries").tag("leadrouter.destination", "broken").tag("leadrouter.delivery.state", "dead").gauge()
          .value()).isEqualTo(3.0);
    }
  }

  @Test
  void quarantinedPayloads_areAGauge() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerLeadListener metrics = new MicrometerLeadListener(registry);
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).listener(metrics)
        .addSink("crm", new InMemoryLeadSink(), DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()) {
      router.intake("{\"UserDetails\":{\"Email\":\"a@b.com\",\"email\":\"c@d.com\"}}".getBytes(
          java.nio.charset.StandardCharsets.UTF_8), "test");
      router.intake("{\"UserDetails\":{\"FirstName\":{\"first\":\"John\"}}}".getBytes(
          java.nio.charset.StandardCharsets.UTF_8), "test");
      metrics.bindGauges(router); // read on first scrape, after the two payloads were kept
      assertThat(registry.get(MicrometerLeadListener.QUARANTINED).gauge().value()).isEqualTo(2.0);
      assertThat(registry.get(MicrometerLeadListener.QUARANTINED).gauge().getId().getBaseUnit())
          .isEqualTo("{payload}");
    }
  }
}
