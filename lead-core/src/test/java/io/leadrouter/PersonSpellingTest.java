package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An erasure's e-mail address as an operator pastes it (from a web page, a mail client, a macOS terminal) finds the
 * person's leads: such a spelling used to match nothing, and the receipt said "erased" with 0 rows everywhere.
 */
class PersonSpellingTest {
  private static final Lead ZOE = MarketplaceCodec.standard().fromJson(
      "{\"UserDetails\":{\"Email\":\"Zo\u00EB.M\u00FCller@contoso.com\"},\"LeadSource\":\"SPZA-Create|x\"}"
          .getBytes(StandardCharsets.UTF_8));
  private static final byte[] RAW = "{\"UserDetails\":{\"Email\":\"zo\\u00eb.m\u00FCller@contoso.com\"}}"
      .getBytes(StandardCharsets.UTF_8);

  @ParameterizedTest
  @ValueSource(strings = {
      "zo\u00EB.m\u00FCller@contoso.com",
      "ZO\u00CB.M\u00DCLLER@CONTOSO.COM",
      "zoe\u0308.mu\u0308ller@contoso.com", // decomposed (NFD), as a macOS terminal may give it
      "zo\u00EB.m\u00FCller@contoso.com\u00A0", // a no-break space copied from a web page
      "\u200Bzo\u00EB.m\u00FCller@contoso.com\uFEFF",
      " \tmailto:zo\u00EB.m\u00FCller@contoso.com ",
      "MAILTO:zo\u00EB.m\u00FCller@contoso.com"})
  void byEmail_pastedSpellings_matchTheLeadAndItsRawBytes(String spelling) {
    Person p = Person.byEmail(spelling);

    assertThat(p.matches(ZOE)).as(p.value()).isTrue();
    assertThat(p.appearsIn(RAW)).as(p.value()).isTrue();
    assertThat(p.toString()).doesNotContain("ller");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Zo\u00EB <zo\u00EB.m\u00FCller@contoso.com>", "<zo\u00EB.m\u00FCller@contoso.com>",
      "\"Zo\u00EB M\u00FCller\" <zo\u00EB.m\u00FCller@contoso.com>"})
  void byEmail_nameAndAddress_refusedSayingToGiveTheAddressAlone(String spelling) {
    assertThatThrownBy(() -> Person.byEmail(spelling)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("holds the address in angle brackets (Name <address>, as a mail client copies it):"
            + " give the address alone")
        .hasMessageNotContaining("ller@");
  }

  @ParameterizedTest
  @ValueSource(strings = {"\"john <doe>\"@contoso.com", "\"zo\u00EB m\u00FCller\"@contoso.com"})
  void byEmail_quotedLocalPart_keptAsAnAddress(String spelling) {
    assertThat(Person.byEmail(spelling).value()).isEqualTo(spelling);
  }

  @ParameterizedTest
  @ValueSource(strings = {"zo\u00EB.m\u00FCller@contoso.co", "bzo\u00EB.m\u00FCller@contoso.com",
      "zoe.muller@contoso.com"})
  void byEmail_anotherAddress_matchesNothing(String other) {
    assertThat(Person.byEmail(other).matches(ZOE)).isFalse();
    assertThat(Person.byEmail(other).appearsIn(RAW)).isFalse();
  }

  /**
   * The intake keeps a phone as sent, so a lead's number in full-width or Arabic-Indic digits was never found by an
   * erasure given in ASCII digits (nor the other way round): 'nothing held', the person's data left in place.
   */
  @ParameterizedTest
  @ValueSource(strings = {
      "\uFF0B\uFF11 \uFF14\uFF12\uFF15 \uFF15\uFF15\uFF15 \uFF10\uFF11\uFF10\uFF10", // full-width
      "+\u0661 \u0664\u0662\u0665 \u0665\u0665\u0665 \u0660\u0661\u0660\u0660", // Arabic-Indic
      "+1\u2013425\u2013555\u20130100", // en dashes
      "\uFF0B1\u3000\uFF08425\uFF09\u3000555\uFF0D0100", // ideographic spaces, full-width ( ) -
      // bidirectional marks and isolates an Arabic or Hebrew page puts around a number's groups, a zero-width space:
      // the lead was found (by its digits), its quarantined payload or torn file line was not, and stayed
      "\u200F+1\u200E425\u200E555\u200E0100",
      "+1\u2066425\u2069 555\u200B0100",
      "+\u0661\u061C\u0664\u0662\u0665\u061C\u0665\u0665\u0665\u061C\u0660\u0661\u0660\u0660"})
  void byPhone_digitsOfAnyScript_matchTheLeadAndItsRawBytes(String sent) {
    Lead lead = MarketplaceCodec.standard().fromJson(("{\"UserDetails\":{\"Email\":\"p@contoso.com\",\"Phone\":\""
        + sent + "\"},\"LeadSource\":\"SPZA-Create|x\"}").getBytes(StandardCharsets.UTF_8));
    byte[] raw = ("{\"Phone\":\"" + sent + "\"}").getBytes(StandardCharsets.UTF_8);

    assertThat(Person.byPhone("+1 (425) 555-0100").matches(lead)).as(sent).isTrue();
    assertThat(Person.byPhone(sent).matches(lead)).as(sent).isTrue();
    assertThat(Person.byPhone("+1 (425) 555-0100").appearsIn(raw)).as(sent).isTrue();
    assertThat(Person.byPhone("+1 425 555 0199").matches(lead)).isFalse();
    assertThat(Person.byPhone("+1 425 555 0199").appearsIn(raw)).isFalse();
  }

  /**
   * A phone with an extension behind the number asked for is not that person's (a switchboard's number is shared by
   * colleagues): it is not matched, and its extension is told so that the caller can give it (erasing by the bare
   * number found nothing and said nothing about them).
   */
  @ParameterizedTest
  @ValueSource(strings = {"+1 425 555 0100 ext. 12", "+1-425-555-0100x12", "+1 (425) 555-0100 Extension 12",
      "tel:+14255550100;ext=12", "+1 425 555 0100, #12", "\uFF0B\uFF11 \uFF14\uFF12\uFF15 \uFF15\uFF15\uFF15 \uFF10\uFF11\uFF10\uFF10 ext \uFF11\uFF12"})
  void byPhone_theNumberWithAnExtension_isNotMatched_itsExtensionTold(String sent) {
    Lead lead = MarketplaceCodec.standard().fromJson(("{\"UserDetails\":{\"Email\":\"p@contoso.com\",\"Phone\":\""
        + sent + "\"},\"LeadSource\":\"SPZA-Create|x\"}").getBytes(StandardCharsets.UTF_8));

    assertThat(Person.byPhone("+1 (425) 555-0100").matches(lead)).as(sent).isFalse();
    assertThat(Person.byPhone("+1 (425) 555-0100").extensionOf(lead)).as(sent).hasValue("12");
    assertThat(Person.byPhone("+1 425 555 0100 ext. 12").matches(lead)).as("given with it: " + sent).isTrue();
    assertThat(Person.byPhone("+1 425 555 0199").extensionOf(lead)).as(sent).isEmpty();
    assertThat(Person.byPhone("+1 425 555 0100 ext. 12").extensionOf(lead)).as(sent).isEmpty();
    // the raw bytes (a quarantined payload, a torn file line) alike: the bare number erased the colleague's payload
    byte[] raw = ("{\"Phone\":\"" + sent + "\"}").getBytes(StandardCharsets.UTF_8);
    assertThat(Person.byPhone("+1 (425) 555-0100").appearsIn(raw)).as(sent).isFalse();
    assertThat(Person.byPhone("+1 425 555 0100 ext. 12").appearsIn(raw)).as(sent).isTrue();
  }

  /**
   * A body whose request declared windows-1252 is read in it and, when quarantined, kept as received: the person's
   * "ë" is one byte there, which read as UTF-8 matched nothing.
   */
  @org.junit.jupiter.api.Test
  void byEmail_rawBytesInWindows1252_matchTheAddress() {
    byte[] raw = "{\"UserDetails\":{\"Email\":\"Zo\u00EB.M\u00FCller@contoso.com\",\"email\":\"x\"}}"
        .getBytes(java.nio.charset.Charset.forName("windows-1252"));

    assertThat(Person.byEmail("zo\u00EB.m\u00FCller@contoso.com").appearsIn(raw)).isTrue();
    assertThat(Person.byEmail("zoe.muller@contoso.com").appearsIn(raw)).isFalse();
  }

  /**
   * An internationalised domain is one mailbox whether written in Unicode or in its ASCII form (IDNA, {@code xn--}):
   * an erasure given in the other spelling than the lead's matched nothing, and its receipt said 0 leads.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
      "j\u00FCrgen@b\u00FCcher.de, j\u00FCrgen@xn--bcher-kva.de",
      "j\u00FCrgen@xn--bcher-kva.de, j\u00FCrgen@b\u00FCcher.de",
      "J\u00DCRGEN@B\u00DCCHER.DE, j\u00FCrgen@XN--BCHER-KVA.DE",
      "ivan@\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444, ivan@xn--e1afmkfd.xn--p1ai"})
  void byEmail_domainInUnicodeOrAscii_matchTheLeadAndItsRawBytes(String leads, String given) {
    Lead lead = MarketplaceCodec.standard().fromJson(("{\"UserDetails\":{\"Email\":\"" + leads + "\"},"
        + "\"LeadSource\":\"SPZA-Create|x\"}").getBytes(StandardCharsets.UTF_8));
    byte[] raw = ("{\"UserDetails\":{\"Email\":\"" + leads + "\",\"email\":\"x\"}}").getBytes(StandardCharsets.UTF_8);

    assertThat(Person.byEmail(given).matches(lead)).as(given).isTrue();
    assertThat(Person.byEmail(given).appearsIn(raw)).as(given).isTrue();
    assertThat(Person.byEmail("j\u00FCrgen@xn--bcher-kva.com").matches(lead)).isFalse();
    assertThat(Person.byEmail("j\u00FCrgen@xn--bcher-kva.com").appearsIn(raw)).isFalse();
  }
}
