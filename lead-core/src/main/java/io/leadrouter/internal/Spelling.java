package io.leadrouter.internal;

import java.util.Arrays;
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
  /** The longest key or name a suggestion is looked for: real ones are short, a hostile file's need none. */
  private static final int MAX_LENGTH = 100;

  private Spelling() {}

  /**
   * The known key closest to {@code key}: one differing only in case, else one at most two edits away (and at most
   * a third of {@code key}'s length, so that a short word is not "corrected" into another); the alphabetically first
   * on a tie; empty when none is that close, {@code key} is itself known, or it is over 100 characters long.
   */
  public static Optional<String> closest(String key, Collection<String> known) {
    if (known.contains(key) || key.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    String lower = key.toLowerCase(Locale.ROOT);
    int allowed = Math.min(MAX_EDITS, Math.max(1, (key.length() + 2) / 3));
    String best = null;
    int bestEdits = Integer.MAX_VALUE;
    for (String candidate : known) {
      int edits = edits(lower, candidate.toLowerCase(Locale.ROOT), allowed);
      if (edits <= allowed && (edits < bestEdits || edits == bestEdits && candidate.compareTo(best) < 0)) {
        best = candidate;
        bestEdits = edits;
      }
    }
    return Optional.ofNullable(best);
  }

  /**
   * The names, as many as fit in about 200 characters, then how many there are in all; {@code none} for none. A
   * problem repeating hundreds of names (or a few of a thousand characters) is no help, and a file of hundreds of
   * such problems made a message of 160 MB.
   */
  public static String listed(Collection<String> names) {
    if (names.isEmpty()) {
      return "none";
    }
    StringBuilder out = new StringBuilder();
    for (String name : names) {
      if (out.length() + name.length() > 200) {
        return out + "... (" + names.size() + " in all)";
      }
      out.append(name).append(", ");
    }
    return out.substring(0, out.length() - 2);
  }

  /** {@code did you mean 'path'?} for the {@link #closest} known key; empty when none is close. */
  public static Optional<String> didYouMean(String key, Collection<String> known) {
    return closest(key, known).map(k -> "did you mean '" + k + "'?");
  }

  /**
   * The optimal-string-alignment distance (Levenshtein plus the swap of two neighbouring characters), or
   * {@code limit + 1} when it is more than {@code limit}. Only the cells at most {@code limit} off the diagonal are
   * computed, three rows at a time: the full table of two 1,000-character names is a million cells, and a hostile
   * descriptor of a few hundred such sink names, each looked up against the others, took hours to be refused.
   */
  public static int edits(String a, String b, int limit) {
    if (Math.abs(a.length() - b.length()) > limit) {
      return limit + 1;
    }
    int far = limit + 1;
    // rows of the table, each cell (i, j) at [j - i + limit]; outside the band a cell counts as too far
    int[] before = new int[2 * limit + 1];
    int[] previous = new int[2 * limit + 1];
    int[] row = new int[2 * limit + 1];
    Arrays.fill(before, far);
    Arrays.fill(previous, far);
    for (int j = 0; j <= Math.min(b.length(), limit); j++) {
      previous[j + limit] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      Arrays.fill(row, far);
      int best = far;
      if (i <= limit) {
        row[limit - i] = i;
        best = i;
      }
      for (int j = Math.max(1, i - limit); j <= Math.min(b.length(), i + limit); j++) {
        int k = j - i + limit;
        int v = previous[k] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        if (k + 1 < row.length) {
          v = Math.min(v, previous[k + 1] + 1);
        }
        if (k > 0) {
          v = Math.min(v, row[k - 1] + 1);
        }
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          v = Math.min(v, before[k] + 1);
        }
        row[k] = Math.min(v, far);
        best = Math.min(best, row[k]);
      }
      if (best > limit) {
        return far; // no cell of a later row can be nearer than this row's nearest
      }
      int[] reused = before;
      before = previous;
      previous = row;
      row = reused;
    }
    return previous[b.length() - a.length() + limit];
  }
}
