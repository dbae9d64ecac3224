package io.leadrouter.journal;

import io.leadrouter.LeadRouterException;

/** The journal cannot be opened or written; the message names the file and what to do. */
public class JournalException extends LeadRouterException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public JournalException(String message) {
    super(message);
  }

  /** Creates the exception with its cause. */
  public JournalException(String message, Throwable cause) {
    super(message, cause);
  }
}
