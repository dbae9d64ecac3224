package io.leadrouter.internal.intake;

/**
 * What intake takes from around a value and never from inside it: white space, space characters ({@code U+00A0},
 * {@code U+202F}) and invisible format characters ({@code U+200B}, {@code U+FEFF}), which text pasted from a web
 * page or a mail client carries. Not API.
 */
public final class Blanks {
  private Blanks() {}

  /** {@code text} without {@linkplain #blank blank} characters at either end. */
  public static String strip(String text) {
    int from = 0;
    int to = text.length();
    while (from < to && blank(text.codePointAt(from))) {
      from += Character.charCount(text.codePointAt(from));
    }
    while (to > from && blank(text.codePointBefore(to))) {
      to -= Character.charCount(text.codePointBefore(to));
    }
    return text.substring(from, to);
  }

  /** Whether the code point is white space, a space character or an invisible format character. */
  public static boolean blank(int cp) {
    return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || Character.getType(cp) == Character.FORMAT;
  }
}
