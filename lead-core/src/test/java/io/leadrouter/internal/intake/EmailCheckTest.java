package io.leadrouter.internal.intake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ASCII fast path of {@link EmailCheck} never accepts what the full check refuses, and is taken for plain addresses. */
class EmailCheckTest {
  private static final List<String> VALID_PLAIN = List.of("jane@contoso.com", "j.doe+crm@mail.contoso.co.uk",
      "a@b.cd", "o'brien@x-y.example", "x_y!#$%&*/=?^`{|}~-@a1.b2", "u@" + "l".repeat(63) + ".com",
      "l".repeat(64) + "@contoso.com");

  private static final List<String> EDGES = List.of("", "@", "@contoso.com", "jane@", "jane", "jane@contoso",
      ".jane@contoso.com", "jane.@contoso.com", "ja..ne@contoso.com", "jane@@contoso.com", "ja@ne@contoso.com",
      "jane@-contoso.com", "jane@contoso-.com", "jane@contoso..com", "jane@.contoso.com", "jane@contoso.com.",
      "jane@" + "l".repeat(64) + ".com", "l".repeat(65) + "@contoso.com", "jane doe@contoso.com",
      "jane@contoso.com ", "jane\u200b@contoso.com", "jané@contoso.com", "jane@bücher.de", "jane(x)@contoso.com",
      "jane@contoso_x.com", "jane\"@contoso.com", "jane@contoso.c", "x@" + "a.".repeat(130) + "com");

  @Test
  void quotedLocalPartsAndAddressLiterals_areAddresses_andTheirBrokenFormsSayWhy() {
    // RFC 5321 sections 4.1.2 and 4.1.3: before, each was flagged EMAIL_INVALID ('white space U+0020 at position 6',
    // 'the domain has no dot'), and a Marketo destination refused the lead as MARKETO_INVALID_EMAIL
    for (String e : List.of("\"john doe\"@contoso.com", "\"john@home\"@contoso.com", "\"a\\\"b\"@contoso.com",
        "\"\"@contoso.com", "jane@[192.0.2.1]", "jane@[IPv6:2001:db8::1]", "jane@[IPv6:::ffff:192.0.2.1]",
        "\"ösel\"@bücher.de")) {
      assertThat(EmailCheck.problem(e)).as(e).isEmpty();
    }
    assertThat(EmailCheck.problem("jane@[192.0.2.256]")).hasValue("the address literal [...] after the @ is no IPv4"
        + " address");
    assertThat(EmailCheck.problem("jane@[IPv6:2001:db8::g]")).hasValue("the address literal [IPv6:...] after the @"
        + " is no IPv6 address");
    assertThat(EmailCheck.problem("jane@[contoso.com]")).hasValue("the address literal [...] after the @ is no IPv4"
        + " address");
    assertThat(EmailCheck.problem("\"john\u200bdoe\"@contoso.com")).hasValue("invisible character U+200B at"
        + " position 6");
    assertThat(EmailCheck.problem("\"john doe\"@contoso")).hasValue("the domain has no dot (like contoso.com)");
    assertThat(EmailCheck.problem("\"" + "j".repeat(63) + "\"@contoso.com")).hasValue("65 characters before the @,"
        + " over 64");
    assertThat(EmailCheck.problem("\"john doe@contoso.com")).as("never closed").isPresent();
  }

  @Test
  void plainAddresses_takeTheFastPath() {
    for (String e : VALID_PLAIN) {
      assertThat(EmailCheck.plainAsciiAddress(e)).as(e).isTrue();
      assertThat(EmailCheck.fullCheck(e)).as(e).isEmpty();
    }
  }

  @Test
  void edges_sameVerdictAndReasonAsTheFullCheck() {
    for (String e : EDGES) {
      assertThat(EmailCheck.problem(e)).as(e).isEqualTo(EmailCheck.fullCheck(e));
    }
    assertThat(EmailCheck.problem("ja..ne@contoso.com")).hasValueSatisfying(r -> assertThat(r).contains("two dots"));
  }

  @Test
  void fastPath_neverAcceptsWhatTheFullCheckRefuses_randomised() {
    String alphabet = "ab.-@_+Z9é \u200b";
    Random random = new Random(42);
    int accepted = 0;
    for (int i = 0; i < 50_000; i++) {
      // mostly address-shaped (local@label.label), each part of random characters, some holding a second @
      String e = part(random, alphabet) + "@" + part(random, alphabet) + "." + part(random, alphabet);
      if (EmailCheck.plainAsciiAddress(e)) {
        accepted++;
        assertThat(EmailCheck.fullCheck(e)).as(e).isEmpty();
      }
      assertThat(EmailCheck.problem(e).isPresent()).as(e).isEqualTo(EmailCheck.fullCheck(e).isPresent());
    }
    assertThat(accepted).as("the fast path is exercised").isGreaterThan(100);
  }

  private static String part(Random random, String alphabet) {
    StringBuilder b = new StringBuilder();
    int length = random.nextInt(5);
    for (int j = 0; j < length; j++) {
      b.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
