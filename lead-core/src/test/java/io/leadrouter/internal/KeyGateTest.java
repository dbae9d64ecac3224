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

  private final KeyGate gate = new KeyGate();

  private static ClaimedDelivery claimed(String id, String email) {
    Lead lead = Lead.builder().id(LeadId.of(id)).createdTime(Instant.EPOCH).email(email)
        .source("AzureMarketplace-INS|contoso.offer").build();
    return new ClaimedDelivery(nextId++, lead, "crm", 0, Instant.EPOCH);
  }

  private static ClaimedDelivery ann(String id) {
    return claimed(id, "ann@contoso.example");
  }

  private static ClaimedDelivery bob(String id) {
    return claimed(id, "bob@contoso.example");
  }

  @Test
  void sameCustomer_anySpelling_waitsBehindTheOneInFlight_inOrder() {
    ClaimedDelivery a1 = ann("a1");
    ClaimedDelivery b1 = bob("b1");
    ClaimedDelivery a2 = claimed("a2", " Ann@Contoso.example ");
    ClaimedDelivery a3 = claimed("a3", "ANN@contoso.example");

    assertThat(gate.admit(List.of(a1, b1, a2, a3), 0).go()).containsExactly(a1, b1);
    assertThat(gate.held()).isEqualTo(2);
    assertThat(gate.finished(List.of(b1))).isFalse();
    assertThat(gate.finished(List.of(a1))).isTrue();
    ClaimedDelivery b2 = bob("b2");
    assertThat(gate.admit(List.of(b2), 0).go()).containsExactly(a2, b2);
    assertThat(gate.finished(List.of(a2, b2))).isTrue();
    assertThat(gate.admit(List.of(), 0).go()).containsExactly(a3);
    assertThat(gate.finished(List.of(a3))).isFalse();
    assertThat(gate.held()).isZero();
  }

  @Test
  void anonymousLeads_areKeyedByTheirOwnId() {
    ClaimedDelivery x = claimed("x", "");
    ClaimedDelivery y = claimed("y", "");
    assertThat(gate.admit(List.of(x, y), 0).go()).containsExactly(x, y);
    assertThat(KeyGate.key(x.lead())).isEqualTo("id:x");
  }

  @Test
  void drain_returnsWhatWaits() {
    ClaimedDelivery a1 = ann("a1");
    ClaimedDelivery a2 = ann("a2");
    gate.admit(List.of(a1, a2), 0);
    assertThat(gate.drain()).containsExactly(a2);
    assertThat(gate.admit(List.of(a2), 0).go()).containsExactly(a2);
  }

  @Test
  void aReleasedDelivery_keepsItsOwnClaimTime() {
    ClaimedDelivery a1 = ann("a1");
    ClaimedDelivery a2 = ann("a2");
    gate.admit(List.of(a1, a2), 100);
    gate.finished(List.of(a1));
    ClaimedDelivery b1 = bob("b1");
    KeyGate.Admitted next = gate.admit(List.of(b1), 5_000);
    assertThat(next.go()).containsExactly(a2, b1);
    assertThat(next.claimedNanos()).as("the batch is as old as a2's claim, not b1's").isEqualTo(100);
  }

  @Test
  void expire_givesBackEachStaleCustomersHeldDeliveries_inOrder_andFreesACustomerWithNothingInFlight() {
    ClaimedDelivery a1 = ann("a1");
    ClaimedDelivery a2 = ann("a2");
    ClaimedDelivery b1 = bob("b1");
    ClaimedDelivery b2 = bob("b2");
    gate.admit(List.of(a1, a2, b1), 100); // a1, b1 in flight; a2 held since 100
    ClaimedDelivery a3 = ann("a3");
    gate.admit(List.of(a3, b2), 1_000); // a3 and b2 held since 1,000
    assertThat(gate.expire(100)).as("nothing claimed before 100").isEmpty();

    // ann's a2 is stale: a2 and a3 go back together (a3 must not pass a2); bob's b2 is not stale and stays
    assertThat(gate.expire(500)).containsExactly(a2, a3);
    assertThat(gate.held()).isEqualTo(1);
    assertThat(gate.finished(List.of(a1))).as("ann has nothing held any more").isFalse();
    ClaimedDelivery a2again = ann("a2");
    assertThat(gate.admit(List.of(a2again), 2_000).go()).as("claimed again, ann's lead goes").containsExactly(a2again);

    // bob's b2 released by b1 and then stale while ready: it goes back and bob has nothing in flight
    gate.finished(List.of(b1));
    assertThat(gate.expire(1_500)).containsExactly(b2);
    assertThat(gate.held()).isZero();
    ClaimedDelivery b2again = bob("b2");
    assertThat(gate.admit(List.of(b2again), 3_000).go()).containsExactly(b2again);
  }
}
