package io.leadrouter.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import org.junit.jupiter.api.Test;

class RecordMatchingTest {
  private static SinkConfig.Builder crm() {
    return SinkConfig.builder("crm", "dynamics");
  }

  @Test
  void notGiven_isTheSafeDefault_leadIdUpsert() {
    SinkConfig c = crm().build();

    RecordMatching m = RecordMatching.from(c);

    assertThat(m).isEqualTo(RecordMatching.DEFAULT);
    assertThat(m.match()).isEqualTo(Match.LEAD_ID);
    assertThat(m.mode()).isEqualTo(SyncMode.UPSERT);
    assertThat(m.isDefault()).isTrue();
    assertThat(c.problems()).isEmpty();
  }

  @Test
  void descriptorSpellings_anyCase_areRead() {
    SinkConfig c = crm().put("match", "Email").put("mode", "UPDATE-ONLY").build();

    assertThat(RecordMatching.from(c)).isEqualTo(new RecordMatching(Match.EMAIL, SyncMode.UPDATE_ONLY));
    assertThat(RecordMatching.from(crm().put("match", "leadId").put("mode", "create").build()))
        .isEqualTo(new RecordMatching(Match.LEAD_ID, SyncMode.CREATE));
    assertThat(c.problems()).isEmpty();
  }

  @Test
  void unknownValues_areProblemsNamingTheKeyAndTheAllowedValues() {
    SinkConfig c = crm().put("match", "phone").put("mode", "update_only").build();

    assertThat(RecordMatching.from(c)).isEqualTo(RecordMatching.DEFAULT);
    assertThat(c.problems()).extracting(Problem::toString).containsExactly(
        "sinks.crm.match: 'phone' is not one of [leadId, email] (use one of leadId, email)",
        "sinks.crm.mode: 'update_only' is not one of [create, upsert, update-only] (did you mean 'update-only'?"
            + " otherwise use one of create, upsert, update-only)");
    assertThatThrownBy(c::validate).isInstanceOf(ConfigurationException.class)
        .hasMessageContaining("sinks.crm.mode: 'update_only' is not one of");
  }

  @Test
  void parse_inCode_defaultsBlanks_andThrowsForUnknownValues() {
    assertThat(RecordMatching.parse(null, " ")).isEqualTo(RecordMatching.DEFAULT);
    assertThat(RecordMatching.parse("email", "create")).isEqualTo(new RecordMatching(Match.EMAIL, SyncMode.CREATE));
    assertThatThrownBy(() -> RecordMatching.parse("mail", "upsert")).isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: match: 'mail' is not one of [leadId, email] (use one of leadId, email)");
  }

  @Test
  void spellings_andToString_areTheDescriptorWords() {
    assertThat(Match.spellings()).containsExactly("leadId", "email");
    assertThat(SyncMode.spellings()).containsExactly("create", "upsert", "update-only");
    assertThat(new RecordMatching(Match.EMAIL, SyncMode.UPDATE_ONLY).toString())
        .isEqualTo("match: email, mode: update-only");
    assertThat(RecordMatching.DEFAULT.withMatch(Match.EMAIL).withMode(SyncMode.CREATE))
        .isEqualTo(new RecordMatching(Match.EMAIL, SyncMode.CREATE));
  }

  @Test
  void unchanged_isADeliveryOutcomeOfItsOwn() {
    assertThat(DeliveryResult.unchanged("00Q1").outcome()).isEqualTo(DeliveryOutcome.UNCHANGED);
    assertThat(DeliveryResult.unchanged(null).recordId()).isEmpty();
  }
}
