package io.leadrouter.internal.intake;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Country spellings the marketplace sends, mapped to ISO 3166 alpha-2 from the JDK's own ISO tables: alpha-2 and
 * alpha-3 codes and English names, in any case. A spelling that could mean two countries maps to none.
 */
public final class Countries {
  private static final Map<String, String> BY_SPELLING;

  static {
    Map<String, String> map = new HashMap<>();
    Set<String> ambiguous = new HashSet<>();
    for (String alpha2 : Locale.getISOCountries()) {
      Locale l = new Locale.Builder().setRegion(alpha2).build();
      put(map, ambiguous, alpha2, alpha2);
      try {
        put(map, ambiguous, l.getISO3Country(), alpha2);
      } catch (java.util.MissingResourceException e) {
        // a region without an alpha-3 code in this JDK: its alpha-2 and name still map
      }
      String name = l.getDisplayCountry(Locale.ENGLISH);
      if (!name.isEmpty() && !name.equalsIgnoreCase(alpha2)) {
        put(map, ambiguous, name, alpha2);
      }
    }
    ambiguous.forEach(map::remove);
    BY_SPELLING = Map.copyOf(map);
  }

  private Countries() {}

  private static void put(Map<String, String> map, Set<String> ambiguous, String spelling, String alpha2) {
    String key = key(spelling);
    String old = map.putIfAbsent(key, alpha2);
    if (old != null && !old.equals(alpha2)) {
      ambiguous.add(key);
    }
  }

  private static String key(String spelling) {
    return spelling.strip().toUpperCase(Locale.ROOT);
  }

  /** The ISO alpha-2 code the text unambiguously names, if it names one. */
  public static Optional<String> alpha2(String text) {
    return Optional.ofNullable(BY_SPELLING.get(key(text)));
  }
}
