package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.internal.intake.LeadNormalizer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Before: a full-width {@code ａ@ｂ.com} (a CJK input method's) was accepted as it stood, unflagged, and
 * {@code john＠contoso.com} was flagged "has no @": no CRM matched either to the customer's plain address, nor could
 * the person be erased by it. An address that is one valid address in Unicode's compatibility form (NFKC) is that
 * address, flagged with the value as sent (masked); one that is not is kept and flagged.
 */
class EmailCompatibilityFormTest {
  private static Lead withEmail(String email) {
    ReadResult r = MarketplaceCodec.standard().read(("{\"UserDetails\":{\"Email\":\"" + email + "\"},\"LeadSource\":"
        + "\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(r).isInstanceOf(ReadResult.Readable.class);
    return ((ReadResult.Readable) r).lead();
  }

  /**
   * Reads a lead sent with the address {@code sent} and checks it is the plain address: the lead holds {@code plain},
   * an erasure by {@code plain} matches it, and normalising it again (route() after intake) changes nothing.
   */
  private static Lead readAsThePlainAddress(String sent, String plain) {
    Lead lead = withEmail(sent);
    assertThat(lead.customer().email()).isEqualTo(plain);
    assertThat(Person.byEmail(plain).matches(lead)).isTrue();
    assertThat(LeadNormalizer.normalize(lead)).isEqualTo(lead);
    return lead;
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "\uFF41@\uFF42.com|a@b.com|U+FF41 at position 1 and 1 more are the forms of plain characters",
      "john\uFF20contoso.com|john@contoso.com|U+FF20 at position 5 is the form of plain characters",
      "jo\u0308hn\uFF20contoso.com|j\u00F6hn@contoso.com|U+FF20 at position 6 is the form of plain characters and"
          + " combining marks are composed with their letters",
      "jo\u0308hn@contoso.com|j\u00F6hn@contoso.com|combining marks are composed with their letters",
      "\uFF4A\uFF4F\uFF48\uFF4E@\uFF43\uFF4F\uFF4E\uFF54\uFF4F\uFF53\uFF4F\uFF0E\uFF43\uFF4F\uFF4D|john@contoso.com|"
          + "U+FF4A at position 1 and 14 more are the forms of plain characters"})
  void addressInCompatibilityCharacters_isThePlainAddress_flaggedWithTheValueAsSentMasked(String sent, String plain,
      String forms) {
    Lead lead = readAsThePlainAddress(sent, plain);

    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_NORMALISED);
      assertThat(f.path()).isEqualTo("UserDetails.Email");
      assertThat(f.message()).isEqualTo("read it in Unicode's compatibility form (NFKC), in which " + forms
          + ", and so it is one valid address; the value as sent is this flag's original");
      assertThat(f.original()).contains("***").isNotEqualTo(sent);
      assertThat(f.toString() + f.original()).doesNotContain("john", "\uFF4A\uFF4F\uFF48\uFF4E@");
    });
  }

  @Test
  void whiteSpaceAroundAndFullWidthInside_areOneFlagSayingBoth() {
    Lead lead = withEmail(" john\uFF20contoso.com\u00A0");

    assertThat(lead.customer().email()).isEqualTo("john@contoso.com");
    assertThat(lead.flags()).singleElement().satisfies(f -> assertThat(f.message()).isEqualTo("removed U+0020"
        + " before the address and U+00A0 after it; and read it in Unicode's compatibility form (NFKC), in which"
        + " U+FF20 at position 5 is the form of plain characters, and so it is one valid address; the value as sent"
        + " is this flag's original"));
  }

  /**
   * The ideographic full stop U+3002 is the dot a Chinese or Japanese input method types ({@code jane@contoso。com}); IDNA
   * reads it as the dot between domain labels (RFC 3490 section 3.1), as {@code java.net.IDN} and mail systems do.
   * Before, such an address was flagged "the domain has no dot (like contoso.com)", kept as sent, matched no CRM
   * record, while the full-width {@code ．} was read as the dot.
   */
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "jane@contoso\u3002com|jane@contoso.com|read U+3002 at position 13 as the dot between the domain's labels",
      "jane@mail\u3002contoso\uFF61co\u3002jp|jane@mail.contoso.co.jp|read U+3002 at position 10 and U+FF61 at"
          + " position 18 and U+3002 at position 21 as the dot between the domain's labels",
      "jane\uFF20contoso\u3002com|jane@contoso.com|read it in Unicode's compatibility form (NFKC), in which U+FF20 at"
          + " position 5 is the form of plain characters; and read U+3002 at position 13 as the dot between the"
          + " domain's labels"})
  void ideographicFullStopInTheDomain_isItsDot_flaggedWithTheValueAsSent(String sent, String plain, String read) {
    Lead lead = readAsThePlainAddress(sent, plain);

    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_NORMALISED);
      assertThat(f.message()).isEqualTo(read + ", as IDNA reads an ideographic full stop (RFC 3490 section 3.1), and"
          + " so it is one valid address; the value as sent is this flag's original");
      assertThat(f.original()).startsWith("j***").doesNotContain("jane");
    });
  }

  /** Before the @ an ideographic full stop separates nothing: kept as sent and flagged. */
  @Test
  void ideographicFullStopBeforeTheAt_isKeptAsSent_andFlagged() {
    Lead lead = withEmail("jane\u3002doe@contoso.com");

    assertThat(lead.customer().email()).isEqualTo("jane\u3002doe@contoso.com");
    assertThat(lead.flags()).singleElement().satisfies(f -> assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_INVALID));
  }

  /** U+2488 is "1." in compatibility form: the plain address would end its local part with a dot. */
  @Test
  void addressThatIsNoAddressInCompatibilityForm_isKeptAsSent_andFlagged() {
    Lead lead = withEmail("a\u2488@contoso.com");

    assertThat(lead.customer().email()).isEqualTo("a\u2488@contoso.com");
    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.EMAIL_INVALID);
      assertThat(f.message()).endsWith("is not an e-mail address: in Unicode's compatibility form (NFKC) U+2488 at"
          + " position 2 is the form of plain characters, and written so it is no address (a dot at the start or end of the part before"
          + " the @, or two dots in a row); send the address in plain characters; kept as sent");
    });
  }
}
