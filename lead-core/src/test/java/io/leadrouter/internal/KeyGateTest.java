package io.leadrouter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.journal.ClaimedDelivery;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The key gate without threads: one delivery per customer at a time, the rest in claimed order. */
class KeyGateTest {
  private static long nextId = 1;

  private static ClaimedDelivery claimed(String id, String email) {
    Lead lead = Lead.builder().id(LeadId.of(id)).createdTime(Instant.EPOCH).email(email)
        .source("AzureMarketplace-INS|contoso.offer").build();
    return new ClaimedDelivery(nextId++, lead, "crm", 0, Instant.EPOCH);
  }

  @Test
  void sameCustomer_anySpelling_waitsBehindTheOneInFlight_inOrder() {
    KeyGate gate = new KeyGate();
    ClaimedDelivery a1 = claimed("a1", "ann@contoso.example");
    ClaimedDelivery b1 = claimed("b1", "bob@contoso.example");
    ClaimedDelivery a2 = claimed("a2", " Ann@Contoso.example ");
    ClaimedDelivery a3 = claimed("a3", "ANN@contoso.example");

    assertThat(gate.admit(List.of(a1, b1, a2, a3))).containsExactly(a1, b1);
    assertThat(gate.held()).isEqualTo(2);
    assertThat(gate.finished(List.of(b1))).isFalse();
    assertThat(gate.finished(List.of(a1))).isTrue();
    ClaimedDelivery b2 = claimed("b2", "bob@contoso.example");
    assertThat(gate.admit(List.of(b2))).containsExactly(a2, b2);
    assertThat(gate.finished(List.of(a2, b2))).isTrue();
    assertThat(gate.admit(List.of())).containsExactly(a3);
    assertThat(gate.finished(List.of(a3))).isFalse();
    assertThat(gate.held()).isZero();
  }

  @Test
  void anonymousLeads_areKeyedByTheirOwnId() {
    KeyGate gate = new KeyGate();
    ClaimedDelivery x = claimed("x", "");
    ClaimedDelivery y = claimed("y", "");
    assertThat(gate.admit(List.of(x, y))).containsExactly(x, y);
    assertThat(KeyGate.key(x.lead())).isEqualTo("id:x");
  }

  @Test
  void drain_returnsWhatWaits() {
    KeyGate gate = new KeyGate();
    ClaimedDelivery a1 = claimed("a1", "ann@contoso.example");
    ClaimedDelivery a2 = claimed("a2", "ann@contoso.example");
    gate.admit(List.of(a1, a2));
    assertThat(gate.drain()).containsExactly(a2);
    assertThat(gate.admit(List.of(a2))).containsExactly(a2);
  }
}
