package io.leadrouter.cli.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TextTableTest {
  @Test
  void print_columnsPaddedToWidestCell_lastColumnUnpadded() {
    StringWriter s = new StringWriter();
    new TextTable("SINK", "RESULT", "FIX").row("local", "failed", "make it a file").row("crm", "passed").print(
        new PrintWriter(s, true));

    assertThat(s.toString().lines()).containsExactly(
        "SINK   RESULT  FIX",
        "-----  ------  --------------",
        "local  failed  make it a file",
        "crm    passed");
  }

  @Test
  void row_lineBreaksInCells_becomeSpaces() {
    StringWriter s = new StringWriter();
    new TextTable("A", "B").row("x\ny", "z").print(new PrintWriter(s, true));

    assertThat(s.toString().lines()).containsExactly("A    B", "---  -", "x y  z");
  }
}
