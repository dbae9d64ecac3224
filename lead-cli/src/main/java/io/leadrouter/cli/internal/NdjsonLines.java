package io.leadrouter.cli.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * Reads NDJSON lines as the bytes they are, never decoding them: a decoder would replace bytes that are not UTF-8
 * with U+FFFD and the lead would no longer be what the sender wrote. A line longer than the limit is returned cut to
 * limit + 1 bytes (so the reader sees it is too long) and the rest of it is skipped.
 */
public final class NdjsonLines {
  private final InputStream in;
  private final int maxBytes;
  private int number;

  /** Lines of {@code in}, each at most {@code maxBytes} bytes before being cut. */
  public NdjsonLines(InputStream in, int maxBytes) {
    this.in = in.markSupported() ? in : new java.io.BufferedInputStream(in, 64 * 1024);
    this.maxBytes = maxBytes;
  }

  /** The number of the line last returned, from 1. */
  public int number() {
    return number;
  }

  /** The next line without its line break ({@code \n} or {@code \r\n}), or {@code null} at the end. */
  public byte[] next() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    int b;
    boolean any = false;
    while ((b = in.read()) >= 0) {
      any = true;
      if (b == '\n') {
        break;
      }
      if (line.size() <= maxBytes) {
        line.write(b);
      }
    }
    if (!any) {
      return null;
    }
    number++;
    byte[] bytes = line.toByteArray();
    int end = bytes.length;
    if (end > 0 && bytes[end - 1] == '\r' && end <= maxBytes) {
      end--;
    }
    return end == bytes.length ? bytes : Arrays.copyOf(bytes, end);
  }
}
