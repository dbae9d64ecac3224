package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LeadValidatorTest {
  private static final LeadValidator VALIDATOR = LeadValidator.standard();

  private static Lead.Builder valid() {
    return Lead.builder().id("lead-1").createdTime(Instant.parse("2026-11-25T10:15:30Z"))
        .firstName("Jane").lastName("Doe").email("jane.doe@contoso.com").phone("+1 425 555 0100").country("US")
        .company("Contoso").title("CTO").source("AzureMarketplace-INS|contoso.crm").offerTitle("Contoso CRM")
        .description("{\"mktcmpid\":\"blog\"}\nsecond line\twith tab");
  }

  private static List<String> problems(Lead lead) {
    return VALIDATOR.problems(lead).stream().map(Problem::toString).toList();
  }

  @Test
  void validLead_hasNoProblem() {
    Lead lead = valid().build();

    assertThat(VALIDATOR.problems(lead)).isEmpty();
    VALIDATOR.validate(lead);
  }

  @Test
  void anonymousLead_withoutEmail_isValid() {
    Lead lead = Lead.builder().country("US").source("AzureMarketplace-PLT|contoso.crm").build();

    assertThat(VALIDATOR.problems(lead)).isEmpty();
    assertThat(lead.isAnonymous()).isTrue();
  }

  @Test
  void unicodeNamesAndInternationalDomain_areValid() {
    Lead lead = valid().firstName("Zoë").lastName("Ñúñez-山田").email("zoe@müller-gmbh.example")
        .company("Müller & Söhne 株式会社").title("Geschäftsführerin ✓").country("DE").build();

    assertThat(problems(lead)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"jane.doe@contoso.com", "j+tag@sub.contoso.co.uk", "o'brien@x-y.example",
      "MSFT_TEST_636573304831318844@test.com", "zoe@müller-gmbh.example"})
  void isEmail_plausibleAddresses(String email) {
    assertThat(LeadValidator.isEmail(email)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"jane", "jane@", "@contoso.com", "jane@contoso", "jane@-contoso.com", "jane doe@x.com",
      "jane@contoso..com"})
  void isEmail_implausibleAddresses(String email) {
    assertThat(LeadValidator.isEmail(email)).isFalse();
  }

  @Test
  void badEmailAndCountry_reportedWithMaskedEmail() {
    Lead lead = valid().email("jane.doe.contoso.com").country("usa").build();

    assertThat(problems(lead)).containsExactly(
        "customer.email: '***' is not an e-mail address (send an address like name@example.com, or leave it empty "
            + "for an anonymous lead)",
        "customer.country: 'usa' is not an ISO 3166 alpha-2 code (use two upper-case letters such as US, DE or JP)");
    assertThat(problems(valid().email("x y@contoso.com").build())).containsExactly(
        "customer.email: 'x***@contoso.com' is not an e-mail address (send an address like name@example.com, or "
            + "leave it empty for an anonymous lead)");
  }

  @Test
  void controlCharacters_refusedInFieldsButTabsAndLinesAllowedInDescription() {
    Lead lead = valid().company("Con\u0000toso").offerTitle("a\nb").description("ok\r\n\tfine\u0007").build();

    assertThat(problems(lead)).containsExactly(
        "customer.company: contains control characters (remove control characters (tabs and line breaks are "
            + "allowed only in the description))",
        "offerTitle: contains control characters (remove control characters (tabs and line breaks are allowed "
            + "only in the description))",
        "description: contains control characters (remove control characters (tabs and line breaks are allowed "
            + "only in the description))");
  }

  @Test
  void limits_fieldDescriptionAttributesAndTotal() {
    LeadValidator small = new LeadValidator(new LeadLimits(10, 20, 1, 60));
    Lead lead = valid().firstName("x".repeat(11)).email("").phone("").title("").company("").lastName("")
        .offerTitle("").source("").description("d".repeat(21)).attribute("a", "1").attribute("b", "2").build();

    assertThat(small.problems(lead).stream().map(Problem::toString)).containsExactly(
        "customer.firstName: 11 characters, over the limit of 10 (shorten it to at most 10 characters)",
        "description: 21 characters, over the limit of 20 (shorten it to at most 20 characters)",
        "attributes: 2 attributes, over the limit of 1 (send fewer extra attributes)");
    Lead tooMuch = valid().email("").phone("").source("").offerTitle("").title("").description("d".repeat(20))
        .attribute("k", "v".repeat(10)).attribute("k2", "v".repeat(10)).attribute("k3", "v".repeat(10)).build();
    assertThat(new LeadValidator(new LeadLimits(10, 20, 5, 60)).problems(tooMuch).stream().map(Problem::toString))
        .containsExactly("lead: 71 characters in all, over the limit of 60 (shorten the description or attributes)");
  }

  @Test
  void attributeValue_checkedWithShortenedKeyInPath() {
    Lead lead = valid().attribute("a-very-long-attribute-key-name", "bad\u0001").build();

    assertThat(problems(lead)).containsExactly("attributes.a-very-long-attribut...: contains control characters "
        + "(remove control characters (tabs and line breaks are allowed only in the description))");
  }

  @Test
  void validate_invalid_throwsListingEveryProblem() {
    Lead lead = valid().email("nope").country("XX").build();

    assertThatThrownBy(() -> VALIDATOR.validate(lead)).isInstanceOf(InvalidLeadException.class).hasMessage("""
        invalid lead (2 problems):
          - customer.email: '***' is not an e-mail address (send an address like name@example.com, or leave it \
        empty for an anonymous lead)
          - customer.country: 'XX' is not an ISO 3166 alpha-2 code (use two upper-case letters such as US, DE or JP)""");
  }

  @Test
  void limits_invalidNumbers_areRejected() {
    assertThatThrownBy(() -> new LeadLimits(0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LeadValidator(null)).isInstanceOf(NullPointerException.class).hasMessage("limits");
  }
}
