package io.leadrouter.journal;

import io.leadrouter.spi.Require;
import java.time.Instant;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Selects deliveries for listing, replay and purge: by state, destination, diagnosis code and time of last change.
 *
 * @param states the states to include
 * @param destination only this sink, if set
 * @param diagnosisCode only this diagnosis code, if set
 * @param since only changed at or after this time, if set
 * @param until only changed before this time, if set
 * @param limit most rows to return (listing only)
 */
public record DeliveryQuery(Set<DeliveryState> states, Optional<String> destination, Optional<String> diagnosisCode,
    Optional<Instant> since, Optional<Instant> until, int limit) {

  /** Validates and copies. */
  public DeliveryQuery {
    states = Set.copyOf(Objects.requireNonNull(states, "states"));
    if (states.isEmpty()) {
      throw new IllegalArgumentException("states must not be empty");
    }
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(diagnosisCode, "diagnosisCode");
    Objects.requireNonNull(since, "since");
    Objects.requireNonNull(until, "until");
    Require.atLeast(limit, 1, "limit");
  }

  /** All dead letters (up to 1,000 listed). */
  public static DeliveryQuery deadLetters() {
    return new DeliveryQuery(EnumSet.of(DeliveryState.DEAD), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), 1000);
  }

  /** All deliveries still to be made: pending, in flight and parked (up to 1,000 listed). */
  public static DeliveryQuery pending() {
    return new DeliveryQuery(EnumSet.of(DeliveryState.PENDING, DeliveryState.IN_FLIGHT, DeliveryState.PARKED),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), 1000);
  }

  /** Only this destination. */
  public DeliveryQuery destination(String name) {
    return new DeliveryQuery(states, Optional.of(name), diagnosisCode, since, until, limit);
  }

  /** Only this diagnosis code. */
  public DeliveryQuery diagnosisCode(String code) {
    return new DeliveryQuery(states, destination, Optional.of(code), since, until, limit);
  }

  /** Only changed at or after {@code t}. */
  public DeliveryQuery since(Instant t) {
    return new DeliveryQuery(states, destination, diagnosisCode, Optional.of(t), until, limit);
  }

  /** Only changed before {@code t}. */
  public DeliveryQuery until(Instant t) {
    return new DeliveryQuery(states, destination, diagnosisCode, since, Optional.of(t), limit);
  }

  /** At most {@code n} rows. */
  public DeliveryQuery limit(int n) {
    return new DeliveryQuery(states, destination, diagnosisCode, since, until, n);
  }
}
