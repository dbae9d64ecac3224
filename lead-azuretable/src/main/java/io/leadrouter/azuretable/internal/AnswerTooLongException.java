package io.leadrouter.azuretable.internal;

import java.io.IOException;

/**
 * A success answer longer than the bound its client reads ({@link ScrubbingHttpClient}): the connection is closed and
 * the request fails. The poller asks again for fewer rows a page; anything else reads it as an endpoint that is not
 * the Table service.
 */
public final class AnswerTooLongException extends IOException {
  private static final long serialVersionUID = 1L;

  /** An answer longer than {@code max} bytes, from {@code host}. */
  public AnswerTooLongException(String host, long max) {
    super("the answer of " + host + " is longer than " + max + " bytes, more than the Table service sends to this "
        + "request: the endpoint is not the Table service, or something between alters its answers");
  }

  /** Whether {@code failure}, or one of its causes, is an answer too long. */
  public static boolean in(Throwable failure) {
    int depth = 0;
    for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
      if (t instanceof AnswerTooLongException) {
        return true;
      }
    }
    return false;
  }
}
