package io.leadrouter.internal.intake;

import java.util.Locale;

/**
 * Strict UTF-8 validation (RFC 3629) that says where and why bytes are not UTF-8: invalid bytes, overlong forms,
 * encoded surrogates, code points above U+10FFFF, sequences cut short. A decoder that replaces such bytes with
 * U+FFFD would deliver a lead that is not what the sender wrote.
 */
final class Utf8 {
  private Utf8() {}

  /** The first problem: byte offset and reason. */
  record Problem(int offset, String reason) {}

  /** The first problem in {@code b[from, to)}, or {@code null} when it is valid UTF-8. */
  static Problem check(byte[] b, int from, int to) {
    int i = from;
    while (i < to) {
      int c = b[i] & 0xFF;
      if (c < 0x80) {
        i++;
        continue;
      }
      if (c <= 0xBF) {
        return new Problem(i, "byte " + hex(c) + " continues a character that never started");
      }
      if (c == 0xC0 || c == 0xC1) {
        return new Problem(i, "byte " + hex(c) + " starts an overlong encoding");
      }
      if (c > 0xF4) {
        return new Problem(i, "byte " + hex(c) + " never occurs in UTF-8");
      }
      // RFC 3629's table of well-formed sequences: the bytes that follow the first, and the second byte's range
      // (narrower after E0 and F0: no overlong form; after ED: no surrogate; after F4: nothing above U+10FFFF)
      int need = c <= 0xDF ? 1 : c <= 0xEF ? 2 : 3;
      int min2 = switch (c) {
        case 0xE0 -> 0xA0;
        case 0xF0 -> 0x90;
        default -> 0x80;
      };
      int max2 = switch (c) {
        case 0xED -> 0x9F;
        case 0xF4 -> 0x8F;
        default -> 0xBF;
      };
      if (i + need >= to) {
        return new Problem(i, "the text ends inside a character (byte " + hex(c) + " needs " + need + " more)");
      }
      int second = b[i + 1] & 0xFF;
      if (second < min2 || second > max2) {
        if ((second & 0xC0) != 0x80) {
          return new Problem(i + 1, "byte " + hex(second) + " cannot follow " + hex(c) + " (a character is cut short)");
        }
        String why = c == 0xED ? "encode a UTF-16 surrogate (half of a character)"
            : c == 0xF4 ? "encode a code point above U+10FFFF" : "are an overlong encoding";
        return new Problem(i, "bytes " + hex(c) + " " + hex(second) + " " + why);
      }
      for (int k = 2; k <= need; k++) {
        int next = b[i + k] & 0xFF;
        if ((next & 0xC0) != 0x80) {
          return new Problem(i + k, "byte " + hex(next) + " cannot follow " + hex(c) + " (a character is cut short)");
        }
      }
      i += need + 1;
    }
    return null;
  }

  private static String hex(int c) {
    return String.format(Locale.ROOT, "0x%02X", c);
  }
}
