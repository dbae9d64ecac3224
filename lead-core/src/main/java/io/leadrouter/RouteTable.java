package io.leadrouter;

import java.util.List;

/** The routing choice: every matching rule's sinks, else the default route. Immutable. */
final class RouteTable {
  private final List<RoutingRule> rules;
  private final List<String> defaultRoute;

  RouteTable(List<RoutingRule> rules, List<String> defaultRoute) {
    this.rules = List.copyOf(rules);
    this.defaultRoute = List.copyOf(defaultRoute);
  }

  /** Whether some rule or the default route takes the lead. */
  boolean routes(Lead lead) {
    return !defaultRoute.isEmpty() || !RoutingRule.destinations(rules, lead).isEmpty();
  }

  /**
   * The lead's destinations.
   *
   * @throws LeadRouterException if no rule matches and there is no default route
   */
  List<String> destinationsFor(Lead lead) {
    List<String> matched = RoutingRule.destinations(rules, lead);
    if (!matched.isEmpty()) {
      return matched;
    }
    if (!defaultRoute.isEmpty()) {
      return defaultRoute;
    }
    throw new LeadRouterException("no route for lead " + Pii.maskLeadId(lead.id().value()) + " (source '" + lead.source().raw()
        + "'): add a routing rule that matches it or a default route");
  }
}
