package io.leadrouter;

import java.util.List;

/** A lead (or a marketplace payload) was rejected before it was accepted; lists every problem at once. */
public class InvalidLeadException extends LeadRouterException {
  private static final long serialVersionUID = 1L;
  private final transient List<Problem> problems;

  /** Creates the exception from every problem found. */
  public InvalidLeadException(List<Problem> problems) {
    super(ConfigurationException.render("invalid lead", problems));
    this.problems = List.copyOf(problems);
  }

  /** Creates the exception for one problem. */
  public InvalidLeadException(String path, String message, String fix) {
    this(List.of(new Problem(path, message, fix)));
  }

  /** Every problem found. */
  public List<Problem> problems() {
    return problems;
  }
}
