package io.leadrouter.cli.internal;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** A plain-text table with a header row and columns padded to their widest cell. */
public final class TextTable {
  private final List<String> header;
  private final List<List<String>> rows = new ArrayList<>();

  /** A table with these column titles. */
  public TextTable(String... header) {
    this.header = List.of(header);
  }

  /**
   * Adds a row (missing cells are blank; line breaks in cells become spaces, other control and invisible format
   * characters {@code <U+XXXX>}: {@link TerminalText}).
   */
  public TextTable row(String... cells) {
    List<String> r = new ArrayList<>();
    for (int i = 0; i < header.size(); i++) {
      String c = i < cells.length && cells[i] != null ? cells[i] : "";
      r.add(TerminalText.of(c.replaceAll("[\\r\\n\\t]+", " ")));
    }
    rows.add(r);
    return this;
  }

  /** Whether no row was added. */
  public boolean isEmpty() {
    return rows.isEmpty();
  }

  /** Prints the table; the last column is not padded. */
  public void print(PrintWriter out) {
    Objects.requireNonNull(out, "out");
    int[] width = new int[header.size()];
    for (int i = 0; i < width.length; i++) {
      width[i] = header.get(i).length();
      for (List<String> r : rows) {
        width[i] = Math.max(width[i], r.get(i).length());
      }
    }
    print(out, header, width);
    String[] rule = new String[width.length];
    for (int i = 0; i < width.length; i++) {
      rule[i] = "-".repeat(width[i]);
    }
    print(out, Arrays.asList(rule), width);
    rows.forEach(r -> print(out, r, width));
  }

  private static void print(PrintWriter out, List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < cells.size(); i++) {
      String c = cells.get(i);
      b.append(c);
      if (i < cells.size() - 1) {
        b.append(" ".repeat(width[i] - c.length() + 2));
      }
    }
    out.println(b.toString().stripTrailing());
  }
}
