package io.leadrouter.https.internal;

import java.nio.charset.StandardCharsets;

/** How much of a receiver's answer the sink reads and quotes (reading is {@code io.leadrouter.http.Bodies}). */
public final class Responses {
  /** Most bytes of any response body read: a receiver's answer never needs more. */
  public static final int MAX_BODY_BYTES = 64 * 1024;
  /** Most bytes of an error body quoted in a diagnosis. */
  public static final int QUOTED_BYTES = 1024;

  private Responses() {}

  /**
   * The first {@link #QUOTED_BYTES} of the body as text fit for a message: UTF-8 (a character cut at the limit is
   * dropped), control characters as spaces, trimmed.
   */
  public static String quote(byte[] body) {
    int n = Math.min(body.length, QUOTED_BYTES);
    // do not end inside a multi-byte UTF-8 sequence
    if (n < body.length) {
      while (n > 0 && (body[n] & 0xc0) == 0x80) {
        n--;
      }
    }
    return new String(body, 0, n, StandardCharsets.UTF_8).replaceAll("[\\p{Cntrl}&&[^\t]]", " ").strip();
  }
}
