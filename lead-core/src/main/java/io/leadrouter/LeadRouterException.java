package io.leadrouter;

import io.leadrouter.internal.MessageScrub;

/**
 * Base of every unchecked exception LeadRouter throws; its message always says what to fix. The message is scrubbed
 * as a {@link Problem}'s is (it may quote a configuration value or a destination's words), whoever builds it.
 */
public class LeadRouterException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with an actionable message. */
  public LeadRouterException(String message) {
    super(MessageScrub.scrub(message));
  }

  /** Creates an exception with an actionable message and its cause. */
  public LeadRouterException(String message, Throwable cause) {
    super(MessageScrub.scrub(message), cause);
  }
}
