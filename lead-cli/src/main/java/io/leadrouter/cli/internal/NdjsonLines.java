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
  private long length;

  private byte[] document;

  /** Lines of {@code in}, each at most {@code maxBytes} bytes before being cut. */
  public NdjsonLines(InputStream in, int maxBytes) {
    this.in = in.markSupported() ? in : new java.io.BufferedInputStream(in, 64 * 1024);
    this.maxBytes = maxBytes;
  }

  /**
   * Lines of {@code in} as {@link #NdjsonLines} reads them, unless the whole input (at most {@code maxBytes}) spans
   * several lines and is exactly one JSON value, a pretty-printed lead or array of leads: it is then the one "line" 1,
   * whole. This cannot be mistaken for NDJSON: two or more leads on lines of their own are never one JSON value, and
   * one lead on one line is the same either way.
   *
   * <p>Only an input whose first line that is not blank holds no whole JSON value is read ahead (up to
   * {@code maxBytes}) to tell: any other is read line by line as it arrives, so a stream that stays open (a pipe fed
   * by a producer, {@code tail -f}) has each lead taken as its line comes, not once the stream ends.
   */
  public static NdjsonLines of(InputStream in, int maxBytes) throws IOException {
    InputStream buffered = in.markSupported() ? in : new java.io.BufferedInputStream(in, 64 * 1024);
    NdjsonLines lines = new NdjsonLines(buffered, maxBytes);
    buffered.mark(maxBytes + 2);
    byte[] first = firstLine(buffered, maxBytes + 1);
    buffered.reset();
    if (first.length > maxBytes || oneJsonValue(first)) {
      return lines; // a line of its own already: the input is no document spanning several lines
    }
    buffered.mark(maxBytes + 2);
    byte[] head = buffered.readNBytes(maxBytes + 1);
    buffered.reset();
    if (head.length <= maxBytes && severalLines(head) && oneJsonValue(head)) {
      lines.document = head;
    }
    return lines;
  }

  /**
   * The first line of {@code in} that is not blank, without its line break, reading at most {@code max} bytes and
   * never past that line's end (nothing after it may have arrived yet).
   */
  private static byte[] firstLine(InputStream in, int max) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    boolean text = false;
    int b;
    for (int n = 0; n < max && (b = in.read()) >= 0; n++) {
      if (b == '\n') {
        if (text) {
          break;
        }
        line.reset();
      } else {
        text |= b != ' ' && b != '\t' && b != '\r';
        line.write(b);
      }
    }
    return line.toByteArray();
  }

  /** Whether the input is read as one JSON document, not line by line (see {@link #of}). */
  public boolean isDocument() {
    return document != null;
  }

  private static boolean severalLines(byte[] b) {
    int lines = 0;
    boolean text = false;
    for (byte x : b) {
      if (x == '\n') {
        lines += text ? 1 : 0;
        text = false;
      } else if (x != ' ' && x != '\t' && x != '\r') {
        text = true;
      }
    }
    return lines + (text ? 1 : 0) > 1;
  }

  private static final com.fasterxml.jackson.core.JsonFactory JSON = new com.fasterxml.jackson.core.JsonFactory();

  /** Whether the bytes are one well-formed JSON value and nothing more (its content is judged by the codec). */
  private static boolean oneJsonValue(byte[] b) {
    try (com.fasterxml.jackson.core.JsonParser p = JSON.createParser(b)) {
      if (p.nextToken() == null) {
        return false;
      }
      p.skipChildren();
      return p.nextToken() == null;
    } catch (IOException e) {
      return false;
    }
  }

  /** The number of the line last returned, from 1. */
  public int number() {
    return number;
  }

  /**
   * The length in bytes of the line last returned, without its line break, as it was in the input: more than the
   * line returned when that was cut at the limit.
   */
  public long length() {
    return length;
  }

  /** The next line without its line break ({@code \n} or {@code \r\n}), or {@code null} at the end. */
  public byte[] next() throws IOException {
    if (document != null) {
      if (number > 0) {
        return null;
      }
      number = 1;
      length = document.length;
      return document;
    }
    ByteArrayOutputStream line = new ByteArrayOutputStream(1024);
    int b;
    int last = -1;
    long count = 0;
    boolean any = false;
    while ((b = in.read()) >= 0) {
      any = true;
      if (b == '\n') {
        break;
      }
      count++;
      last = b;
      if (line.size() <= maxBytes) {
        line.write(b);
      }
    }
    if (!any) {
      return null;
    }
    number++;
    length = last == '\r' ? count - 1 : count;
    byte[] bytes = line.toByteArray();
    int end = bytes.length;
    if (end > 0 && bytes[end - 1] == '\r' && end <= maxBytes) {
      end--;
    }
    return end == bytes.length ? bytes : Arrays.copyOf(bytes, end);
  }
}
