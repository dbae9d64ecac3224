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
import java.util.List;
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

  /**
   * Two routers in one registry, each with a destination named crm (one per tenant): each router's listener tags its
   * meters with the router's name, so tenant A's dead letters are not counted as tenant B's (one listener on both
   * counted them as one crm), and each router's gauges read its own journal.
   */
  @Test
  void twoRouters_eachCountAndGaugeTheirOwnLeads_taggedWithTheRoutersName() throws InterruptedException {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerLeadListener metrics = new MicrometerLeadListener(registry);
    InMemoryLeadSink refusing = new InMemoryLeadSink().failPermanently(new Diagnosis("X_REJECTED", "no", "fix it"));
    try (LeadRouter a = LeadRouter.builder().journal(InMemoryJournal.create()).listener(metrics.forRouter("tenantA"))
            .addSink("crm", refusing, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build();
        LeadRouter b = LeadRouter.builder().journal(InMemoryJournal.create()).listener(metrics.forRouter("tenantB"))
            .addSink("crm", new InMemoryLeadSink(), DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()) {
      assertThat(metrics.forRouter("tenantA")).isSameAs(metrics.forRouter("tenantA"));
      metrics.forRouter("tenantA").bindGauges(a);
      metrics.forRouter("tenantB").bindGauges(b);
      a.route(SampleLeads.azureMarketplaceInstall());
      b.routeAndWait(SampleLeads.testDrive(), Duration.ofSeconds(30));
      b.routeAndWait(SampleLeads.azureMarketplaceInstall(), Duration.ofSeconds(30));
      io.leadrouter.testkit.Await.until("3 outcomes counted", Duration.ofSeconds(30),
          () -> events(registry, "delivered") + events(registry, "dead_lettered") == 3);
      assertThat(count(registry, "tenantA", "dead_lettered")).isEqualTo(1.0);
      assertThat(count(registry, "tenantA", "delivered")).isZero();
      assertThat(count(registry, "tenantB", "delivered")).isEqualTo(2.0);
      assertThat(count(registry, "tenantB", "dead_lettered")).isZero();
      assertThat(registry.get(MicrometerLeadListener.DELIVERIES).tag(MicrometerLeadListener.ROUTER, "tenantA")
          .tag(MicrometerLeadListener.DELIVERY_STATE, "dead").gauge().value()).isEqualTo(1.0);
      assertThat(registry.get(MicrometerLeadListener.DELIVERIES).tag(MicrometerLeadListener.ROUTER, "tenantB")
          .tag(MicrometerLeadListener.DELIVERY_STATE, "delivered").gauge().value()).isEqualTo(2.0);
      assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getTag(MicrometerLeadListener.ROUTER))
          .as(m.getId().toString()).isIn("tenantA", "tenantB"));
    }
    assertThat(metrics.routerName()).isEqualTo(MicrometerLeadListener.DEFAULT_ROUTER);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> metrics.forRouter(" "))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static double count(SimpleMeterRegistry registry, String router, String type) {
    return registry.find(MicrometerLeadListener.EVENTS).tag(MicrometerLeadListener.ROUTER, router)
        .tag(MicrometerLeadListener.EVENT_TYPE, type).tag(MicrometerLeadListener.DESTINATION, "crm").counters()
        .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  private static double events(SimpleMeterRegistry registry, String type) {
    return registry.find(MicrometerLeadListener.EVENTS).tag(MicrometerLeadListener.EVENT_TYPE, type).counters()
        .stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
  }

  private static double deliveries(SimpleMeterRegistry registry, String destination, String state) {
    return registry.get(MicrometerLeadListener.DELIVERIES).tag(MicrometerLeadListener.DESTINATION, destination)
        .tag(MicrometerLeadListener.DELIVERY_STATE, state).gauge().value();
  }

  /**
   * Hostile senders: every lead with its own id (an e-mail address), dead-lettered with its own Diagnosis code and
   * message. The series stay the fixed set of event types x destinations; no tag holds a lead's id, e-mail or code.
   */
  @Test
  void unboundedIdsAndDiagnoses_neverBecomeSeries() throws InterruptedException {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerLeadListener metrics = new MicrometerLeadListener(registry);
    java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).listener(metrics)
        .addSink("crm", TestSinks.of(io.leadrouter.spi.SinkCapabilities.builder().build(), lead -> {
          int i = n.incrementAndGet();
          throw new io.leadrouter.spi.PermanentDeliveryException(new Diagnosis("CRM_REFUSED_" + i,
              "refused " + lead.customer().email() + " reason " + i, "fix lead " + i));
        }), DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()) {
      metrics.bindGauges(router);
      for (int i = 0; i < 200; i++) {
        router.route(SampleLeads.azureMarketplaceInstall().toBuilder().id("person" + i + "@contoso.com")
            .email("person" + i + "@contoso.com").build());
      }
      io.leadrouter.testkit.Await.until("200 dead letters counted", Duration.ofSeconds(60),
          () -> events(registry, "dead_lettered") == 200);
    }
    List<io.micrometer.core.instrument.Meter.Id> ids = registry.getMeters().stream().map(m -> m.getId()).toList();
    assertThat(ids).as("accepted + dead_lettered counters, 6 delivery states, the quarantine").hasSize(2 + 6 + 1);
    assertThat(ids).flatExtracting(io.micrometer.core.instrument.Meter.Id::getTags)
        .extracting(io.micrometer.core.instrument.Tag::getValue)
        .allMatch(v -> v.equals("all") || v.equals("crm") || v.matches("[a-z_]+"), "a fixed word");
  }

  /** A resent lead (the marketplace retries its webhook) is one lead: counted as accepted once, delivered once. */
  @Test
  void aLeadRoutedTwice_isCountedOnce() throws InterruptedException {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerLeadListener metrics = new MicrometerLeadListener(registry);
    InMemoryLeadSink crm = new InMemoryLeadSink();
    try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).listener(metrics)
        .addSink("crm", crm, DeliveryPolicy.DEFAULTS).defaultRoute("crm").build()) {
      io.leadrouter.Lead lead = SampleLeads.azureMarketplaceInstall();
      router.routeAndWait(lead, Duration.ofSeconds(30));
      assertThat(router.route(lead).duplicate()).isTrue();
      router.routeAndWait(SampleLeads.testDrive(), Duration.ofSeconds(30));
      io.leadrouter.testkit.Await.until("2 deliveries counted", Duration.ofSeconds(30),
          () -> events(registry, "delivered") == 2);
      assertThat(events(registry, "accepted")).isEqualTo(2.0);
      assertThat(crm.size()).isEqualTo(2);
    }
  }

  /**
   * After a restart the journal's gauges are the journal's truth (leads left pending by the last process), the
   * counters count this process's events only, and after close() the gauges read NaN (unknown) at once instead of
   * the last snapshot, and reading them throws nothing.
   */
  @Test
  void afterARestart_gaugesAreTheJournalsTruth_andAfterCloseTheyAreUnknown(@org.junit.jupiter.api.io.TempDir
      java.nio.file.Path dir) throws InterruptedException {
    java.nio.file.Path db = dir.resolve("journal.db");
    java.time.Instant t0 = java.time.Instant.now();
    try (io.leadrouter.journal.LeadJournal journal = io.leadrouter.journal.SqliteJournal.open(db)) {
      for (int i = 0; i < 5; i++) {
        journal.accept(SampleLeads.azureMarketplaceInstall(), List.of("crm"), t0); // left by the last process
      }
    }
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    MicrometerLeadListener metrics = new MicrometerLeadListener(registry);
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    LeadRouter router = LeadRouter.builder().journal(io.leadrouter.journal.SqliteJournal.open(db)).listener(metrics)
        .addSink("crm", TestSinks.of(io.leadrouter.spi.SinkCapabilities.builder().build(), lead -> {
          try {
            release.await(60, java.util.concurrent.TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return io.leadrouter.spi.DeliveryResult.created("rec-" + lead.id());
        }), DeliveryPolicy.DEFAULTS).defaultRoute("crm").build();
    try {
      metrics.bindGauges(router);
      assertThat(deliveries(registry, "crm", "pending") + deliveries(registry, "crm", "in_flight"))
          .as("the 5 leads the last process left").isEqualTo(5.0);
      assertThat(events(registry, "accepted")).as("accepted by the last process, not this one").isZero();
      release.countDown();
      io.leadrouter.testkit.Await.until("5 deliveries counted", Duration.ofSeconds(30),
          () -> events(registry, "delivered") == 5);
      io.leadrouter.testkit.Await.until("the gauge shows the 5 delivered", Duration.ofSeconds(30),
          () -> deliveries(registry, "crm", "delivered") == 5.0);
      assertThat(deliveries(registry, "crm", "pending")).isZero();
    } finally {
      router.close();
    }
    assertThat(deliveries(registry, "crm", "delivered")).as("after close: unknown, not the last snapshot").isNaN();
    assertThat(registry.get(MicrometerLeadListener.QUARANTINED).gauge().value()).isNaN();
  }
}
