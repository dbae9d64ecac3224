package io.leadrouter.internal.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Country spellings real senders use (ISO 3166's own English names among them) and what they must not match. */
class CountriesTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "UK|GB", "u.k.|GB", "EL|GR", "el|GR", "Hellenic Republic|GR", "Greece|GR", "Great Britain|GB", "United Kingdom of Great Britain and Northern Ireland|GB",
      "United States of America|US", "U.S.A.|US", "u.s.|US", "Côte d'Ivoire|CI", "Cote d’Ivoire|CI",
      "COTE D'IVOIRE|CI", "Ivory Coast|CI", "Korea, Republic of|KR", "Korea (the Republic of)|KR",
      "Russian Federation|RU", "Viet Nam|VN", "Türkiye|TR", "Czech Republic|CZ", "Hong Kong|HK",
      "The Netherlands|NL", "Netherlands, The|NL", "Bosnia and Herzegovina|BA", "Saint Kitts and Nevis|KN",
      "St Lucia|LC", "Sao Tome and Principe|ST", "Curacao|CW", "Iran (Islamic Republic of)|IR", "Holy See|VA",
      "Bolivia (Plurinational State of)|BO", "Virgin Islands (U.S.)|VI", "Guinea-Bissau|GW"})
  void isoNamesAndCommonSpellings_nameTheirCountry(String sent, String alpha2) {
    assertThat(Countries.alpha2(sent)).contains(alpha2);
  }

  /** Checked by hand against ISO 3166-1 (leading zeros as ISO writes them); numeric codes were kept as sent. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"840|US", "276|DE", "036|AU", "004|AF", "008|AL", "826|GB", "250|FR",
      "392|JP", "156|CN", "356|IN", "076|BR", "124|CA", "724|ES", "528|NL", "158|TW", "344|HK", "688|RS",
      "728|SS", "' 840 '|US"})
  void numericCodes_nameTheirCountry(String sent, String alpha2) {
    assertThat(Countries.alpha2(sent)).contains(alpha2);
  }

  /** Numbers ISO assigns to no country (or not as three digits) name none: kept as sent and flagged unknown. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"000", "900", "999", "001", "36", "0036", "8.40", "84 0", "+840"})
  void numbersNamingNoCountry_nameNone(String sent) {
    assertThat(Countries.alpha2(sent)).isEmpty();
  }

  @Test
  void numericTable_249CountriesOnceEach_allOfThemJdkIsoCountries() {
    Map<String, String> table = new HashMap<>();
    for (String pair : Countries.NUMERIC.split(" ")) {
      assertThat(pair).matches("[0-9]{3}[A-Z]{2}");
      assertThat(table.put(pair.substring(0, 3), pair.substring(3))).as(pair).isNull();
    }
    assertThat(table).hasSize(249);
    assertThat(new HashSet<>(table.values())).hasSize(249);
    assertThat(Set.of(Locale.getISOCountries())).containsAll(table.values());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"Korea", "unknown", "Deutschland", "U", "USAA", "-", "''", "Kosovo"})
  void spellingsNamingNoOneCountry_nameNone(String sent) {
    assertThat(Countries.alpha2(sent)).isEmpty();
  }

  /**
   * A form's "no value" folded into a code before: "N/A" and "#N/A" were read as NA (Namibia), "N/R" as Nauru, "U/K"
   * ("unknown") as GB, and the lead went to the CRM with that country. Kept as sent (and flagged) instead.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"N/A", "n/a", "#N/A", "N.A.", "n.a.", "N / A", "N/R", "N/C", "U/K", "u/k",
      "N/P", "?"})
  void placeholdersForNoValue_nameNoCountry(String sent) {
    assertThat(Countries.alpha2(sent)).isEmpty();
  }

  /** The codes themselves, and the codes spelled with dots, still name their country. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"NA|NA", "na|NA", "Namibia|NA", "UK|GB", "U.K.|GB", "NR|NR", "nc|NC"})
  void codesBesideThosePlaceholders_stillNameTheirCountry(String sent, String alpha2) {
    assertThat(Countries.alpha2(sent)).contains(alpha2);
  }

  @Test
  void everyOtherName_namesItsCountry_noneLostToAnAmbiguity_andTheJdkNamesStillDo() {
    for (String[] names : Countries.OTHER_NAMES) {
      for (int i = 1; i < names.length; i++) {
        assertThat(Countries.alpha2(names[i])).as(names[i]).contains(names[0]);
      }
    }
    for (String alpha2 : Locale.getISOCountries()) {
      String name = new Locale.Builder().setRegion(alpha2).build().getDisplayCountry(Locale.ENGLISH);
      assertThat(Countries.alpha2(name)).as(name).contains(alpha2);
      assertThat(Countries.alpha2(alpha2.toLowerCase(Locale.ROOT))).as(alpha2).contains(alpha2);
    }
  }

  /**
   * Before: a country picker's "name (code)" or "code - name" ({@code Germany (DE)}, {@code US - United States}) was
   * kept as sent and flagged unknown, so a CRM with a country picklist (Salesforce's State and Country picklists)
   * refused the lead; both parts naming one country is that country.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"Germany (DE)|DE", "United States (US)|US", "Great Britain (UK)|GB",
      "DE - Germany|DE", "US \u2013 United States of America|US", "FR: France|FR", "Japan (JPN)|JP",
      "'  Viet Nam (VN) '|VN"})
  void nameAndCodeOfOneCountry_nameThatCountry(String sent, String alpha2) {
    assertThat(Countries.alpha2(sent)).contains(alpha2);
  }

  /** Two countries, or a part that names none, name no country: kept as sent and flagged. */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"Georgia (US)", "DE - France", "Korea (South)", "Germany (EU)", "US - CA",
      "Jersey (US)"})
  void namesOfTwoCountriesOrOfNone_nameNone(String sent) {
    assertThat(Countries.alpha2(sent)).isEmpty();
  }
}
