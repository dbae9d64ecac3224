package io.leadrouter;

/**
 * Told of every {@link LeadEvent}. Called on router threads: keep it fast and non-blocking; whatever it throws (an
 * {@link Error} too) is logged and ignored, never affecting routing, delivery, receipts or the other listeners.
 * A listener may close the router ({@link LeadRouter#close(java.time.Duration)} returns at once there and the close
 * finishes on a thread of its own; the application's own {@code close()} then waits for that one to finish).
 *
 * <p>A listener that blocks never holds up deliveries: they are made and recorded regardless. It holds up the events
 * after the one it blocks in (and the receipts those complete), up to
 * {@link LeadRouterBuilder#listenerBacklog(int)} outcomes (10,000 by default); beyond, outcomes complete their
 * receipts without being told to listeners, logged once when it starts and with the count once the listeners caught
 * up, so a stuck listener costs bounded memory. {@link LeadEvent.Type#ACCEPTED} is told on the {@code route()}
 * caller's thread: a listener blocking there blocks that call. A listener may route a lead, but not wait for its
 * delivery ({@code routeAndWait}): an outcome of the destination it is being told of is told after it returns, so
 * the wait lasts its whole timeout; chain on the receipt instead ({@code route(lead).allDelivered().thenAccept}).
 */
@FunctionalInterface
public interface LeadListener {
  /** Receives one event. */
  void onEvent(LeadEvent event);
}
