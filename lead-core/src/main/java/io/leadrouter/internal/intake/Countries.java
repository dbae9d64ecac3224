package io.leadrouter.internal.intake;

import java.text.Normalizer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Country spellings the marketplace sends, mapped to ISO 3166 alpha-2 from the JDK's own ISO tables: alpha-2 and
 * alpha-3 codes and English names, in any case; also ISO 3166's own English short names where the JDK's names
 * differ ({@code United States of America}, {@code Korea, Republic of}, {@code Viet Nam}), common English names
 * ({@code UK}, {@code Great Britain}, {@code Ivory Coast}, {@code Czech Republic}), and spellings that differ only in
 * accents, apostrophes, dots, commas, brackets, {@code &}/{@code and}, {@code St.}/{@code Saint} or a {@code the}
 * ({@code Cote d'Ivoire}, {@code U.S.A.}, {@code The Netherlands}). A spelling that could mean two countries maps to
 * none.
 */
public final class Countries {
  /** Exact spellings in upper case: the fast path for what nearly every lead sends ({@code US}, {@code USA}). */
  private static final Map<String, String> BY_SPELLING;
  /** Spellings folded by {@link #fold}: accents, punctuation, "the", "&" and "St." left out. */
  private static final Map<String, String> BY_FOLDED;
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");

  /**
   * ISO 3166-1's English short names where the JDK's display names differ, and common English names that mean one
   * country only ({@code UK} is ISO's "exceptionally reserved" code for GB). Alpha-2 first, then its spellings.
   */
  static final String[][] OTHER_NAMES = {
      {"US", "United States of America"},
      {"GB", "UK", "Great Britain", "Britain", "United Kingdom of Great Britain and Northern Ireland", "England",
          "Scotland", "Wales", "Northern Ireland"},
      {"KR", "Korea, Republic of", "Republic of Korea"},
      {"KP", "Korea, Democratic People's Republic of", "Democratic People's Republic of Korea"},
      {"RU", "Russian Federation"},
      {"VN", "Viet Nam"},
      {"TR", "Türkiye", "Republic of Türkiye"},
      {"CZ", "Czech Republic"},
      {"CI", "Côte d'Ivoire", "Ivory Coast"},
      {"HK", "Hong Kong", "Hong Kong SAR"},
      {"MO", "Macao", "Macau", "Macao SAR"},
      {"MK", "Macedonia", "Republic of North Macedonia", "The former Yugoslav Republic of Macedonia"},
      {"IR", "Iran, Islamic Republic of", "Islamic Republic of Iran"},
      {"SY", "Syrian Arab Republic"},
      {"LA", "Lao People's Democratic Republic"},
      {"BO", "Bolivia, Plurinational State of"},
      {"VE", "Venezuela, Bolivarian Republic of"},
      {"TZ", "Tanzania, United Republic of", "United Republic of Tanzania"},
      {"MD", "Moldova, Republic of", "Republic of Moldova"},
      {"PS", "Palestine", "Palestine, State of", "State of Palestine"},
      {"BN", "Brunei Darussalam"},
      {"CV", "Cabo Verde", "Cape Verde"},
      {"SZ", "Eswatini", "Swaziland"},
      {"MM", "Myanmar", "Burma"},
      {"CD", "Congo, The Democratic Republic of the", "Democratic Republic of the Congo", "DR Congo", "DRC"},
      {"CG", "Congo", "Republic of the Congo"},
      {"FM", "Micronesia, Federated States of", "Micronesia"},
      {"TW", "Taiwan, Province of China"},
      {"VA", "Holy See", "Vatican", "Vatican City State"},
      {"FK", "Falkland Islands (Malvinas)"},
      {"BQ", "Bonaire, Sint Eustatius and Saba"},
      {"VI", "Virgin Islands, U.S.", "Virgin Islands (U.S.)"},
      {"VG", "Virgin Islands, British", "Virgin Islands (British)"},
      {"UM", "United States Minor Outlying Islands"},
      {"TL", "East Timor"},
      {"CN", "People's Republic of China", "PRC"},
      {"IE", "Republic of Ireland"},
      {"NL", "Holland"},
      {"AE", "UAE"},
      {"SK", "Slovak Republic"},
      {"KG", "Kyrgyz Republic"},
      {"SH", "Saint Helena, Ascension and Tristan da Cunha"},
      {"MF", "Saint Martin (French part)"},
      {"SX", "Sint Maarten (Dutch part)"},
      {"PN", "Pitcairn"},
      {"GS", "South Georgia and the South Sandwich Islands"},
      {"HM", "Heard Island and McDonald Islands"},
      {"SJ", "Svalbard and Jan Mayen"},
      {"WF", "Wallis and Futuna"},
      {"PM", "Saint Pierre and Miquelon"},
      {"VC", "Saint Vincent and the Grenadines"},
      {"KN", "Saint Kitts and Nevis"},
      {"LC", "Saint Lucia"},
      {"BL", "Saint Barthélemy"},
      {"ST", "Sao Tome and Principe"},
      {"TC", "Turks and Caicos Islands"},
      {"CC", "Cocos (Keeling) Islands"},
      {"IO", "British Indian Ocean Territory"},
      {"TF", "French Southern Territories"}};

  static {
    Map<String, String> exact = new HashMap<>();
    Map<String, String> folded = new HashMap<>();
    Set<String> ambiguous = new HashSet<>();
    Set<String> ambiguousFolded = new HashSet<>();
    for (String alpha2 : Locale.getISOCountries()) {
      Locale l = new Locale.Builder().setRegion(alpha2).build();
      put(exact, ambiguous, key(alpha2), alpha2);
      try {
        put(exact, ambiguous, key(l.getISO3Country()), alpha2);
      } catch (java.util.MissingResourceException e) {
        // a region without an alpha-3 code in this JDK: its alpha-2 and name still map
      }
      String name = l.getDisplayCountry(Locale.ENGLISH);
      if (!name.isEmpty() && !name.equalsIgnoreCase(alpha2)) {
        put(exact, ambiguous, key(name), alpha2);
        put(folded, ambiguousFolded, fold(name), alpha2);
      }
    }
    for (String[] names : OTHER_NAMES) {
      for (int i = 1; i < names.length; i++) {
        put(folded, ambiguousFolded, fold(names[i]), names[0]);
      }
    }
    ambiguous.forEach(exact::remove);
    ambiguousFolded.forEach(folded::remove);
    BY_SPELLING = Map.copyOf(exact);
    BY_FOLDED = Map.copyOf(folded);
  }

  private Countries() {}

  private static void put(Map<String, String> map, Set<String> ambiguous, String key, String alpha2) {
    String old = map.putIfAbsent(key, alpha2);
    if (old != null && !old.equals(alpha2)) {
      ambiguous.add(key);
    }
  }

  private static String key(String spelling) {
    return spelling.strip().toUpperCase(Locale.ROOT);
  }

  /**
   * The spelling without accents, punctuation or white space runs, {@code &} as {@code and}, {@code St} as
   * {@code Saint}, and without the word {@code the}: {@code "Côte d’Ivoire"}, {@code "Cote d'Ivoire"} and
   * {@code "COTE DIVOIRE"} fold alike.
   */
  static String fold(String spelling) {
    String s = Normalizer.normalize(spelling, Normalizer.Form.NFKD);
    s = MARKS.matcher(s).replaceAll("").toUpperCase(Locale.ROOT).replace("&", " AND ");
    // apostrophes and dots join their neighbours (D'IVOIRE, U.S.A.), everything else separates words
    s = s.replaceAll("['’`´.]", "");
    StringBuilder b = new StringBuilder(s.length());
    for (String word : NOT_WORD.split(s)) {
      if (word.isEmpty() || word.equals("THE")) {
        continue;
      }
      b.append(word.equals("ST") ? "SAINT" : word);
    }
    return b.toString();
  }

  /** The ISO alpha-2 code the text unambiguously names, if it names one. */
  public static Optional<String> alpha2(String text) {
    String exact = BY_SPELLING.get(key(text));
    if (exact != null) {
      return Optional.of(exact);
    }
    String folded = fold(text);
    if (folded.length() <= 3) {
      // a folded code ("U.S.", "u-k") is looked up as a code: alpha-2 and alpha-3 codes are in the exact table
      String code = BY_SPELLING.get(folded);
      if (code != null) {
        return Optional.of(code);
      }
    }
    return Optional.ofNullable(BY_FOLDED.get(folded));
  }
}
