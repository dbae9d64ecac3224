package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.QuarantinedPayload;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Scrubber;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * E-mails and phones in odd but valid forms are masked wherever customer data is shown or logged: the Scrubber (flags,
 * diagnoses, explain bodies, log lines) and {@code inspect quarantine}. Before, each of these passed unmasked.
 */
class OddPersonalDataMaskingTest {
  /** Each e-mail or phone, and a part of it that must not be shown. */
  private static final List<String[]> ODD = List.of(
      new String[] {"\"john doe\"@contoso.com", "john doe"}, // RFC 5321 quoted local part
      new String[] {"jane.roe@[192.0.2.1]", "jane.roe@"}, // address literals
      new String[] {"jane.roe@[IPv6:2001:db8::1]", "jane.roe@"},
      new String[] {"+1\u00a0425\u00a0555\u00a00100", "425\u00a0555"}, // no-break spaces, as pasted from a page
      new String[] {"+1 425\u2013555\u20130100", "425\u2013555"}, // en dashes
      new String[] {"\uff10\uff13\uff0d\uff11\uff12\uff13\uff14\uff0d\uff15\uff16\uff17\uff18", "\uff11\uff12\uff13\uff14"},
      new String[] {"\u0664\u0662\u0665\u0665\u0665\u0665\u0660\u0661\u0660\u0660", "\u0665\u0665\u0665\u0665"},
      // an extension written against the number, and a tel: URI: the whole number was left as it was
      new String[] {"425-555-0100x12", "555-0100"},
      new String[] {"4255550100ext.12", "5550100"},
      new String[] {"+1 425 555 0100 Ext12", "555 0100"},
      new String[] {"tel:4255550100;ext=12", "5550100"},
      new String[] {"tel%3A4255550100", "5550100"},
      // typed with a Japanese or Chinese input method: a full-width @ and dots, or an ideographic full stop
      new String[] {"\uff4a\uff41\uff4e\uff45.\uff52\uff4f\uff45\uff20\uff43\uff4f\uff4d\uff0e\uff4a\uff50",
          "\uff41\uff4e\uff45.\uff52"},
      new String[] {"jane.roe\uff20contoso.com", "jane.roe"},
      new String[] {"jane.roe@contoso\u3002com", "jane.roe"});

  @Test
  void scrubber_masksEachOddForm_inText() {
    for (String[] odd : ODD) {
      String masked = Scrubber.standard().maskPersonalData("the customer wrote " + odd[0] + " in the form");
      assertThat(masked).as(odd[0]).doesNotContain(odd[1]).startsWith("the customer wrote ").endsWith(" in the form");
    }
    // a quoted local part inside a JSON string keeps its escaped quotes balanced
    assertThat(Scrubber.standard().maskPersonalData("{\"Email\":\"\\\"john doe\\\"@contoso.com\"}"))
        .isEqualTo("{\"Email\":\"\\\"***\\\"@contoso.com\"}");
    assertThat(Pii.maskPhone("\uff10\uff13\uff0d\uff11\uff12\uff13\uff14\uff0d\uff15\uff16\uff17\uff18"))
        .isEqualTo("***\uff17\uff18");
  }

  @Test
  void inspectQuarantine_masksEachOddForm_inTheKeptPayload() {
    for (String[] odd : ODD) {
      // a key twice: quarantined, shown to the operator by 'inspect quarantine'
      String body = "{\"UserDetails\":{\"Email\":\"x\",\"email\":\"" + odd[0].replace("\"", "\\\"") + "\",\"Phone\":\""
          + odd[0].replace("\"", "\\\"") + "\"},\"LeadSource\":\"AzureMarketplace-INS|x\"}";
      QuarantinedPayload q = new QuarantinedPayload(1, Instant.EPOCH, "test",
          new Diagnosis("PAYLOAD_DUPLICATE_KEY", "m", "f"), body.getBytes(StandardCharsets.UTF_8));
      assertThat(q.maskedText()).as(odd[0]).doesNotContain(odd[1]).contains("\"LeadSource\":\"AzureMarketplace-INS|x\"");
    }
  }

  @Test
  void flags_quotingAFieldHoldingAnOddForm_showItMasked() {
    for (String[] odd : ODD) {
      LeadFlag f = new LeadFlag(LeadFlag.COUNTRY_UNRECOGNISED, "UserDetails.Country", "'" + odd[0] + "' is no country",
          odd[0]);
      assertThat(f.message()).as(odd[0]).doesNotContain(odd[1]);
      assertThat(f.original()).as(odd[0]).doesNotContain(odd[1]);
    }
  }
}
