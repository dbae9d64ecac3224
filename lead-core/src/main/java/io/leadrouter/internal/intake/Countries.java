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
 * alpha-3 codes and English names, in any case; ISO 3166-1 numeric codes ({@code 840}, {@code 036}); also ISO
 * 3166's own English short names where the JDK's names differ ({@code United States of America},
 * {@code Korea, Republic of}, {@code Viet Nam}), common English names
 * ({@code UK}, {@code Great Britain}, {@code Ivory Coast}, {@code Czech Republic}), and spellings that differ only in
 * accents, apostrophes, dots, commas, brackets, {@code &}/{@code and}, {@code St.}/{@code Saint} or a {@code the}
 * ({@code Cote d'Ivoire}, {@code U.S.A.}, {@code The Netherlands}). A spelling that could mean two countries maps to
 * none, and so does a form's "no value" that folds into a code ({@code N/A}, {@code #N/A}, {@code U/K}).
 */
public final class Countries {
  /** Exact spellings in upper case: the fast path for what nearly every lead sends ({@code US}, {@code USA}). */
  private static final Map<String, String> BY_SPELLING;
  /** Spellings folded by {@link #fold}: accents, punctuation, "the", "&" and "St." left out. */
  private static final Map<String, String> BY_FOLDED;
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern NOT_WORD = Pattern.compile("[^\\p{L}\\p{N}]+");
  /** What no code is spelled with, but forms' "no value" is ({@code N/A}, {@code #N/A}). */
  private static final Pattern PLACEHOLDER = Pattern.compile("[/\\\\#?]");

  /**
   * ISO 3166-1's English short names where the JDK's display names differ, and common English names that mean one
   * country only ({@code UK} is ISO's "exceptionally reserved" code for GB, {@code EL} the EU's code for GR).
   * Alpha-2 first, then its spellings.
   */
  static final String[][] OTHER_NAMES = {
      {"US", "United States of America"},
      // EL: the European Commission's code for Greece (EU VAT numbers, Eurostat), as UK is its code for GB; ISO
      // assigns EL to no country, so it can mean nothing else
      {"GR", "EL", "Hellenic Republic", "Hellas"},
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

  /**
   * ISO 3166-1 numeric codes (three digits, leading zeros written) with their alpha-2 code, all 249 countries as
   * ISO assigns them (taken from Debian's iso-codes 4.15, {@code iso_3166-1.json}); "numeric alpha-2" pairs.
   */
  static final String NUMERIC =
      "004AF 008AL 010AQ 012DZ 016AS 020AD 024AO 028AG 031AZ 032AR 036AU 040AT 044BS 048BH 050BD 051AM 052BB 056BE "
      + "060BM 064BT 068BO 070BA 072BW 074BV 076BR 084BZ 086IO 090SB 092VG 096BN 100BG 104MM 108BI 112BY 116KH 120CM "
      + "124CA 132CV 136KY 140CF 144LK 148TD 152CL 156CN 158TW 162CX 166CC 170CO 174KM 175YT 178CG 180CD 184CK 188CR "
      + "191HR 192CU 196CY 203CZ 204BJ 208DK 212DM 214DO 218EC 222SV 226GQ 231ET 232ER 233EE 234FO 238FK 239GS 242FJ "
      + "246FI 248AX 250FR 254GF 258PF 260TF 262DJ 266GA 268GE 270GM 275PS 276DE 288GH 292GI 296KI 300GR 304GL 308GD "
      + "312GP 316GU 320GT 324GN 328GY 332HT 334HM 336VA 340HN 344HK 348HU 352IS 356IN 360ID 364IR 368IQ 372IE 376IL "
      + "380IT 384CI 388JM 392JP 398KZ 400JO 404KE 408KP 410KR 414KW 417KG 418LA 422LB 426LS 428LV 430LR 434LY 438LI "
      + "440LT 442LU 446MO 450MG 454MW 458MY 462MV 466ML 470MT 474MQ 478MR 480MU 484MX 492MC 496MN 498MD 499ME 500MS "
      + "504MA 508MZ 512OM 516NA 520NR 524NP 528NL 531CW 533AW 534SX 535BQ 540NC 548VU 554NZ 558NI 562NE 566NG 570NU "
      + "574NF 578NO 580MP 581UM 583FM 584MH 585PW 586PK 591PA 598PG 600PY 604PE 608PH 612PN 616PL 620PT 624GW 626TL "
      + "630PR 634QA 638RE 642RO 643RU 646RW 652BL 654SH 659KN 660AI 662LC 663MF 666PM 670VC 674SM 678ST 682SA 686SN "
      + "688RS 690SC 694SL 702SG 703SK 704VN 705SI 706SO 710ZA 716ZW 724ES 728SS 729SD 732EH 740SR 744SJ 748SZ 752SE "
      + "756CH 760SY 762TJ 764TH 768TG 772TK 776TO 780TT 784AE 788TN 792TR 795TM 796TC 798TV 800UG 804UA 807MK 818EG "
      + "826GB 831GG 832JE 833IM 834TZ 840US 850VI 854BF 858UY 860UZ 862VE 876WF 882WS 887YE 894ZM";

  /** The numeric codes, looked up exactly: {@code 840}, never a spelling folded into three digits. */
  private static final Map<String, String> BY_NUMERIC;

  static {
    Map<String, String> numeric = new HashMap<>();
    for (String pair : NUMERIC.split(" ")) {
      numeric.put(pair.substring(0, 3), pair.substring(3));
    }
    BY_NUMERIC = Map.copyOf(numeric);
  }

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

  /** {@code Germany (DE)}: a name and, in brackets, a code, as country pickers show them. */
  private static final Pattern NAME_AND_CODE = Pattern.compile("(.+?)\\s*\\(([^()]+)\\)\\s*");
  /** {@code DE - Germany}: a code, a dash or colon between spaces, a name. */
  private static final Pattern CODE_AND_NAME = Pattern.compile("(.+?)(?:\\s+[-\u2013\u2014]|\\s*:)\\s+(.+)");

  /**
   * The ISO alpha-2 code the text unambiguously names, if it names one; also when it names one country twice, as a
   * country picker writes it ({@code Germany (DE)}, {@code DE - Germany}): both parts must name that one country
   * ({@code Georgia (US)}, the state, names two and so none).
   */
  public static Optional<String> alpha2(String text) {
    Optional<String> one = single(text);
    if (one.isPresent()) {
      return one;
    }
    for (Pattern twice : new Pattern[] {NAME_AND_CODE, CODE_AND_NAME}) {
      java.util.regex.Matcher m = twice.matcher(text.strip());
      if (m.matches()) {
        Optional<String> first = single(m.group(1));
        if (first.isPresent() && first.equals(single(m.group(2)))) {
          return first;
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> single(String text) {
    String numeric = BY_NUMERIC.get(text.strip());
    if (numeric != null) {
      return Optional.of(numeric);
    }
    String exact = BY_SPELLING.get(key(text));
    if (exact != null) {
      return Optional.of(exact);
    }
    String folded = fold(text);
    if (PLACEHOLDER.matcher(text).find() || folded.equals("NA")) {
      // a form's "no value", not a country: N/A, n/a, #N/A (a spreadsheet's missing value), N/R, N/C, U/K ("unknown")
      // folded into Namibia, Nauru, New Caledonia and Britain; "N.A." is "not available" as often as Namibia. Which
      // is meant cannot be told, so they are kept as sent and flagged (no country name holds a / # or ?)
      return Optional.empty();
    }
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
