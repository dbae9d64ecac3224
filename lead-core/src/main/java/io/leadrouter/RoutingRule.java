package io.leadrouter;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Sends the leads it matches to one or more sinks. A rule matches when every condition it sets holds: the offer id
 * matches its glob ({@code *} any run of characters, {@code ?} one), the channel text is one of {@code channels},
 * the action text one of {@code actions} (compared case-insensitively, so unknown channels can be routed too).
 * Every matching rule contributes its sinks (fan-out); the router's default route applies when none matches.
 *
 * @param name a name for messages
 * @param offerGlob glob over {@link LeadSource#offerId()}, if set
 * @param channels channel texts, e.g. {@code AzureMarketplace}, {@code SPZA}; empty = any
 * @param actions action texts, e.g. {@code INS}, {@code DNC}; empty = any
 * @param sinks the sinks to deliver to, by name
 */
public record RoutingRule(String name, Optional<String> offerGlob, Set<String> channels, Set<String> actions,
    List<String> sinks) {

  /** Validates and copies. */
  public RoutingRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(offerGlob, "offerGlob");
    channels = lower(channels);
    actions = lower(actions);
    sinks = List.copyOf(sinks);
    if (sinks.isEmpty()) {
      throw new ConfigurationException("routes." + name + ".sinks", "is empty", "name at least one sink");
    }
  }

  /** A rule that matches everything, sending to {@code sinks}. */
  public static RoutingRule all(String name, List<String> sinks) {
    return new RoutingRule(name, Optional.empty(), Set.of(), Set.of(), sinks);
  }

  /** A rule by offer-id glob. */
  public static RoutingRule offer(String name, String glob, List<String> sinks) {
    return new RoutingRule(name, Optional.of(glob), Set.of(), Set.of(), sinks);
  }

  /** Whether this rule matches the lead. */
  public boolean matches(Lead lead) {
    LeadSource s = lead.source();
    if (!channels.isEmpty() && !channels.contains(s.channelText().toLowerCase(Locale.ROOT))) {
      return false;
    }
    if (!actions.isEmpty() && !actions.contains(s.actionText().toLowerCase(Locale.ROOT))) {
      return false;
    }
    return offerGlob.map(g -> globToPattern(g).matcher(s.offerId()).matches()).orElse(true);
  }

  /** A glob as a case-insensitive regular expression. */
  static Pattern globToPattern(String glob) {
    StringBuilder re = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> re.append(".*");
        case '?' -> re.append('.');
        default -> re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(re.toString(), Pattern.CASE_INSENSITIVE);
  }

  private static Set<String> lower(Set<String> in) {
    Set<String> out = new LinkedHashSet<>();
    for (String s : Objects.requireNonNull(in, "set")) {
      out.add(s.strip().toLowerCase(Locale.ROOT));
    }
    return Set.copyOf(out);
  }

  /** The sinks of every matching rule, in rule order, without repeats; empty when none matches. */
  public static List<String> destinations(List<RoutingRule> rules, Lead lead) {
    Set<String> out = new LinkedHashSet<>();
    for (RoutingRule r : rules) {
      if (r.matches(lead)) {
        out.addAll(r.sinks());
      }
    }
    return new ArrayList<>(out);
  }
}
