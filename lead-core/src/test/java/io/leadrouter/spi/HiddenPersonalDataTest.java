package io.leadrouter.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Pii;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * E-mail addresses and phone numbers written with the Unicode characters a customer's keyboard, a web page or a chat
 * puts inside them: combining marks (a decomposed {@code ö}), variation selectors, bidirectional controls (an Arabic or
 * Hebrew page puts left-to-right marks around a number), full-width digits, brackets, plus and the ideographic space
 * (a Japanese or Chinese input method), Arabic-Indic digits. Each was shown in part or whole in logs before; ordinary
 * text with the same characters is kept.
 */
class HiddenPersonalDataTest {
  /** Each text, and a part of it that must not be shown. */
  private static final List<String[]> HIDDEN = List.of(
      new String[] {"jo\u0308rg.vexcombe@contoso.com", "rg.vexcombe"}, // o + U+0308
      new String[] {"jo\u0308rg@contoso.com", "jo\u0308"},
      new String[] {"jane.vexcombe@bu\u0308cher.de", "jane.vexcombe"}, // the domain decomposed
      new String[] {"ja\u0301ne.vexcombe@contoso.com", "ne.vexcombe"}, // a + combining acute
      new String[] {"jane\uFE0F.vexcombe@contoso.com", "vexcombe"}, // a variation selector
      new String[] {"jane.vexcombe\uFE6Bcontoso.com", "vexcombe"}, // the small commercial at (NFKC: @)
      new String[] {"\u200F+1\u200E425\u200E555\u200E0100", "555"}, // bidi marks between the groups
      new String[] {"\u2066+44 20 7946 0958\u2069", "7946"},
      new String[] {"+1\u202A425\u202C555\u202A0100", "555"},
      new String[] {"\u0664\u0662\u0665\u061C\u0665\u0665\u0665\u061C\u0660\u0661\u0660\u0660", "\u0665\u0665\u0665"},
      new String[] {"\uFF0B\uFF18\uFF11\u3000\uFF13\u3000\uFF11\uFF12\uFF13\uFF14\u3000\uFF15\uFF16\uFF17\uFF18",
          "\uFF11\uFF12\uFF13\uFF14"}, // full-width plus, ideographic spaces
      new String[] {"\uFF08\uFF10\uFF13\uFF09\uFF11\uFF12\uFF13\uFF14\uFF0D\uFF15\uFF16\uFF17\uFF18", "\uFF10\uFF13"},
      new String[] {"\uFF10\uFF13\uFF0E\uFF11\uFF12\uFF13\uFF14\uFF0E\uFF15\uFF16\uFF17\uFF18", "\uFF11\uFF12\uFF13"},
      new String[] {"4\uFE0F2\uFE0F5\uFE0F 555 0100", "4\uFE0F2"});

  @Test
  void scrub_masksAddressesAndPhones_whateverUnicodeHidesThem() {
    org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
    for (String[] hidden : HIDDEN) {
      String out = Scrubber.standard().scrub("the customer wrote " + hidden[0] + " in the form");
      soft.assertThat(out).as(escape(hidden[0]) + " -> " + escape(out)).doesNotContain(hidden[1])
          .startsWith("the customer wrote ").endsWith(" in the form");
    }
    soft.assertAll();
  }

  @Test
  void scrub_keepsOrdinaryTextWithTheSameCharacters() {
    org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
    for (String text : List.of("Jo\u0308rg's lead, cafe\u0301 order 42", "\u200Fsee page 12\u200E of 300",
        "\u2066version 3.2.1\u2069", "\uFF11\uFF12\u3000items", "emoji \u2764\uFE0F 2026-12-04",
        "build 12\u200E34 ok")) {
      soft.assertThat(Scrubber.standard().scrub(text)).as(escape(text)).isEqualTo(text);
    }
    soft.assertAll();
  }

  @Test
  void maskEmail_showsAWholeFirstCharacter() {
    assertThat(Pii.maskEmail("\uD835\uDCBFane@contoso.com")).isEqualTo("\uD835\uDCBF***@contoso.com");
    assertThat(Pii.maskEmail("o\u0308rg@contoso.com")).isEqualTo("o***@contoso.com");
  }

  private static String escape(String s) {
    StringBuilder b = new StringBuilder();
    s.chars().forEach(c -> b.append(c < 0x7f ? String.valueOf((char) c) : String.format("\\u%04X", c)));
    return b.toString();
  }
}
