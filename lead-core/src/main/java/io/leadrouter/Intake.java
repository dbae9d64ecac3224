package io.leadrouter;

import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.spi.Diagnosis;
import java.time.Clock;
import java.util.Arrays;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payloads as received: routes what reads as a lead a route takes, quarantines the rest in the journal with its
 * diagnosis, and reads the quarantine again on request.
 */
final class Intake {
  private static final Logger LOG = LoggerFactory.getLogger(Intake.class);
  static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  private final RouteTable routes;
  private final Admission admission;
  private final Function<Lead, RoutingReceipt> route;
  private final LeadJournal journal;
  private final Clock clock;

  /** @param route routes a lead as {@link LeadRouter#route(Lead)} does */
  Intake(RouteTable routes, Admission admission, Function<Lead, RoutingReceipt> route, LeadJournal journal,
      Clock clock) {
    this.routes = routes;
    this.admission = admission;
    this.route = route;
    this.journal = journal;
    this.clock = clock;
  }

  /** See {@link LeadRouter#intake(ReadResult, byte[], String)}. */
  IntakeReceipt intake(ReadResult read, byte[] payload, String origin) {
    admission.checkOpen();
    Diagnosis why;
    if (read instanceof ReadResult.Readable r) {
      Lead lead = r.lead();
      if (routes.routes(lead)) {
        return new IntakeReceipt.Routed(lead, route.apply(lead));
      }
      why = new Diagnosis("LEAD_NO_ROUTE", "lead " + lead.id() + " (source '" + lead.source().raw()
          + "') matches no routing rule and there is no default route", "add a rule or a default route, then "
          + "replay the quarantine");
    } else {
      why = ((ReadResult.Unreadable) read).diagnosis();
    }
    // bounded: a payload over the body limit is kept up to the limit, its diagnosis says how large it was
    byte[] kept = payload.length > CODEC.maxBodyBytes() ? Arrays.copyOf(payload, CODEC.maxBodyBytes()) : payload;
    long id = journal.quarantine(kept, origin, why, clock.instant());
    LOG.warn("payload from {} quarantined as {}: {}", origin, id, why.code());
    return new IntakeReceipt.Quarantined(id, why);
  }

  /** See {@link LeadRouter#replayQuarantined(int)}. */
  LeadRouter.QuarantineReplay replay(int limit) {
    int routed = 0;
    int still = 0;
    for (QuarantinedPayload q : journal.quarantined(limit)) {
      if (again(q) instanceof IntakeReceipt.Routed) {
        journal.releaseQuarantined(q.id()); // after routing: a crash in between routes a duplicate, loses nothing
        routed++;
      } else {
        still++;
      }
    }
    return new LeadRouter.QuarantineReplay(routed, still);
  }

  private IntakeReceipt again(QuarantinedPayload q) {
    ReadResult read = CODEC.read(q.payload());
    if (read instanceof ReadResult.Readable r && routes.routes(r.lead())) {
      return new IntakeReceipt.Routed(r.lead(), route.apply(r.lead()));
    }
    Diagnosis d = read instanceof ReadResult.Unreadable u ? u.diagnosis() : q.diagnosis();
    if (!d.equals(q.diagnosis())) {
      journal.rediagnose(q.id(), d);
    }
    return new IntakeReceipt.Quarantined(q.id(), d);
  }
}
