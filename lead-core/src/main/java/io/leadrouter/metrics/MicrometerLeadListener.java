package io.leadrouter.metrics;

import io.leadrouter.LeadEvent;
import io.leadrouter.LeadListener;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.DeliveryState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Micrometer metrics for a router (Micrometer is an optional dependency: add {@code micrometer-core} to use this).
 * Counts every {@link LeadEvent} as {@code leadrouter.events} tagged {@code type} and {@code destination}; with
 * {@link #bindGauges} also exposes the journal's deliveries per destination and state as {@code leadrouter.deliveries}
 * (read from the journal at most every 10 seconds, so scrapes stay cheap).
 */
public final class MicrometerLeadListener implements LeadListener {
  private static final Duration GAUGE_CACHE = Duration.ofSeconds(10);

  private final MeterRegistry registry;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Clock clock;
  private volatile Map<String, Map<DeliveryState, Long>> snapshot = Map.of();
  private volatile Instant snapshotAt = Instant.EPOCH;

  /** A listener recording into {@code registry}; add it with {@code LeadRouter.builder().listener(...)}. */
  public MicrometerLeadListener(MeterRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  MicrometerLeadListener(MeterRegistry registry, Clock clock) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public void onEvent(LeadEvent event) {
    String key = event.type() + "|" + event.destination();
    counters.computeIfAbsent(key, k -> Counter.builder("leadrouter.events")
        .description("lead events by type and destination")
        .tag("type", event.type().name().toLowerCase(Locale.ROOT))
        .tag("destination", event.destination().isEmpty() ? "all" : event.destination())
        .register(registry)).increment();
  }

  /** Registers gauges of the router's deliveries per destination and state. */
  public void bindGauges(LeadRouter router) {
    Objects.requireNonNull(router, "router");
    for (String destination : router.destinations()) {
      for (DeliveryState state : DeliveryState.values()) {
        Gauge.builder("leadrouter.deliveries", router, r -> count(r, destination, state))
            .description("deliveries in the journal by destination and state")
            .tag("destination", destination)
            .tag("state", state.name().toLowerCase(Locale.ROOT))
            .register(registry);
      }
    }
  }

  private double count(LeadRouter router, String destination, DeliveryState state) {
    Instant now = clock.instant();
    if (now.isAfter(snapshotAt.plus(GAUGE_CACHE))) {
      snapshot = router.counts();
      snapshotAt = now;
    }
    return snapshot.getOrDefault(destination, Map.of()).getOrDefault(state, 0L);
  }
}
