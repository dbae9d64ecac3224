package io.leadrouter.dynamics;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.testkit.RateLimitedFake;
import io.leadrouter.testkit.SampleLeads;
import io.leadrouter.testkit.ThrottledDrain;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Dataverse's documented rules: the alternate-key alphabet, and service protection limits (429 + Retry-After). */
@Timeout(180)
class DynamicsVendorRulesTest extends FakeDynamicsTest {

  /**
   * "Define alternate keys to reference rows" (learn.microsoft.com/power-apps/developer/data-platform/
   * define-alternate-keys-entity): a key value holding / < > * % & : \ ? + cannot be used in the URL. A LeadId may
   * hold : and + (and the others arrive from other LeadRouters' webhook ids): such leads are looked up by
   * $filter instead, and still upsert to one row.
   */
  @ParameterizedTest
  @ValueSource(strings = {"urn:lead:42", "a+b", "msft:2026+test"})
  void leadIdOutsideTheKeyAlphabet_isUpsertedThroughALookup_oneRow(String id) throws Exception {
    fake.alternateKey("new_leadrouterid");
    DynamicsSink sink = fake.sink().idColumn("new_leadrouterid").build();
    Lead lead = SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of(id)).build();

    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

    assertThat(fake.rows()).hasSize(1).allSatisfy(r -> assertThat(r.path("new_leadrouterid").asText()).isEqualTo(id));
    List<String> urls = fake.wm.findAll(anyRequestedFor(urlPathMatching("/api/data/v9\\.2/leads.*"))).stream()
        .map(LoggedRequest::getUrl).toList();
    assertThat(urls).as("never addressed by the key in the URL").noneMatch(u -> u.contains("new_leadrouterid="));
  }

  @Test
  void leadIdInsideTheKeyAlphabet_keepsTheKeyAddressedUpsert() throws Exception {
    fake.alternateKey("new_leadrouterid");
    DynamicsSink sink = fake.sink().idColumn("new_leadrouterid").build();
    Lead lead = SampleLeads.azureMarketplaceInstall();
    assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(fake.wm.findAll(anyRequestedFor(urlPathMatching("/api/data/v9\\.2/leads\\(new_leadrouterid=.*"))))
        .isNotEmpty();
    assertThat(DynamicsSink.keyAddressable("5f0c6f0e-8f1e.4d7c_9d3a~x@y=z")).isTrue();
    for (char c : "/<>*%&:\\?+".toCharArray()) {
      assertThat(DynamicsSink.keyAddressable("a" + c + "b")).as(String.valueOf(c)).isFalse();
    }
  }

  /**
   * Service protection limits (learn.microsoft.com/power-apps/developer/data-platform/api-limits): over the limit
   * Dataverse answers 429 with Retry-After. Throttling is not an outage: every lead arrives, the breaker (which
   * would hold leads an hour) never opens.
   */
  @Test
  void throttledForAWhile_everyLeadDelivered_breakerNeverOpened() {
    fake.alternateKey("new_leadrouterid");
    RateLimitedFake limit = fake.throttleAbove(20);
    DynamicsSink sink = fake.sink().idColumn("new_leadrouterid").timeout(Duration.ofSeconds(10)).build();

    ThrottledDrain.Result r = ThrottledDrain.run(sink, limit, 300, Duration.ofSeconds(120));

    System.out.println("Dynamics throttled drain: " + r); // the figure lead-bench's README records
    assertThat(r.throttled()).as("the fake did throttle").isPositive();
    assertThat(r.delivered()).as("every lead delivered, none held by an open breaker (open for 1 h)").isEqualTo(300);
    assertThat(fake.rows()).hasSize(300);
    assertThat(r.mostAttempts()).as("a throttle is no failed attempt (events, inspect)").isZero();
  }
}
