package io.leadrouter.cli.internal;

import io.leadrouter.Lead;
import io.leadrouter.LeadAction;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadId;
import io.leadrouter.LeadListener;
import io.leadrouter.Pii;
import io.leadrouter.spi.Scrubber;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prints each lead event as one line an operator can read: accepted (with where it came from and the customer's
 * masked e-mail), delivered, retrying, parked, dead-lettered with its diagnosis. Thread-safe.
 */
public final class EventPrinter implements LeadListener {
  private final PrintWriter out;
  private final Map<LeadId, String> labels = new ConcurrentHashMap<>();

  /** Prints to {@code out}. */
  public EventPrinter(PrintWriter out) {
    this.out = Objects.requireNonNull(out, "out");
  }

  /** Remembers how to present a lead before it is routed (e.g. {@code line 3}), shown when it is accepted. */
  public void label(Lead lead, String origin) {
    labels.put(lead.id(), (origin.isEmpty() ? "" : origin + ": ") + describe(lead));
  }

  /** Forgets a lead's label (it was not accepted). */
  public void forget(LeadId id) {
    labels.remove(id);
  }

  @Override
  public void onEvent(LeadEvent e) {
    String line = switch (e.type()) {
      case ACCEPTED -> "accepted       " + e.leadId() + "  " + labels.getOrDefault(e.leadId(), "");
      case DELIVERED -> "delivered      " + e.leadId() + " -> " + e.destination()
          + e.result().map(r -> " (" + r.outcome().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ")")
              .orElse("");
      case HANDED_OFF -> "handed off     " + e.leadId() + " -> " + e.destination()
          + " (taken, but the destination cannot confirm it)";
      case RETRYING -> "retrying       " + e.leadId() + " -> " + e.destination() + " after attempt " + e.attempts()
          + e.diagnosis().map(d -> ": " + d).orElse("") + e.nextAttempt().map(t -> "; next at " + t).orElse("");
      case PARKED -> "parked         " + e.leadId() + " -> " + e.destination() + " (quota spent)"
          + e.nextAttempt().map(t -> " until " + t).orElse("");
      case DEAD_LETTERED -> "dead-lettered  " + e.leadId() + " -> " + e.destination()
          + e.diagnosis().map(d -> ": " + d).orElse("");
      case FALLBACK_SPILLED -> "fallback       " + e.leadId() + " -> " + e.fallback().orElse("?")
          + " (not delivered to " + e.destination() + " in time; it keeps trying)";
    };
    if (e.type() == LeadEvent.Type.ACCEPTED) {
      labels.remove(e.leadId());
    }
    // the lead's address and source are the sender's text: a bidi override in them reordered the line shown
    out.println(TerminalText.of(line.stripTrailing()));
  }

  /**
   * A one-line, PII-masked description of a lead: masked e-mail, source and what is special about it (an unusable
   * {@code LeadId} replaced by a derived one: its flag, as {@code explain} shows it).
   */
  public static String describe(Lead lead) {
    List<String> notes = new ArrayList<>();
    if (lead.isTest()) {
      notes.add("marketplace test lead");
    }
    if (lead.source().action() == LeadAction.DO_NOT_CONTACT) {
      notes.add("do not contact");
    }
    if (lead.isAnonymous()) {
      notes.add("anonymous");
    }
    if (!lead.source().isRecognized() && !lead.isTest()) {
      notes.add("unrecognised source kept as written");
    }
    // the id shown is not the one sent: said as explain says it, or the operator looks for the sent id in vain
    lead.flags().stream().filter(f -> LeadFlag.LEAD_ID_UNUSABLE.equals(f.code()))
        .forEach(f -> notes.add(f + (f.original().isEmpty() ? "" : " (sent as '" + f.original() + "')")));
    String who = lead.isAnonymous() ? "(no e-mail)" : Pii.maskEmail(lead.customer().email());
    // the source is free text a sender may fill with anything, an e-mail or phone included
    return who + "  " + Scrubber.standard().maskPersonalData(lead.source().raw())
        + (notes.isEmpty() ? "" : "  [" + String.join(", ", notes) + "]");
  }
}
