package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.internal.intake.LeadNormalizer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The customer object nested in itself ({@code "UserDetails":{"UserDetails":{"Email":...}}}, the whole lead's shape put
 * into the customer object, or a table row's {@code CustomerInfo} text holding {@code {"UserDetails":{...}}}). Before,
 * its value was kept as an attribute without a word, and the lead went to the CRMs with no e-mail or name, unflagged.
 * It stays an attribute (never guessed into the fields) and is flagged {@code KEY_UNRECOGNISED} with the fix.
 */
class NestedCustomerObjectTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {"UserDetails|UserDetails", "UserDetails|customerInfo", "CustomerInfo|User Details"})
  void customerObjectInsideTheCustomerObject_isKeptAndFlaggedWithTheFix(String outer, String inner) {
    ReadResult r = CODEC.read(("{\"" + outer + "\":{\"" + inner + "\":{\"Email\":\"jane@contoso.com\"}},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8));

    assertThat(r).isInstanceOfSatisfying(ReadResult.Readable.class, ok -> {
      Lead lead = ok.lead();
      assertThat(lead.customer().email()).isEmpty();
      assertThat(lead.attributes()).containsEntry(outer + "." + inner, "{\"Email\":\"jane@contoso.com\"}");
      assertThat(lead.flags()).singleElement().satisfies(f -> {
        assertThat(f.code()).isEqualTo(LeadFlag.KEY_UNRECOGNISED);
        assertThat(f.path()).isEqualTo(outer + "." + inner);
        assertThat(f.message()).isEqualTo("the key '" + inner + "' inside " + outer + " is the customer object nested"
            + " in itself: its value is kept as the attribute '" + outer + "." + inner + "', not read as the customer"
            + " (the lead has no e-mail or name from it); send the customer's fields (Email, FirstName, ...) directly"
            + " inside " + outer);
      });
      assertThat(LeadNormalizer.normalize(lead)).isEqualTo(lead);
    });
  }

  @Test
  void tableRowWhoseCustomerInfoHoldsTheBodyShape_isFlagged() {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("RowKey", "r-1");
    row.put("CustomerInfo", "{\"UserDetails\":{\"Email\":\"jane@contoso.com\"}}");
    row.put("LeadSource", "AzureMarketplace-INS|contoso.crm");

    Lead lead = ((ReadResult.Readable) CODEC.readTableEntity(row)).lead();

    assertThat(lead.flags()).extracting(LeadFlag::code, LeadFlag::path)
        .containsExactly(org.assertj.core.groups.Tuple.tuple(LeadFlag.KEY_UNRECOGNISED, "CustomerInfo.UserDetails"));
  }

  /** Unknown keys inside the customer object stay unflagged attributes, as before. */
  @Test
  void otherKeysInsideTheCustomerObject_areNotFlagged() {
    Lead lead = ((ReadResult.Readable) CODEC.read(("{\"UserDetails\":{\"Email\":\"jane@contoso.com\",\"Address\":"
        + "{\"City\":\"Oslo\"}},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}").getBytes(StandardCharsets.UTF_8)))
        .lead();

    assertThat(lead.flags()).isEmpty();
  }
}
