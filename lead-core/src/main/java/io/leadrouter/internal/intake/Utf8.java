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
      int need;
      int min2 = 0x80;
      int max2 = 0xBF;
      if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
      } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) {
          min2 = 0xA0;
        } else if (c == 0xED) {
          max2 = 0x9F;
        }
      } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) {
          min2 = 0x90;
        } else if (c == 0xF4) {
          max2 = 0x8F;
        }
      } else if (c == 0xC0 || c == 0xC1) {
        return new Problem(i, "byte " + hex(c) + " starts an overlong encoding");
      } else if (c >= 0x80 && c <= 0xBF) {
        return new Problem(i, "byte " + hex(c) + " continues a character that never started");
      } else {
        return new Problem(i, "byte " + hex(c) + " never occurs in UTF-8");
      }
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
