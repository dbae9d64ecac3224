package io.leadrouter.dynamics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.testkit.SampleLeads;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A do-not-contact lead reaches Dynamics in the Lead table's own opt-out columns. */
class DynamicsDoNotContactTest extends FakeDynamicsTest {

  @Test
  void dncLead_setsDoNotEmailPhoneAndBulkEmail() throws Exception {
    try (DynamicsSink sink = fake.sink().build()) {
      sink.deliver(SampleLeads.doNotContact());
    }
    ObjectNode row = fake.rows().get(0);
    assertThat(row.path("donotemail").isBoolean()).isTrue();
    assertThat(row.path("donotemail").asBoolean()).isTrue();
    assertThat(row.path("donotphone").asBoolean()).isTrue();
    assertThat(row.path("donotbulkemail").asBoolean()).isTrue();
  }

  @Test
  void leadThatIsNoDnc_leavesTheOptOutColumnsAlone() throws Exception {
    try (DynamicsSink sink = fake.sink().build()) {
      sink.deliver(SampleLeads.azureMarketplaceInstall());
    }
    ObjectNode row = fake.rows().get(0);
    assertThat(row.has("donotemail") || row.has("donotphone") || row.has("donotbulkemail")).isFalse();
  }

  @Test
  void actionCodeDncAgainstAnInsLeadSource_isSuppressedToo() throws Exception {
    Lead lead = MarketplaceCodec.standard().fromJson(("{\"UserDetails\":{\"Email\":\"kim@contoso.com\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\",\"ActionCode\":\"DNC\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(lead.flags()).extracting(LeadFlag::code).contains(LeadFlag.ACTION_CONFLICT);
    try (DynamicsSink sink = fake.sink().build()) {
      sink.deliver(lead);
    }
    assertThat(fake.rows().get(0).path("donotemail").asBoolean()).isTrue();
  }

  @Test
  void dncLeadWhereTheColumnIsGone_failsPermanentlyWithTheFix() {
    fake.dropColumn("donotbulkemail");
    try (DynamicsSink sink = fake.sink().build()) {
      assertThatThrownBy(() -> sink.deliver(SampleLeads.doNotContact()))
          .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
            assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(DynamicsErrors.OPT_OUT_COLUMN_MISSING);
            assertThat(e.diagnosis().orElseThrow().message()).contains("donotbulkemail");
            assertThat(e.diagnosis().orElseThrow().remediation()).contains("replay");
          });
    }
    assertThat(fake.rows()).isEmpty();
  }

  @Test
  void customerValueOverItsColumnLength_isNeverCut_failsPermanentlyNamingTheColumn() {
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder()
        .email("a".repeat(95) + "@contoso.com").build(); // 107 characters: a valid address, over emailaddress1's 100
    try (DynamicsSink sink = fake.sink().build()) {
      assertThatThrownBy(() -> sink.deliver(lead)).isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
        assertThat(e.diagnosis().orElseThrow().code()).isEqualTo(DynamicsErrors.VALUE_TOO_LONG);
        assertThat(e.diagnosis().orElseThrow().message()).contains("emailaddress1").contains("100");
        assertThat(e.diagnosis().orElseThrow().remediation()).contains("raise the maximum length of emailaddress1");
      });
    }
    assertThat(fake.rows()).isEmpty();
  }

  @Test
  void composedDescriptionOverItsLength_isCut_andTheLeadDelivered() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().description("x".repeat(3000)).build();
    try (DynamicsSink sink = fake.sink().build()) {
      sink.deliver(lead);
    }
    assertThat(fake.rows().get(0).path("description").asText()).hasSize(2000);
  }
}
