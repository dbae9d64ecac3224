package io.leadrouter;

import io.leadrouter.internal.PiiMask;
import io.leadrouter.internal.intake.LeadNormalizer;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The dry run of routing: for a lead, which destinations the rules pick and why, the exact request each sink would
 * send (credentials redacted, the customer's personal data masked unless asked), what is odd about the lead and
 * which checks would fail. Sends nothing, journals nothing, starts no worker. Get one from a running router
 * ({@link LeadRouter#explain}) or without a journal from {@link LeadRouterBuilder#buildExplainer()}. Thread-safe.
 */
public final class LeadExplainer implements AutoCloseable {
  private final Map<String, LeadSink> sinks;
  private final List<RoutingRule> rules;
  private final List<String> defaultRoute;
  private final LeadValidator validator;
  private final Map<String, List<String>> notes;
  private final boolean ownsSinks;

  LeadExplainer(Map<String, LeadSink> sinks, List<RoutingRule> rules, List<String> defaultRoute,
      LeadValidator validator, Map<String, List<String>> notes, boolean ownsSinks) {
    this.sinks = Map.copyOf(sinks);
    this.rules = List.copyOf(rules);
    this.defaultRoute = List.copyOf(defaultRoute);
    this.validator = validator;
    this.notes = Map.copyOf(notes);
    this.ownsSinks = ownsSinks;
  }

  /**
   * An explainer for a descriptor file: creates its sinks (no journal, no workers, nothing sent).
   *
   * @throws ConfigurationException listing every problem of the descriptor and of each sink's settings
   */
  public static LeadExplainer fromDescriptor(Path file) {
    RouterDescriptor descriptor = RouterDescriptor.load(file);
    try {
      return LeadRouter.builder(descriptor).buildExplainer();
    } catch (ConfigurationException e) {
      throw e.in(file.toString());
    }
  }

  /** Explains a lead with the customer's personal data masked. */
  public Explanation explain(Lead lead) {
    return explain(lead, false);
  }

  /** Explains a lead; {@code showPii} shows the customer's e-mail, phone and name as the sink would send them. */
  public Explanation explain(Lead lead, boolean showPii) {
    Objects.requireNonNull(lead, "lead");
    List<Problem> problems = new ArrayList<>(validator.problems(lead));
    Map<String, List<String>> chosen = new LinkedHashMap<>();
    for (RoutingRule rule : rules) {
      if (rule.matches(lead)) {
        rule.sinks().forEach(s -> chosen.computeIfAbsent(s, k -> new ArrayList<>()).add(rule.name()));
      }
    }
    if (chosen.isEmpty()) {
      defaultRoute.forEach(s -> chosen.computeIfAbsent(s, k -> new ArrayList<>()).add("default"));
    }
    if (chosen.isEmpty()) {
      problems.add(new Problem("source", "no routing rule matches '" + lead.source().raw()
          + "' and there is no default route", "add a routing rule that matches it or a default route"));
    }
    PiiMask mask = showPii ? null : new PiiMask(lead);
    List<Explanation.Destination> out = new ArrayList<>(chosen.size());
    chosen.forEach((name, by) -> out.add(destination(name, by, lead, mask)));
    return new Explanation(lead.id(), flags(lead), problems, out, showPii);
  }

  private Explanation.Destination destination(String name, List<String> by, Lead lead, PiiMask mask) {
    LeadSink sink = sinks.get(name);
    List<String> extra = new ArrayList<>(notes.getOrDefault(name, List.of()));
    Optional<ExplainedRequest> request = Optional.empty();
    Optional<Diagnosis> fails = Optional.empty();
    try {
      request = sink.explain(lead);
      if (request.isEmpty()) {
        extra.add(0, "not explainable: sink " + sink.getClass().getName() + " does not implement explain");
      }
    } catch (PermanentDeliveryException e) {
      fails = Optional.of(e.diagnosisValue());
    } catch (RuntimeException e) {
      extra.add(0, "not explainable: the sink's explain failed: " + e);
    }
    if (mask != null) {
      request = request.map(r -> r.map(mask));
      fails = fails.map(d -> new Diagnosis(d.code(), mask.apply(d.message()), mask.apply(d.remediation())));
    }
    return new Explanation.Destination(name, by, request, fails, extra);
  }

  /** What is odd about the lead without stopping it. */
  static List<String> flags(Lead lead) {
    List<String> flags = new ArrayList<>();
    for (LeadFlag f : lead.flags()) { // what intake normalised or kept verbatim (personal data already masked)
      flags.add(f.code() + " " + f.path() + ": " + f.message()
          + (f.original().isEmpty() ? "" : " (sent as '" + LeadNormalizer.printable(f.original(), Integer.MAX_VALUE)
              + "')")); // as sent, but never an ESC sequence for the reader's terminal
    }
    lead.source().flags().stream().filter(f -> flags.stream().noneMatch(x -> x.contains(f))).forEach(flags::add);
    if (lead.isTest()) {
      flags.add("marketplace test lead");
    }
    if (lead.isAnonymous()) {
      flags.add("anonymous: no e-mail (e.g. a customer on a .edu domain)");
    }
    if (lead.source().action() == LeadAction.DO_NOT_CONTACT) {
      flags.add("do not contact (DNC): delivered so the CRM can suppress the customer");
    }
    return flags;
  }

  /** Closes the sinks when this explainer created them (not when it belongs to a router). */
  @Override
  public void close() {
    if (ownsSinks) {
      io.leadrouter.internal.SinkCalls.closeAll(sinks, System.nanoTime()); // a sink that hangs cannot hold it
    }
  }
}
