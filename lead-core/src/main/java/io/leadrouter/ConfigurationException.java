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

  /**
   * Creates the exception from every problem found in {@code source}, a descriptor file, which the message names
   * ({@code invalid configuration in conf/leadrouter.yaml (2 problems): ...}) so that the user knows which file the
   * paths point into.
   */
  public ConfigurationException(String source, List<Problem> problems) {
    super(render("invalid configuration in " + java.util.Objects.requireNonNull(source, "source"), problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * This exception with the descriptor file it came from named in its message ({@code invalid configuration in
   * conf/leadrouter.yaml: ...}); this exception itself when it names a file already, or when its only problems are
   * with that file as a whole ({@code leadrouter.yaml: is empty}).
   */
  public ConfigurationException in(String source) {
    java.util.Objects.requireNonNull(source, "source");
    if (getMessage().startsWith("invalid configuration in ")
        || problems.stream().allMatch(p -> p.path().equals(source))) {
      return this;
    }
    ConfigurationException named = new ConfigurationException(source, problems);
    named.setStackTrace(getStackTrace());
    return named;
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
