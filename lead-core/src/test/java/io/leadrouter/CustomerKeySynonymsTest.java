package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * Another name for a customer field inside the customer object ({@code EmailAddress}, {@code PhoneNumber},
 * {@code JobTitle}: form tools and CRM exports): before, it was kept as an attribute without a word and the lead went
 * on with no e-mail, phone or title. It is still never read as the field (another name may mean something else), but
 * flagged {@code KEY_UNRECOGNISED} at the key as sent, naming the field and the fix.
 */
class CustomerKeySynonymsTest {
  private static Lead read(String json) {
    ReadResult r = MarketplaceCodec.standard().read(json.getBytes(StandardCharsets.UTF_8));
    assertThat(r).as("%s", r).isInstanceOf(ReadResult.Readable.class);
    return ((ReadResult.Readable) r).lead();
  }

  @ParameterizedTest
  @CsvSource({"UserDetails, EmailAddress, Email", "UserDetails, E-mail Address, Email", "CustomerInfo, Mail, Email",
      "userdetails, phone_number, Phone", "UserDetails, Mobile, Phone", "UserDetails, Telephone1, Phone",
      "UserDetails, GivenName, FirstName", "UserDetails, Forename, FirstName", "UserDetails, Job Title, Title", "UserDetails, Surname, LastName",
      "UserDetails, CompanyName, Company", "UserDetails, Organisation, Company", "UserDetails, JobTitle, Title",
      "UserDetails, Country/Region, Country"})
  void anotherNameForACustomerField_isKeptAsItsAttribute_flaggedNamingTheFieldAndTheFix(String object, String key,
      String field) {
    Lead lead = read("{\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"" + object + "\":{\"" + key
        + "\":\"Ann Lee 4255550100 ann@contoso.com\"}}");

    assertThat(lead.customer().email() + lead.customer().phone() + lead.customer().firstName()
        + lead.customer().lastName() + lead.customer().company() + lead.customer().title()
        + lead.customer().country()).as("never guessed into a field").isEmpty();
    assertThat(lead.attributes()).containsEntry(object + "." + key, "Ann Lee 4255550100 ann@contoso.com");
    assertThat(lead.flags()).extracting(LeadFlag::toString).containsExactly("KEY_UNRECOGNISED " + object + "." + key
        + ": the key '" + key + "' is no field of the marketplace's lead (its field for this is " + field + "): its"
        + " value is kept as the attribute '" + object + "." + key + "', not read as UserDetails." + field
        + " (another name is never guessed at); if it is the customer's " + field + ", send it as '" + field
        + "' inside UserDetails");
  }

  @Test
  void theFieldsThemselves_andAttributesOutsideTheCustomerObject_areNotFlagged() {
    Lead lead = read("{\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"UserDetails\":{\"Email\":"
        + "\"ann@contoso.com\",\"Phone\":\"+1 425 555 0100\",\"Title\":\"CTO\",\"Fax\":\"1\"},\"JobTitle\":\"x\","
        + "\"Mobile\":\"y\"}");

    assertThat(lead.customer().email()).isEqualTo("ann@contoso.com");
    assertThat(lead.flags()).isEmpty();
  }
}
