package io.leadrouter;

import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link LeadRouter#route(Lead)} would do with a lead, found without doing it ({@link LeadRouter#explain}):
 * nothing is sent and nothing is journaled.
 *
 * @param leadId the lead's id
 * @param flags what is odd about the lead but does not stop it (unknown channel, test lead, no e-mail...)
 * @param problems why {@code route} would refuse the lead (invalid, no route); empty when it would accept it
 * @param destinations one entry per destination the routing rules pick, in routing order
 * @param piiShown whether the requests show the customer's personal data as is (otherwise it is masked)
 */
public record Explanation(LeadId leadId, List<String> flags, List<Problem> problems, List<Destination> destinations,
    boolean piiShown) {

  /** Checks and copies. */
  public Explanation {
    Objects.requireNonNull(leadId, "leadId");
    flags = List.copyOf(flags);
    problems = List.copyOf(problems);
    destinations = List.copyOf(destinations);
  }

  /** Whether {@code route} would accept the lead. */
  public boolean accepted() {
    return problems.isEmpty();
  }

  /** The entry for one destination. */
  public Optional<Destination> destination(String name) {
    return destinations.stream().filter(d -> d.name().equals(name)).findFirst();
  }

  /**
   * One destination's part of the plan.
   *
   * @param name the destination (sink) name
   * @param rules the routing rules that chose it ({@code default} when the default route did)
   * @param request the request its sink would send; empty when the sink is not explainable or a check fails
   * @param wouldFail the diagnosis of a check the sink makes before sending that would fail this lead
   * @param notes what else applies to this destination (e.g. its fallback)
   */
  public record Destination(String name, List<String> rules, Optional<ExplainedRequest> request,
      Optional<Diagnosis> wouldFail, List<String> notes) {
    /** Checks and copies. */
    public Destination {
      Objects.requireNonNull(name, "name");
      rules = List.copyOf(rules);
      Objects.requireNonNull(request, "request");
      Objects.requireNonNull(wouldFail, "wouldFail");
      notes = List.copyOf(notes);
    }

    /** Whether the sink could show its request (sinks written before explain existed cannot). */
    public boolean explainable() {
      return request.isPresent() || wouldFail.isPresent();
    }
  }
}
