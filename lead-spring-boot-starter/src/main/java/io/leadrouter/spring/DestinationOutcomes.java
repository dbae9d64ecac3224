package io.leadrouter.spring;

import io.leadrouter.LeadEvent;
import io.leadrouter.LeadListener;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers each destination's latest settled outcome (delivered, handed off, parked or dead-lettered), so that the
 * health contributor can report a destination whose last lead was dead-lettered as down, with its Diagnosis code.
 * Registered with the auto-configured router as a {@link LeadListener}.
 */
public final class DestinationOutcomes implements LeadListener {
  private final Map<String, LeadEvent> latest = new ConcurrentHashMap<>();

  /** Records settled outcomes; retries and acceptances do not change a destination's outcome. */
  @Override
  public void onEvent(LeadEvent event) {
    switch (event.type()) {
      case DELIVERED, HANDED_OFF, PARKED, DEAD_LETTERED -> latest.merge(event.destination(), event,
          (old, now) -> now.at().isBefore(old.at()) ? old : now);
      default -> {
        // ACCEPTED concerns every destination; RETRYING is not an outcome yet
      }
    }
  }

  /** The destination's latest settled outcome since this application started, if it had one. */
  public Optional<LeadEvent> latest(String destination) {
    return Optional.ofNullable(latest.get(destination));
  }
}
