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
 * Counts every {@link LeadEvent} as {@value #EVENTS} tagged {@value #EVENT_TYPE} and {@value #DESTINATION}; with
 * {@link #bindGauges} also exposes the journal's deliveries per destination and state as {@value #DELIVERIES} and the
 * payloads in quarantine as {@value #QUARANTINED} (read from the journal at most every 10 seconds, so scrapes stay
 * cheap; {@code NaN}, unknown, once the router is closed, since registries outlive it). Names follow the OpenTelemetry semantic
 * conventions' style: a {@code leadrouter.} namespace, dotted lower-case names, attributes namespaced too, units in
 * UCUM braces. The README's Observability section lists every name.
 *
 * <p>Every meter is tagged {@value #ROUTER} with the router's name ({@value #DEFAULT_ROUTER} for this listener;
 * {@link #forRouter(String)} gives the listener of a named router): an event does not say which router told it, so
 * one listener added to two routers counted both routers' leads as one, and the counts of two destinations of one
 * name (each tenant's {@code crm}) were mixed. Give each router its own {@code forRouter(name)} listener.
 */
public final class MicrometerLeadListener implements LeadListener {
  /** Counter of lead events, unit {@code {event}}. */
  public static final String EVENTS = "leadrouter.events";
  /** Gauge of the journal's deliveries, unit {@code {delivery}}. */
  public static final String DELIVERIES = "leadrouter.deliveries";
  /**
   * Gauge of the payloads kept in the journal's quarantine (unreadable, or no route took them), unit
   * {@code {payload}}: a payload is a lead the marketplace will not send again, so alert on any rise.
   */
  public static final String QUARANTINED = "leadrouter.quarantined";
  /** Attribute: the event type, lower case ({@code accepted}, {@code delivered}, {@code dead_lettered}...). */
  public static final String EVENT_TYPE = "leadrouter.event.type";
  /** Attribute: the destination (sink name); {@code all} for {@code accepted}, which concerns every destination. */
  public static final String DESTINATION = "leadrouter.destination";
  /** Counter of leads spilled to a fallback destination, unit {@code {lead}}. */
  public static final String FALLBACK_SPILLS = "leadrouter.fallback.spills";
  /** Attribute: the fallback destination a lead was spilled to. */
  public static final String FALLBACK = "leadrouter.fallback";
  /** Attribute: the delivery state, lower case ({@code pending}, {@code in_flight}, {@code dead}...). */
  public static final String DELIVERY_STATE = "leadrouter.delivery.state";
  /** Attribute: the router the meter counts for ({@value #DEFAULT_ROUTER}, or the name given to {@link #forRouter}). */
  public static final String ROUTER = "leadrouter.router";
  /** The {@value #ROUTER} of the listener made by the public constructor. */
  public static final String DEFAULT_ROUTER = "default";

  private static final Duration GAUGE_CACHE = Duration.ofSeconds(10);

  private final MeterRegistry registry;
  private final String router;
  private final Map<String, Counter> counters = new ConcurrentHashMap<>();
  private final Map<String, MicrometerLeadListener> routers;
  private final Clock clock;
  private volatile Map<String, Map<DeliveryState, Long>> snapshot = Map.of();
  private volatile Instant snapshotAt = Instant.EPOCH;
  private volatile long quarantined;
  private volatile Instant quarantinedAt = Instant.EPOCH;

  /** A listener recording into {@code registry}; add it with {@code LeadRouter.builder().listener(...)}. */
  public MicrometerLeadListener(MeterRegistry registry) {
    this(registry, Clock.systemUTC());
  }

  MicrometerLeadListener(MeterRegistry registry, Clock clock) {
    this(registry, clock, DEFAULT_ROUTER, new ConcurrentHashMap<>());
  }

  private MicrometerLeadListener(MeterRegistry registry, Clock clock, String router,
      Map<String, MicrometerLeadListener> routers) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.router = router;
    this.routers = routers;
  }

  /**
   * The listener of the router named {@code routerName} (the same instance for the same name), recording into the
   * same registry with {@value #ROUTER} = {@code routerName}: add it to that router's builder as its listener
   * ({@code .listener(metrics.forRouter("tenantA"))}) and bind that router's gauges with it.
   */
  public MicrometerLeadListener forRouter(String routerName) {
    Objects.requireNonNull(routerName, "routerName");
    if (routerName.isBlank()) {
      throw new IllegalArgumentException("routerName is blank: give the router's name, e.g. its bean's name");
    }
    if (routerName.equals(router)) {
      return this;
    }
    return routers.computeIfAbsent(routerName, n -> new MicrometerLeadListener(registry, clock, n, routers));
  }

  /** The name this listener tags its meters with ({@value #ROUTER}). */
  public String routerName() {
    return router;
  }

  @Override
  public void onEvent(LeadEvent event) {
    String key = event.type() + "|" + event.destination();
    counters.computeIfAbsent(key, k -> Counter.builder(EVENTS)
        .description("lead events by type and destination")
        .baseUnit("{event}")
        .tag(EVENT_TYPE, event.type().name().toLowerCase(Locale.ROOT))
        .tag(DESTINATION, event.destination().isEmpty() ? "all" : event.destination())
        .tag(ROUTER, router)
        .register(registry)).increment();
    if (event.type() == LeadEvent.Type.FALLBACK_SPILLED) {
      String fallback = event.fallback().orElse("");
      counters.computeIfAbsent("spill|" + event.destination() + "|" + fallback, k -> Counter.builder(FALLBACK_SPILLS)
          .description("leads not delivered in time and also sent to the destination's fallback")
          .baseUnit("{lead}")
          .tag(DESTINATION, event.destination())
          .tag(FALLBACK, fallback)
          .tag(ROUTER, router)
          .register(registry)).increment();
    }
  }

  /**
   * Registers gauges of the router's deliveries per destination and state, and of its quarantine, tagged with this
   * listener's {@value #ROUTER}: bind each router with its own {@link #forRouter(String)} listener.
   */
  public void bindGauges(LeadRouter router) {
    Objects.requireNonNull(router, "router");
    Gauge.builder(QUARANTINED, router, this::quarantined)
        .description("payloads in the journal's quarantine, waiting for a fix and replay --quarantined")
        .baseUnit("{payload}")
        .tag(ROUTER, this.router)
        .register(registry);
    for (String destination : router.destinations()) {
      for (DeliveryState state : DeliveryState.values()) {
        Gauge.builder(DELIVERIES, router, r -> count(r, destination, state))
            .description("deliveries in the journal by destination and state")
            .baseUnit("{delivery}")
            .tag(DESTINATION, destination)
            .tag(DELIVERY_STATE, state.name().toLowerCase(Locale.ROOT))
            .tag(ROUTER, this.router)
            .register(registry);
      }
    }
  }

  private double quarantined(LeadRouter router) {
    if (router.isClosed()) {
      return Double.NaN; // unknown: a closed router reads no journal, and its last value would pose as current
    }
    Instant now = clock.instant();
    if (now.isAfter(quarantinedAt.plus(GAUGE_CACHE))) {
      quarantined = router.quarantineCount();
      quarantinedAt = now;
    }
    return quarantined;
  }

  private double count(LeadRouter router, String destination, DeliveryState state) {
    if (router.isClosed()) {
      return Double.NaN;
    }
    Instant now = clock.instant();
    if (now.isAfter(snapshotAt.plus(GAUGE_CACHE))) {
      snapshot = router.counts();
      snapshotAt = now;
    }
    return snapshot.getOrDefault(destination, Map.of()).getOrDefault(state, 0L);
  }
}
