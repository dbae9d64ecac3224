package io.leadrouter;

/**
 * Told of every {@link LeadEvent}. Called on router threads: keep it fast and non-blocking; an exception it throws is
 * logged and ignored, never affecting delivery.
 */
@FunctionalInterface
public interface LeadListener {
  /** Receives one event. */
  void onEvent(LeadEvent event);
}
