package io.leadrouter;

/**
 * Told of every {@link LeadEvent}. Called on router threads: keep it fast and non-blocking; whatever it throws (an
 * {@link Error} too) is logged and ignored, never affecting routing, delivery, receipts or the other listeners.
 * A listener may close the router ({@link LeadRouter#close(java.time.Duration)} returns at once there and the close
 * finishes on a thread of its own).
 */
@FunctionalInterface
public interface LeadListener {
  /** Receives one event. */
  void onEvent(LeadEvent event);
}
