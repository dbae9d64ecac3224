package io.leadrouter;

/**
 * Told of every {@link LeadEvent}. Called on router threads: keep it fast and non-blocking; whatever it throws (an
 * {@link Error} too) is logged and ignored, never affecting routing, delivery, receipts or the other listeners.
 */
@FunctionalInterface
public interface LeadListener {
  /** Receives one event. */
  void onEvent(LeadEvent event);
}
