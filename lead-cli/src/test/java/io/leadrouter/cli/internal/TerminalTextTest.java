package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminalTextTest {
  @Test
  void of_controlAndFormatCharacters_shownAsCodePoints_linesAndTabsKept() {
    String payload = "{\"Company\":\"A\u001b]0;pwned\u0007\u001b[2J\u009b31mB\u202e\u200b\"}\r\n\t{\"x\":1}\r";

    assertThat(TerminalText.of(payload)).isEqualTo("{\"Company\":\"A<U+001B>]0;pwned<U+0007><U+001B>[2J<U+009B>31mB"
        + "<U+202E><U+200B>\"}\n\t{\"x\":1}<U+000D>");
    assertThat(TerminalText.of("Zoë 太郎 j***@contoso.com\u00a0")).isEqualTo("Zoë 太郎 j***@contoso.com\u00a0");
  }

  @Test
  void tableCells_neverHoldControlCharacters() {
    java.io.StringWriter text = new java.io.StringWriter();
    new TextTable("A", "B").row("x\u001b[2Jy", "z\u0007").print(new java.io.PrintWriter(text, true));

    assertThat(text.toString()).contains("x<U+001B>[2Jy  z<U+0007>").doesNotContain("\u001b").doesNotContain("\u0007");
  }
}
