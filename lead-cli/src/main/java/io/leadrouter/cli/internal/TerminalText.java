package io.leadrouter.cli.internal;

import java.util.Locale;

/**
 * Text from a sender made safe to print on an operator's terminal: a quarantined payload is kept byte for byte, and
 * printed raw its ESC sequences would drive the terminal (set its title, clear the screen, rewrite what was printed
 * before) and its bidi overrides would reorder what is shown.
 */
public final class TerminalText {
  private TerminalText() {}

  /**
   * {@code text} with every control character but the line feed and the tab, and every invisible format character
   * (bidi overrides, zero-width characters), written as {@code <U+001B>}; a CR before a line feed is left out, so a
   * payload with CRLF line breaks reads as lines.
   */
  public static String of(String text) {
    StringBuilder b = new StringBuilder(text.length());
    text.replace("\r\n", "\n").codePoints().forEach(cp -> {
      boolean hidden = cp != '\n' && cp != '\t' && Character.isISOControl(cp)
          || Character.getType(cp) == Character.FORMAT;
      if (hidden) {
        b.append("<U+").append(String.format(Locale.ROOT, "%04X", cp)).append('>');
      } else {
        b.appendCodePoint(cp);
      }
    });
    return b.toString();
  }
}
