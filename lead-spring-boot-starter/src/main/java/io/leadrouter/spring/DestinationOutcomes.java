package io.leadrouter.spring;

import io.leadrouter.LeadEvent;
import io.leadrouter.LeadListener;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers each destination's latest settled outcome (delivered, handed off, parked or dead-lettered), so that the
 * health contributor can report a destination whose last lead was dead-lettered as down, with its Diagnosis code.
 * Registered with the auto-configured router as a {@link LeadListener}.
 *
 * <p>One instance serves one router: an event does not say which router told it, so one instance listening to two
 * routers would show the one's dead letter as the other's destination being down when both have a destination of
 * that name. An application with several {@code LeadRouter} beans adds {@link #forRouter(String) forRouter(beanName)}
 * to each router as its listener; the health of each router's destinations is then read from its own outcomes.
 */
public final class DestinationOutcomes implements LeadListener {
  private final Map<String, LeadEvent> latest = new ConcurrentHashMap<>();
  private final Map<String, DestinationOutcomes> routers = new ConcurrentHashMap<>();

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

  /**
   * The outcomes of the router that is the bean {@code routerBeanName} (the same instance for the same name): add it
   * to that router's builder as a listener ({@code .listener(outcomes.forRouter("tenantA"))}), and the health of
   * {@code /actuator/health/leadrouter/tenantA/...} shows that router's outcomes and no other's.
   */
  public DestinationOutcomes forRouter(String routerBeanName) {
    Objects.requireNonNull(routerBeanName, "routerBeanName");
    if (routerBeanName.isBlank()) {
      throw new IllegalArgumentException("routerBeanName is blank: give the name of the router's bean");
    }
    return routers.computeIfAbsent(routerBeanName, n -> new DestinationOutcomes());
  }

  /** The outcomes {@link #forRouter(String)} made for the router bean of that name, if it was called for it. */
  Optional<DestinationOutcomes> ofRouter(String routerBeanName) {
    return Optional.ofNullable(routers.get(Objects.requireNonNull(routerBeanName, "routerBeanName")));
  }
}
