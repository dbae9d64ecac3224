package io.leadrouter.internal;

import io.leadrouter.LeadEvent;

/**
 * Where a destination's worker publishes what became of each delivery, one way: the worker never waits for, or
 * reads back from, whoever listens (the router's receipt book). Not API.
 */
@FunctionalInterface
public interface DeliveryEvents {
  /** A delivery was settled as the event says (delivered, handed off, retrying, parked, dead-lettered). */
  void publish(LeadEvent event);

  /**
   * As {@link #publish}, but the listeners are not told (they are a whole backlog behind): only what must not wait for
   * them (the lead's receipt). By default, nothing.
   */
  default void publishUntold(LeadEvent event) {}
}
