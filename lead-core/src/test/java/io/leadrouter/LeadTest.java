package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LeadTest {
  private static final String TICKS = "MSFT_TEST_636573304831318844";

  @Test
  void builder_defaults_randomIdNowAndEmptyParts() {
    Instant before = Instant.now();
    Lead a = Lead.builder().build();
    Lead b = Lead.builder().build();

    assertThat(a.id()).isNotEqualTo(b.id());
    assertThat(a.createdTime()).isBetween(before, Instant.now());
    assertThat(a.customer()).isEqualTo(CustomerInfo.EMPTY);
    assertThat(a.source()).isEqualTo(LeadSource.NONE);
    assertThat(a.offerTitle()).isEmpty();
    assertThat(a.attributes()).isEmpty();
    assertThat(a.isAnonymous()).isTrue();
  }

  @Test
  void toBuilder_copiesEverything() {
    Lead lead = Lead.builder().id("x").createdTime(Instant.EPOCH).firstName("A").email("a@b.co").title("T")
        .source("SPZA-Create|o").offerTitle("O").description("D").attribute("k", "v").build();

    assertThat(lead.toBuilder().build()).isEqualTo(lead);
    assertThat(lead.toBuilder().lastName("Z").build().customer().lastName()).isEqualTo("Z");
  }

  @Test
  void isTest_bySourceDescriptor() {
    Lead lead = Lead.builder().source(TICKS + "-" + TICKS + "|Contoso CRM").build();

    assertThat(lead.isTest()).isTrue();
  }

  @Test
  void isTest_byCustomerFieldsAlone() {
    Lead lead = Lead.builder().firstName(TICKS).lastName(TICKS).company(TICKS).email(TICKS + "@TEST.com")
        .source("AzureMarketplace-INS|contoso.crm").build();

    assertThat(lead.isTest()).isTrue();
    assertThat(lead.toBuilder().company("Contoso").build().isTest()).isFalse();
    assertThat(lead.toBuilder().email(TICKS + "@contoso.com").build().isTest()).isFalse();
  }

  @Test
  void toString_masksEmailAndPhone() {
    Lead lead = Lead.builder().id("lead-1").createdTime(Instant.EPOCH).firstName("Jane")
        .email("jane.doe@contoso.com").phone("+1 425 555 0100").source("AzurePortal-DNC|x").build();

    assertThat(lead.toString()).isEqualTo("Lead[id=lead-1, createdTime=1970-01-01T00:00:00Z, customer=CustomerInfo["
        + "firstName=Jane, lastName=, email=j***@contoso.com, phone=***00, country=, company=, title=], "
        + "source=AzurePortal-DNC|x, offerTitle=]").doesNotContain("jane.doe", "425");
  }

  @Test
  void attributes_areCopiedAndUnmodifiable() {
    Lead lead = Lead.builder().attribute("a", "1").build();

    assertThatThrownBy(() -> lead.attributes().put("b", "2")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void leadId_validatesAndDerives() {
    assertThat(LeadId.of("a.b_c~d:e@f+g=h-1")).hasToString("a.b_c~d:e@f+g=h-1");
    assertThatThrownBy(() -> LeadId.of("has space")).isInstanceOf(InvalidLeadException.class).hasMessage(
        "invalid lead: id: 'has space' is not a valid lead id (use 1 to 128 characters of A-Z a-z 0-9 . _ ~ : @ + = -)");
    assertThatThrownBy(() -> LeadId.of("")).isInstanceOf(InvalidLeadException.class);
    assertThat(LeadId.derivedFrom("x")).isEqualTo(LeadId.derivedFrom("x")).isNotEqualTo(LeadId.derivedFrom("y"));
  }

  @Test
  void pii_masks() {
    assertThat(Pii.maskEmail("jane.doe@contoso.com")).isEqualTo("j***@contoso.com");
    assertThat(Pii.maskEmail("nonsense")).isEqualTo("***");
    assertThat(Pii.maskEmail("")).isEmpty();
    assertThat(Pii.maskPhone("+1 425 555 0100")).isEqualTo("***00");
    assertThat(Pii.maskPhone("12")).isEqualTo("***");
  }
}
