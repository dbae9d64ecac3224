package io.leadrouter.cli.internal;

import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import io.leadrouter.spi.Diagnosis;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The leads of NDJSON input as {@code route} reads them, so {@code explain} (its dry run) reads the same leads from
 * the same bytes: one lead per line that is not blank, read by the codec with its line number; a line holding a JSON
 * array one lead per element ({@code line 3 [1]}); a line over the codec's limit unreadable with its real size; a
 * whole pretty-printed document as line 1 ({@link NdjsonLines#of}).
 */
public final class NdjsonLeads {
  private final NdjsonLines lines;
  private final MarketplaceCodec codec;
  /**
   * In UTF-16LE or UTF-32LE input, the zero bytes that follow each 0x0A (the rest of the line break U+000A): they
   * are taken off the front of the next line, and after the last line break they are no line of their own.
   */
  private int lineBreakRest;

  /** One lead of a line: where it is ({@code line 3}, {@code line 3 [1]}), its exact bytes and how it reads. */
  public record Part(String where, byte[] bytes, ReadResult result) {
    /** Checks the parts are present. */
    public Part {
      Objects.requireNonNull(where, "where");
      Objects.requireNonNull(bytes, "bytes");
      Objects.requireNonNull(result, "result");
    }
  }

  /** The leads of {@code in}, read by {@code codec} (its body limit is the line limit). */
  public NdjsonLeads(InputStream in, MarketplaceCodec codec) throws IOException {
    this.codec = Objects.requireNonNull(codec, "codec");
    this.lines = NdjsonLines.of(in, codec.maxBodyBytes());
  }

  /** Whether the input is read as one JSON document spanning several lines, as line 1. */
  public boolean isDocument() {
    return lines.isDocument();
  }

  /** The number of the line {@link #next} last read, from 1. */
  public int number() {
    return lines.number();
  }

  /**
   * The leads of the next line that is not blank (empty for an empty JSON array, which holds none), or null at the
   * end of the input.
   */
  public List<Part> next() throws IOException {
    byte[] bytes;
    while ((bytes = lines.next()) != null) {
      int number = lines.number();
      if (number == 1 && bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB
          && (bytes[2] & 0xFF) == 0xBF) {
        bytes = Arrays.copyOfRange(bytes, 3, bytes.length);
      }
      if (number == 1) {
        lineBreakRest = littleEndianLineBreakRest(bytes);
      } else if (lineBreakRest > 0 && bytes.length > lineBreakRest && zeros(bytes, lineBreakRest)) {
        // the rest of the previous line's break: without it the line reads as it was written (UTF-16LE), where
        // the 00 in front made it look big-endian to the codec
        bytes = Arrays.copyOfRange(bytes, lineBreakRest, bytes.length);
      }
      if (!blank(bytes) && !(lineBreakRest > 0 && bytes.length == lineBreakRest && zeros(bytes))) {
        return parts(bytes, number);
      }
    }
    return null;
  }

  private List<Part> parts(byte[] line, int number) {
    // a line holding a JSON array of leads: each element is a lead of its own, one that cannot be read is
    // quarantined alone (a line that is no well-formed array is read whole, as any line)
    int elements = MarketplaceCodec.arrayLength(line);
    List<byte[]> each = elements >= 0 ? MarketplaceCodec.arrayElements(line) : List.of(line);
    List<Part> parts = new ArrayList<>(each.size());
    for (int k = 0; k < each.size(); k++) {
      byte[] part = each.get(k);
      ReadResult result = lines.length() > codec.maxBodyBytes()
          ? tooLong(number, lines.length(), codec.maxBodyBytes(), part.length)
          : elements >= 0 ? codec.readElement(part, k) : carriageReturns(codec.readLine(part, number), part);
      parts.add(new Part(elements >= 0 ? "line " + number + " [" + k + "]" : "line " + number, part, result));
    }
    return parts;
  }

  /**
   * A line over the limit, which {@link NdjsonLines} cut: the codec only saw the cut part (and a byte-order mark taken
   * off it may have brought that under the limit), so its size is said here, as it is in the input.
   */
  private static ReadResult tooLong(int number, long length, int limit, int kept) {
    return new ReadResult.Unreadable(new Diagnosis("PAYLOAD_TOO_LARGE", "line " + number + ": is " + length
        + " bytes, over the limit of " + limit + " bytes (its first " + kept + " bytes are kept in quarantine)",
        "a marketplace lead is a few KiB: check what is being sent"));
  }

  /**
   * A file whose lines end with CR alone (classic Mac OS, some exports) is one line of several leads to an NDJSON
   * reader: said so, with the fix, instead of only "a second JSON object follows the lead".
   */
  private static ReadResult carriageReturns(ReadResult result, byte[] line) {
    if (!(result instanceof ReadResult.Unreadable u) || !"PAYLOAD_SEVERAL_OBJECTS".equals(u.diagnosis().code())) {
      return result;
    }
    for (byte b : line) {
      if (b == '\r') {
        return new ReadResult.Unreadable(new Diagnosis(u.diagnosis().code(), u.diagnosis().message() + "; the line"
            + " holds line breaks written as CR (0x0D) alone, which NDJSON does not split at", "end each line with"
            + " LF or CRLF (e.g. tr '\\r' '\\n' < leads.ndjson > fixed.ndjson) and route the fixed file"));
      }
    }
    return result;
  }

  /**
   * 1 for a first line in UTF-16LE, 3 in UTF-32LE (by the byte-order mark, or by the zero bytes of its first
   * character, as the codec tells them), else 0.
   */
  private static int littleEndianLineBreakRest(byte[] b) {
    if (b.length < 4) {
      return 0;
    }
    boolean fourZeros = b[2] == 0 && b[3] == 0;
    if ((b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
      return fourZeros ? 3 : 1; // the byte-order mark of UTF-32LE (FF FE 00 00) or UTF-16LE (FF FE)
    }
    if (b[0] == 0 || b[1] != 0) {
      return 0; // UTF-8, or big-endian: the zero bytes of a line break come before its 0x0A
    }
    return fourZeros ? 3 : b[2] != 0 && b[3] == 0 ? 1 : 0; // an ASCII character then its zero bytes
  }

  private static boolean zeros(byte[] line) {
    return zeros(line, line.length);
  }

  /** Whether the first {@code n} bytes of {@code line} are zero. */
  private static boolean zeros(byte[] line, int n) {
    for (int i = 0; i < n; i++) {
      if (line[i] != 0) {
        return false;
      }
    }
    return true;
  }

  private static boolean blank(byte[] line) {
    for (byte b : line) {
      if (b != ' ' && b != '\t' && b != '\r') {
        return false;
      }
    }
    return true;
  }
}
