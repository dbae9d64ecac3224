package io.leadrouter;

import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.spi.Diagnosis;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
    admission.checkOpen("the payload from " + origin + " was not kept");
    // shortened in its middle, never cut at its end by the journal: it may end with a note a replay reads (a declared
    // charset, the lead's id)
    origin = shortened(origin);
    Diagnosis why;
    if (read instanceof ReadResult.Readable r) {
      Lead lead = r.lead();
      if (routes.routes(lead)) {
        RoutingReceipt receipt = route.apply(lead);
        Optional<Diagnosis> conflict = conflict(lead, receipt);
        if (conflict.isEmpty()) {
          return new IntakeReceipt.Routed(lead, receipt);
        }
        why = conflict.get();
      } else {
        why = new Diagnosis("LEAD_NO_ROUTE", "lead " + Pii.maskLeadId(lead.id().value()) + " (source '" + lead.source().raw()
            + "') matches no routing rule and there is no default route", "add a rule or a default route, then "
            + "replay the quarantine");
        // the id may not come from the payload (a webhook-id header): kept with it, so that the replay routes the lead
        // under the id its sender knows it by, and a copy sent again meanwhile is a duplicate, not a second lead
        // (a journal keeps 2,000 characters of an origin: cut at its end, the note was lost, and the replay gave the
        // lead an id from its bytes, a second lead at every CRM)
        origin = origin + LEAD_ID_NOTE + lead.id() + ")";
      }
    } else {
      why = ((ReadResult.Unreadable) read).diagnosis();
    }
    // bounded: a payload over the body limit is kept up to the limit, its diagnosis says how large it was
    byte[] kept = payload.length > CODEC.maxBodyBytes() ? Arrays.copyOf(payload, CODEC.maxBodyBytes()) : payload;
    long id = journal.quarantine(kept, origin, why, clock.instant());
    // the origin is stored as it is (a replay reads the lead id noted in it); logged as an operator is shown it
    LOG.warn("payload from {} quarantined as {}: {}", io.leadrouter.internal.PiiMask.origin(origin), id, why.code());
    return new IntakeReceipt.Quarantined(id, why);
  }

  /** How many quarantined payloads a replay holds in memory at once. */
  static final int REPLAY_PAGE = 200;

  /**
   * See {@link LeadRouter#replayQuarantined(int)}: the oldest first, page by page of {@code page} payloads (keyset
   * paging on the quarantine id), so every payload is read however large the quarantine, never only the newest, and
   * memory holds one page. At most as many payloads as were quarantined when it started are read.
   */
  LeadRouter.QuarantineReplay replay(int limit, int page) {
    int routed = 0;
    int still = 0;
    // bounded by what was there when it started: a sender posting unreadable payloads meanwhile cannot keep it going
    long bound = Math.min(limit, journal.quarantineCount());
    long after = Long.MIN_VALUE;
    while (routed + still < bound) {
      List<QuarantinedPayload> batch = journal.quarantinedAfter(after, (int) Math.min(page, bound - routed - still));
      for (QuarantinedPayload q : batch) {
        after = q.id();
        if (again(q) instanceof IntakeReceipt.Routed) {
          journal.releaseQuarantined(q.id()); // after routing: a crash in between routes a duplicate, loses nothing
          routed++;
        } else {
          still++;
        }
      }
      if (batch.isEmpty()) {
        break;
      }
    }
    return new LeadRouter.QuarantineReplay(routed, still);
  }

  private IntakeReceipt again(QuarantinedPayload q) {
    if ("PAYLOAD_TOO_LARGE".equals(q.diagnosis().code()) && q.payload().length >= CODEC.maxBodyBytes()) {
      // kept cut to the limit (intake): read again, the cut would be "broken JSON", a fault the sender never made,
      // and the size that says what to fix would be lost
      return new IntakeReceipt.Quarantined(q.id(), q.diagnosis());
    }
    // a kept Azure Table row is read as the row it was (its id from RowKey, its Attributes column), not as a body
    LeadId id = notedId(q.origin()).orElseGet(() -> MarketplaceCodec.derivedId(q.payload()));
    ReadResult read = q.origin().startsWith(MarketplaceCodec.TABLE_ROW_ORIGIN) ? CODEC.readTableRow(q.payload())
        : MarketplaceCodec.declaredCharset(q.origin()) // a body whose request declared its charset: read as that
            .map(c -> CODEC.read(q.payload(), c, id, clock.instant()))
            .orElseGet(() -> CODEC.read(q.payload(), id, clock.instant()));
    Diagnosis d = read instanceof ReadResult.Unreadable u ? u.diagnosis() : q.diagnosis();
    if (read instanceof ReadResult.Readable r && routes.routes(r.lead())) {
      RoutingReceipt receipt = route.apply(r.lead());
      Optional<Diagnosis> conflict = conflict(r.lead(), receipt);
      if (conflict.isEmpty()) {
        return new IntakeReceipt.Routed(r.lead(), receipt);
      }
      d = conflict.get();
    }
    if (!d.equals(q.diagnosis())) {
      journal.rediagnose(q.id(), d);
    }
    return new IntakeReceipt.Quarantined(q.id(), d);
  }

  /**
   * {@code origin} at most {@value #ORIGIN_KEPT} characters, cut in its middle: its start says where the payload came
   * from, its end may hold a note a replay reads ({@link MarketplaceCodec#declaring}).
   */
  static String shortened(String origin) {
    return origin.length() <= ORIGIN_KEPT ? origin
        : origin.substring(0, ORIGIN_KEPT - 503) + "..." + origin.substring(origin.length() - 500);
  }

  private static final int ORIGIN_KEPT = 1500;

  /** Ends the origin of a lead kept for want of a route: its id, which the payload alone may not give again. */
  private static final String LEAD_ID_NOTE = " (lead id ";
  private static final Pattern NOTED_ID = Pattern.compile(Pattern.quote(LEAD_ID_NOTE) + "([^ ()]{1,128})\\)$");

  /** The lead id an origin was noted with when its lead was quarantined ({@link #LEAD_ID_NOTE}), if it was. */
  private static Optional<LeadId> notedId(String origin) {
    Matcher m = NOTED_ID.matcher(origin);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(LeadId.of(m.group(1)));
    } catch (InvalidLeadException e) {
      return Optional.empty(); // not a note of ours: the payload's own id, as before
    }
  }

  /**
   * A payload whose lead id was accepted before with other content is not that lead: calling it a duplicate would
   * drop it silently (the destinations upsert by lead id), so it is kept in quarantine. Content is the customer, the
   * lead source, offer, description and attributes; the time is not (a payload without {@code CreatedTime} is
   * stamped when received).
   */
  private Optional<Diagnosis> conflict(Lead lead, RoutingReceipt receipt) {
    if (!receipt.duplicate()) {
      return Optional.empty();
    }
    return journal.lead(lead.id()).flatMap(before -> {
      List<String> differ = new ArrayList<>();
      CustomerInfo a = before.customer();
      CustomerInfo b = lead.customer();
      differ(differ, "UserDetails.FirstName", a.firstName(), b.firstName());
      differ(differ, "UserDetails.LastName", a.lastName(), b.lastName());
      differ(differ, "UserDetails.Email", a.email(), b.email());
      differ(differ, "UserDetails.Phone", a.phone(), b.phone());
      differ(differ, "UserDetails.Country", a.country(), b.country());
      differ(differ, "UserDetails.Company", a.company(), b.company());
      differ(differ, "UserDetails.Title", a.title(), b.title());
      differ(differ, "LeadSource", before.source().raw(), lead.source().raw());
      differ(differ, "ActionCode", before.source().actionText(), lead.source().actionText());
      differ(differ, "OfferTitle", before.offerTitle(), lead.offerTitle());
      differ(differ, "Description", before.description(), lead.description());
      if (!before.attributes().equals(lead.attributes())) {
        differ.add("the keys beyond the lead's fields");
      }
      return differ.isEmpty() ? Optional.empty() : Optional.of(new Diagnosis("LEAD_ID_CONFLICT",
          "LeadId '" + Pii.maskLeadId(lead.id().value()) + "': a lead with this id was accepted before with other content ("
              + String.join(", ", differ) + " differ); this payload is another lead under the same id, kept here"
              + " rather than dropped as a duplicate or merged", "give every lead its own LeadId (or none: one is"
              + " derived from the payload); to route this one, send it again with a new LeadId"));
    });
  }

  private static void differ(List<String> differ, String field, String before, String now) {
    if (!before.equals(now)) {
      differ.add(field);
    }
  }
}
