package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpellingTest {
  private static final List<String> KEYS = List.of("path", "tenantId", "tableName", "maxConcurrency", "timeout", "id");

  @Test
  void closest_oneOrTwoEditsOrASwap_namesTheKey() {
    assertThat(Spelling.closest("pth", KEYS)).contains("path");
    assertThat(Spelling.closest("tenantld", KEYS)).contains("tenantId");
    assertThat(Spelling.closest("tabelName", KEYS)).as("a swap is one edit").contains("tableName");
    assertThat(Spelling.closest("maxConcurency", KEYS)).contains("maxConcurrency");
    assertThat(Spelling.closest("timout", KEYS)).contains("timeout");
  }

  @Test
  void closest_caseOnlyDifference_namesTheKeyWhateverItsLength() {
    assertThat(Spelling.closest("MAXCONCURRENCY", KEYS)).contains("maxConcurrency");
    assertThat(Spelling.closest("ID", KEYS)).contains("id");
  }

  @Test
  void closest_farOrShortOrKnown_suggestsNothing() {
    assertThat(Spelling.closest("token", KEYS)).isEmpty();
    assertThat(Spelling.closest("fields", KEYS)).isEmpty();
    assertThat(Spelling.closest("ab", KEYS)).as("two edits would turn any short word into another").isEmpty();
    assertThat(Spelling.closest("path", KEYS)).as("a known key is no typo").isEmpty();
    assertThat(Spelling.closest("pth", List.of())).isEmpty();
  }

  @Test
  void closest_tie_namesTheAlphabeticallyFirst() {
    assertThat(Spelling.closest("pat", List.of("pats", "path"))).contains("path");
    assertThat(Spelling.didYouMean("pat", List.of("path", "pats"))).contains("did you mean 'path'?");
  }

  @Test
  void listed_fewShortNames_inFull_manyOrLong_countedAfterThoseThatFit() {
    assertThat(Spelling.listed(List.of())).isEqualTo("none");
    assertThat(Spelling.listed(List.of("local", "crm"))).isEqualTo("local, crm");
    List<String> many = java.util.stream.IntStream.range(0, 100).mapToObj(i -> "sink" + i).toList();
    assertThat(Spelling.listed(many)).startsWith("sink0, sink1, ").endsWith(", ... (100 in all)")
        .hasSizeLessThan(230);
    assertThat(Spelling.listed(List.of("x".repeat(1000), "crm"))).isEqualTo("... (2 in all)");
  }

  @Test
  void closest_keyOverAHundredCharacters_suggestsNothing() {
    String longKey = "p".repeat(101);
    assertThat(Spelling.closest(longKey, List.of(longKey + "x"))).isEmpty();
  }

  @Test
  void edits_bandedWithALimit_agreesWithTheFullTable() {
    java.util.Random random = new java.util.Random(7);
    for (int n = 0; n < 20_000; n++) {
      String a = word(random);
      String b = random.nextBoolean() ? word(random) : mutate(a, random);
      int full = fullTable(a, b);
      for (int limit = 1; limit <= 2; limit++) {
        assertThat(Spelling.edits(a, b, limit)).as(a + " / " + b + " limit " + limit)
            .isEqualTo(Math.min(full, limit + 1));
      }
    }
  }

  private static String word(java.util.Random random) {
    StringBuilder w = new StringBuilder();
    for (int i = random.nextInt(7); i > 0; i--) {
      w.append((char) ('a' + random.nextInt(3)));
    }
    return w.toString();
  }

  /** {@code a} after up to two random inserts, deletes, replacements or swaps of neighbours. */
  private static String mutate(String a, java.util.Random random) {
    StringBuilder w = new StringBuilder(a);
    for (int i = random.nextInt(3); i > 0; i--) {
      int at = w.length() == 0 ? 0 : random.nextInt(w.length());
      char c = (char) ('a' + random.nextInt(3));
      int edit = w.length() == 0 ? 0 : random.nextInt(4);
      if (edit == 0) {
        w.insert(at, c);
      } else if (edit == 1) {
        w.deleteCharAt(at);
      } else if (edit == 2) {
        w.setCharAt(at, c);
      } else if (at + 1 < w.length()) {
        char first = w.charAt(at);
        w.setCharAt(at, w.charAt(at + 1));
        w.setCharAt(at + 1, first);
      }
    }
    return w.toString();
  }

  /** The optimal-string-alignment distance by its whole table: the oracle for the banded one. */
  private static int fullTable(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      d[i][0] = i;
    }
    for (int j = 0; j <= b.length(); j++) {
      d[0][j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
