package io.leadrouter.internal;

import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * The known key an unknown one was probably meant to be ({@code pth} for {@code path}), so that the message refusing
 * a typo can name the fix: one helper for every place that reports unknown keys (sink settings, descriptor
 * sections). Internal: not API.
 */
public final class Spelling {
  /** The most edits (insert, delete, replace, swap two neighbours) a suggestion may be away. */
  private static final int MAX_EDITS = 2;

  private Spelling() {}

  /**
   * The known key closest to {@code key}: one differing only in case, else one at most two edits away (and at most
   * a third of {@code key}'s length, so that a short word is not "corrected" into another); the alphabetically first
   * on a tie; empty when none is that close, or {@code key} is itself known.
   */
  public static Optional<String> closest(String key, Collection<String> known) {
    if (known.contains(key)) {
      return Optional.empty();
    }
    String lower = key.toLowerCase(Locale.ROOT);
    int allowed = Math.min(MAX_EDITS, Math.max(1, (key.length() + 2) / 3));
    String best = null;
    int bestEdits = Integer.MAX_VALUE;
    for (String candidate : known) {
      int edits = edits(lower, candidate.toLowerCase(Locale.ROOT));
      if (edits <= allowed && (edits < bestEdits || edits == bestEdits && candidate.compareTo(best) < 0)) {
        best = candidate;
        bestEdits = edits;
      }
    }
    return Optional.ofNullable(best);
  }

  /** {@code did you mean 'path'?} for the {@link #closest} known key; empty when none is close. */
  public static Optional<String> didYouMean(String key, Collection<String> known) {
    return closest(key, known).map(k -> "did you mean '" + k + "'?");
  }

  /** The optimal-string-alignment distance: Levenshtein plus the swap of two neighbouring characters. */
  static int edits(String a, String b) {
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
