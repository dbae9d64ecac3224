package io.leadrouter.http;

import io.leadrouter.spi.Scrubber;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.regex.Pattern;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;

/**
 * Reads response bodies never beyond a bound: a destination (or something posing as one) can answer with gigabytes,
 * and an error message needs a few hundred characters of it.
 */
public final class Bodies {
  /** A generous bound for error bodies: every CRM's JSON error fits. */
  public static final int MAX_ERROR_BYTES = 64 * 1024;
  /** Most characters of a body quoted in a message. */
  public static final int QUOTED_CHARS = 300;
  /** What {@link #quote} turns into a space: white space, controls, line separators, bidirectional controls. */
  private static final Pattern NOT_ONE_LINE =
      Pattern.compile("[\\s\\p{Cc}\\p{Zl}\\p{Zp}\\u202A-\\u202E\\u2066-\\u2069]+");

  private Bodies() {}

  /**
   * At most {@code max} bytes of the body: fewer if it is shorter, as far as it came if it broke off. Buffered in
   * Okio's pooled segments, so only the array returned is allocated (a stream's {@code readNBytes} took 8 KiB per
   * call, a sixth of what a delivery allocated, for the usual empty answer).
   */
  public static byte[] bytes(ResponseBody body, int max) {
    Objects.requireNonNull(body, "body");
    try (BufferedSource source = body.source()) {
      try {
        source.request(max);
      } catch (IOException brokeOff) {
        // keep what came: an error message is quoted as far as it got
      }
      Buffer got = source.getBuffer();
      return got.readByteArray(Math.min(got.size(), max));
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /**
   * At most {@code max} bytes of the body, like {@link #bytes}, but a body that breaks off before its end (a reset, a
   * timeout, fewer bytes than its {@code Content-Length}) is an {@link IOException}, not a shorter answer: for the
   * answer a caller acts on, where an empty or cut-off 2xx must not read as "nothing found".
   */
  public static byte[] read(ResponseBody body, int max) throws IOException {
    Objects.requireNonNull(body, "body");
    try (BufferedSource source = body.source()) {
      source.request(max); // buffers up to max bytes, fewer at the end of the body
      return source.readByteArray(Math.min(source.getBuffer().size(), max));
    }
  }

  /**
   * Reads and drops at most {@code max} bytes of the body, so that the connection can be reused when that was all of
   * it; returns how many bytes were dropped (fewer if the body was shorter or could not be read).
   */
  public static long discard(ResponseBody body, long max) {
    Objects.requireNonNull(body, "body");
    long dropped = 0;
    try (BufferedSource source = body.source()) {
      while (dropped < max && source.request(1)) {
        long n = Math.min(source.getBuffer().size(), max - dropped);
        source.skip(n);
        dropped += n;
      }
    } catch (IOException e) {
      // the caller only wanted the body gone; the connection is not reused then
    }
    return dropped;
  }

  /** At most {@code max} bytes of the body as UTF-8 text (a character cut at the bound is dropped). */
  public static String text(ResponseBody body, int max) {
    byte[] read = bytes(body, max);
    return utf8(read, read.length);
  }

  /**
   * Text fit for a message: one line (each run of white space, control characters — C0, DEL and C1, NEL included —,
   * Unicode line and paragraph separators and bidirectional controls as one space), at most {@code maxChars}
   * characters, {@code "..."} marking a cut. Credentials are removed ({@link Scrubber#scrubCredentials}) before the cut,
   * and an e-mail address the cut would split is left out, so no part of either survives where a later scrub could no
   * longer recognise it.
   */
  public static String quote(String text, int maxChars) {
    // credentials out before the cut: a secret or token cut in two is no longer recognised by the scrub a message
    // gets later, and its head reached the diagnosis
    String oneLine = NOT_ONE_LINE.matcher(Scrubber.standard().scrubCredentials(text)).replaceAll(" ").strip();
    if (oneLine.length() <= maxChars) {
      return oneLine;
    }
    String head = oneLine.substring(0, maxChars);
    if (oneLine.charAt(maxChars) != ' ') {
      // cut inside a word: if that word is an e-mail address, the part before the cut (its local part) would no
      // longer read as one and be masked: left out whole
      int start = head.lastIndexOf(' ') + 1;
      int end = oneLine.indexOf(' ', maxChars);
      if (AT.matcher(oneLine.substring(start, end < 0 ? oneLine.length() : end)).find()) {
        head = head.substring(0, start);
      }
    }
    return head + "...";
  }

  /** An {@code @} as a peer may write it in an e-mail address: raw, full-width, URL- or HTML- or JSON-escaped. */
  private static final Pattern AT = Pattern.compile("@|\uFF20|%40|%2540|&#64;|&#x40;|\\u0040",
      Pattern.CASE_INSENSITIVE);

  /** {@link #quote(String, int)} with {@link #QUOTED_CHARS}. */
  public static String quote(String text) {
    return quote(text, QUOTED_CHARS);
  }

  /** The first {@code n} bytes as UTF-8, never ending inside a multi-byte character the bound cut short. */
  static String utf8(byte[] bytes, int n) {
    int end = Math.min(n, bytes.length);
    int start = end; // the start of the last sequence: back off its continuation bytes
    while (start > 0 && (bytes[start - 1] & 0xc0) == 0x80 && end - start < 3) {
      start--;
    }
    if (start > 0 && (bytes[start - 1] & 0xc0) == 0xc0 && start - 1 + sequenceLength(bytes[start - 1]) > end) {
      end = start - 1;
    }
    return new String(bytes, 0, end, StandardCharsets.UTF_8);
  }

  private static int sequenceLength(byte lead) {
    int b = lead & 0xff;
    return b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  }
}
