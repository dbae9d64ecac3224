package io.leadrouter;

import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A destination's delivery engine right now, for health checks and dashboards: whether its circuit breaker lets
 * deliveries through and whether it is parked because its quota is spent.
 *
 * @param destination the sink's name
 * @param breaker the circuit breaker's state
 * @param parkedUntil until when the destination is parked (its leads wait), if it is
 */
public record DestinationStatus(String destination, Breaker breaker, Optional<Instant> parkedUntil) {

  /** Checks parts are present. */
  public DestinationStatus {
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(breaker, "breaker");
    Objects.requireNonNull(parkedUntil, "parkedUntil");
  }

  /** Whether deliveries are held back: the breaker is not closed or the destination is parked. */
  public boolean degraded() {
    return breaker != Breaker.CLOSED || parkedUntil.isPresent();
  }

  /** The circuit breaker's state. */
  public enum Breaker {
    /** Deliveries go through. */
    CLOSED,
    /** The destination kept failing: deliveries wait until the breaker's open time ends. */
    OPEN,
    /** A probe delivery decides whether the breaker closes again. */
    HALF_OPEN;

    /** The state named by Resilience4j's state name (forced or disabled states map to open or closed). */
    static Breaker of(String resilience4jState) {
      return switch (resilience4jState.toUpperCase(Locale.ROOT)) {
        case "OPEN", "FORCED_OPEN" -> OPEN;
        case "HALF_OPEN" -> HALF_OPEN;
        default -> CLOSED;
      };
    }
  }
}
