package io.leadrouter;

import java.util.List;
import java.util.stream.Collectors;

/** A router descriptor, builder or sink configuration is invalid; lists every problem at once. */
public class ConfigurationException extends LeadRouterException {
  private static final long serialVersionUID = 1L;
  private final transient List<Problem> problems;

  /** Creates the exception from every problem found. */
  public ConfigurationException(List<Problem> problems) {
    super(render("invalid configuration", problems));
    this.problems = List.copyOf(problems);
  }

  /** Creates the exception for one problem. */
  public ConfigurationException(String path, String message, String fix) {
    this(List.of(new Problem(path, message, fix)));
  }

  /** Every problem found, in the order they were found. */
  public List<Problem> problems() {
    return problems;
  }

  static String render(String title, List<Problem> problems) {
    if (problems.size() == 1) {
      return title + ": " + problems.get(0);
    }
    return title + " (" + problems.size() + " problems):"
        + problems.stream().map(p -> "\n  - " + p).collect(Collectors.joining());
  }
}
