package io.leadrouter;

/** Base of every unchecked exception LeadRouter throws; its message always says what to fix. */
public class LeadRouterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with an actionable message. */
  public LeadRouterException(String message) {
    super(message);
  }

  /** Creates an exception with an actionable message and its cause. */
  public LeadRouterException(String message, Throwable cause) {
    super(message, cause);
  }
}
