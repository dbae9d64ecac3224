package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.file.FileSink;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.metrics.MicrometerLeadListener;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.testkit.Await;
import io.leadrouter.testkit.MutableClock;
import io.leadrouter.testkit.SampleLeads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fallback spill (#22) with a destination that stays down past its {@code fallbackAfter}: the lead also goes to
 * the fallback once, marked, the main destination keeps trying, a listener event and a metric say so, and a
 * restart on the same journal spills nothing twice.
 */
@Timeout(120)
class FallbackTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant T0 = Instant.parse("2026-12-01T08:00:00Z");

  @TempDir Path dir;
  private final MutableClock clock = new MutableClock(T0);
  private final AtomicInteger crmAttempts = new AtomicInteger();

  private LeadRouter start(List<LeadEvent> events, SimpleMeterRegistry registry) {
    DeliveryPolicy crm = DeliveryPolicy.builder().backoff(Duration.ofSeconds(1), Duration.ofMinutes(10))
        .breaker(100, Duration.ofMillis(50)).fallback("archive", Duration.ofHours(4)).build();
    return LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))).clock(clock)
        .fallbackCheck(Duration.ofMillis(50))
        .addSink("crm", TestSinks.of(SinkCapabilities.builder().maxConcurrency(1).build(), lead -> {
          crmAttempts.incrementAndGet();
          throw new TransientDeliveryException("503 from the test CRM");
        }), crm)
        .addSink("archive", FileSink.open(dir.resolve("archive.ndjson")))
        .route(io.leadrouter.RoutingRule.offer("crm-leads", "contoso.*", List.of("crm")))
        .defaultRoute("archive")
        .listener(events::add)
        .listener(new MicrometerLeadListener(registry))
        .build();
  }

  private static Lead lead(String offer) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.random())
        .source("AzureMarketplace-INS|" + offer).build();
  }

  @Test
  void destinationDownPastTheAge_leadAlsoGoesToTheFallbackOnce_marked_evenAcrossARestart() throws Exception {
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Lead early = lead("contoso.crm");
    Lead late = lead("contoso.crm");
    Lead elsewhere = lead("fabrikam.app"); // routed to the archive itself: not a fallback
    LeadRouter router = start(events, registry);
    try {
      router.route(early);
      router.route(elsewhere);
      await(() -> crmAttempts.get() >= 1 && lines().size() == 1, "first attempt, and the archive's own lead");
      clock.advance(Duration.ofHours(3));
      router.route(late);
      clock.advance(Duration.ofHours(1).plusSeconds(1)); // early is 4 h old, late 1 h

      await(() -> lines().size() == 2, "the early lead spilled to the archive");
      JsonNode spilled = lines().get(1);
      assertThat(spilled.get("LeadId").asText()).isEqualTo(early.id().value());
      assertThat(spilled.get(DeliveryPolicy.FALLBACK_ATTRIBUTE).asText()).isEqualTo("crm");
      assertThat(lines().get(0).has(DeliveryPolicy.FALLBACK_ATTRIBUTE)).as("a lead routed there is no fallback")
          .isFalse();
      await(() -> events.stream().anyMatch(e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED), "the event");
      LeadEvent event = events.stream().filter(e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED).findFirst()
          .orElseThrow();
      assertThat(event.leadId()).isEqualTo(early.id());
      assertThat(event.destination()).isEqualTo("crm");
      assertThat(event.fallback()).contains("archive");
      assertThat(event.diagnosis()).hasValueSatisfying(d -> assertThat(d.code()).isEqualTo("FALLBACK_SPILLED"));
      assertThat(registry.get(MicrometerLeadListener.FALLBACK_SPILLS).tag(MicrometerLeadListener.DESTINATION, "crm")
          .tag(MicrometerLeadListener.FALLBACK, "archive").counter().count()).isEqualTo(1.0);
      assertThat(registry.get(MicrometerLeadListener.EVENTS)
          .tag(MicrometerLeadListener.EVENT_TYPE, "fallback_spilled").counter().count()).isEqualTo(1.0);
      int before = crmAttempts.get();
      clock.advance(Duration.ofMinutes(11)); // past the longest backoff: the next retry is due
      await(() -> crmAttempts.get() > before, "the CRM keeps trying");
      assertThat(router.journal().deliveries(early.id())).extracting(DeliveryRecord::destination, DeliveryRecord::state)
          .contains(org.assertj.core.groups.Tuple.tuple("archive", DeliveryState.DELIVERED))
          .filteredOn(t -> t.toList().get(0).equals("crm")).isNotEmpty();
      assertThat(router.journal().deliveries(early.id())).filteredOn(r -> r.destination().equals("crm"))
          .singleElement().satisfies(r -> assertThat(r.state()).isNotEqualTo(DeliveryState.DELIVERED));
    } finally {
      router.close();
    }

    // a restart on the same journal: the late lead spills once it is old enough; the early one never again
    List<LeadEvent> after = new CopyOnWriteArrayList<>();
    LeadRouter again = start(after, new SimpleMeterRegistry());
    try {
      clock.advance(Duration.ofHours(3));
      await(() -> lines().size() == 3, "the late lead spilled after the restart");
      await(() -> after.stream().anyMatch(e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED), "its event");
      assertThat(after).filteredOn(e -> e.type() == LeadEvent.Type.FALLBACK_SPILLED)
          .extracting(LeadEvent::leadId).containsExactly(late.id());
      assertThat(lines()).extracting(n -> n.get("LeadId").asText())
          .containsExactly(elsewhere.id().value(), early.id().value(), late.id().value());
      assertThat(again.journal().deliveries(early.id())).filteredOn(r -> r.destination().equals("archive"))
          .hasSize(1);
    } finally {
      again.close();
    }
  }

  @Test
  void fallbackToAnUnknownDestinationOrItself_isRefusedAtBuild() {
    assertThat(buildingWithFallback("archiv")).isInstanceOf(io.leadrouter.ConfigurationException.class)
        .hasMessageContaining("sinks.crm.delivery.fallback: no sink named 'archiv'");
    assertThat(buildingWithFallback("crm")).isInstanceOf(io.leadrouter.ConfigurationException.class)
        .hasMessageContaining("names the destination itself");
  }

  /** What building a router whose only destination {@code crm} falls back to {@code fallback} throws. */
  private static Throwable buildingWithFallback(String fallback) {
    return org.assertj.core.api.Assertions.catchThrowable(() -> LeadRouter.builder()
        .journal(io.leadrouter.journal.InMemoryJournal.create())
        .addSink("crm", new io.leadrouter.testkit.InMemoryLeadSink(),
            DeliveryPolicy.builder().fallback(fallback, Duration.ofHours(4)).build())
        .defaultRoute("crm").build());
  }

  private List<JsonNode> lines() {
    Path file = dir.resolve("archive.ndjson");
    try {
      if (!Files.exists(file)) {
        return List.of();
      }
      return Files.readAllLines(file).stream().filter(l -> !l.isBlank()).map(l -> {
        try {
          return JSON.readTree(l);
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      }).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    Await.until(what, WAIT, condition);
  }
}
