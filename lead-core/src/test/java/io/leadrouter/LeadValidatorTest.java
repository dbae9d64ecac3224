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
  void badEmailAndCountry_areNoProblems_theyAreFlaggedAtIntake() {
    Lead lead = valid().email("jane.doe.contoso.com").country("usa").build();

    assertThat(problems(lead)).isEmpty();
  }

  @Test
  void attributeValue_checkedWithShortenedKeyInPath() {
    Lead lead = valid().attribute("a-very-long-attribute-key-name", "bad\u0001").build();

    assertThat(problems(lead)).containsExactly("attributes.a-very-long-attribut...: contains control characters "
        + "(remove control characters (tabs and line breaks are allowed only in the description))");
  }

  @Test
  void validate_invalid_throwsListingEveryProblem() {
    Lead lead = valid().firstName("a\u0001").company("b".repeat(1025)).build();

    assertThatThrownBy(() -> VALIDATOR.validate(lead)).isInstanceOf(InvalidLeadException.class).hasMessage("""
        invalid lead (2 problems):
          - customer.firstName: contains control characters (remove control characters (tabs and line breaks are \
        allowed only in the description))
          - customer.company: 1025 characters, over the limit of 1024 (shorten it to at most 1024 characters)""");
  }

  @Test
  void limits_invalidNumbers_areRejected() {
    assertThatThrownBy(() -> new LeadLimits(0, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LeadValidator(null)).isInstanceOf(NullPointerException.class).hasMessage("limits");
  }
}
