package io.leadrouter.spring;

import io.leadrouter.DestinationStatus;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadRouter;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Scrubber;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The health of one destination: {@code DOWN} with the Diagnosis code when its latest lead was dead-lettered (it
 * needs fixing, then a replay), {@value #DEGRADED_CODE} while its leads are held back (circuit breaker open, or
 * parked until its quota resets), {@code UP} otherwise. {@code DOWN} too, with the journal's own message, while the
 * journal cannot be read (a damaged file, a database that is down): no lead can be accepted or delivered then; and
 * while it refuses new leads ({@link io.leadrouter.journal.LeadJournal#intakeRefused}: a full disk, its file moved
 * away), with the journal's reason.
 * {@code OUT_OF_SERVICE} once the router is closed (the application is shutting down).
 */
public final class DestinationHealthIndicator implements HealthIndicator {
  /** The code of {@link #DEGRADED}. */
  public static final String DEGRADED_CODE = "DEGRADED";
  /** Leads wait (breaker open or quota spent) but none is lost. */
  public static final Status DEGRADED = new Status(DEGRADED_CODE, "leads are held back and will be delivered later");

  private final LeadRouter router;
  private final String destination;
  private final DestinationOutcomes outcomes;

  /** The indicator of {@code destination} in {@code router}; {@code outcomes} must listen to that router. */
  public DestinationHealthIndicator(LeadRouter router, String destination, DestinationOutcomes outcomes) {
    this.router = Objects.requireNonNull(router, "router");
    this.destination = Objects.requireNonNull(destination, "destination");
    this.outcomes = Objects.requireNonNull(outcomes, "outcomes");
  }

  @Override
  public Health health() {
    if (router.isClosed()) {
      // shutting down (or closed by the application): out of service, not a failure to fix
      return Health.outOfService().withDetail("router", "closed").build();
    }
    DestinationStatus status;
    try {
      status = router.status(destination);
    } catch (IllegalArgumentException e) {
      throw e; // not a destination of this router: a wiring mistake, not an outage
    } catch (RuntimeException e) {
      // the journal failed: answering DOWN (not throwing) keeps /actuator/health answering, with what to fix
      return Health.down().withDetail("journal", "unavailable")
          .withDetail("error", Scrubber.standard().scrub(String.valueOf(e.getMessage())))
          .withDetail("remediation", "no lead can be accepted or delivered until the journal works again: do what"
              + " the error says (a damaged SQLite file is recovered as it describes; a PostgreSQL server must be"
              + " reachable again); leads already accepted stay in the journal")
          .build();
    }
    Optional<String> refused = router.journal().intakeRefused();
    if (refused.isPresent()) {
      // the backlog is still delivered, but new leads get an error: the marketplace does not send them again
      return Health.down().withDetail("journal", "refusing leads")
          .withDetail("error", Scrubber.standard().scrub(refused.get()))
          .withDetail("remediation", "new leads are refused until the journal can write again, which it tries by"
              + " itself about once a second (no restart): do what the error says; send new leads to another"
              + " instance meanwhile; leads accepted before are still delivered")
          .build();
    }
    Optional<LeadEvent> last = outcomes.latest(destination);
    Optional<Diagnosis> diagnosis = last.filter(e -> e.type() == LeadEvent.Type.DEAD_LETTERED)
        .flatMap(LeadEvent::diagnosis);
    Health.Builder health = diagnosis.isPresent() ? Health.down()
        : status.degraded() ? Health.status(DEGRADED) : Health.up();
    health.withDetail("breaker", status.breaker().name().toLowerCase(Locale.ROOT));
    status.parkedUntil().ifPresent(t -> health.withDetail("parkedUntil", t.toString()));
    last.ifPresent(e -> health.withDetail("lastOutcome", e.type().name().toLowerCase(Locale.ROOT))
        .withDetail("lastOutcomeAt", e.at().toString()));
    diagnosis.ifPresent(d -> health.withDetail("diagnosis", d.code()).withDetail("remediation", d.remediation()));
    return health.build();
  }
}
