package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(180)
class ManyCustomersTest {
  @TempDir
  Path dir;

  @Test
  void interleaved_holdsEachCustomerEachTimes_mixed_andIsRepeatable() {
    List<Integer> order = ManyCustomers.interleaved(100, 10, 7);
    assertThat(order).hasSize(1000).isEqualTo(ManyCustomers.interleaved(100, 10, 7));
    assertThat(order.stream().collect(Collectors.groupingBy(c -> c, Collectors.counting())))
        .hasSize(100).allSatisfy((c, n) -> assertThat(n).isEqualTo(10));
    assertThat(order.subList(0, 10)).as("not customer by customer").doesNotContainSequence(
        Collections.nCopies(10, order.get(0)));
  }

  @Test
  void lead_hasItsOwnIdAndTheCustomersEmail() {
    Lead a = ManyCustomers.lead(3, 0);
    Lead b = ManyCustomers.lead(3, 1);
    assertThat(a.id()).isNotEqualTo(b.id());
    assertThat(a.customer().email()).isEqualToIgnoringCase(b.customer().email()).isNotEqualTo(b.customer().email());
    assertThat(ManyCustomers.key(3)).isEqualTo("customer3@contoso.example");
  }

  @Test
  void run_throughTheRouter_neverOverlapsACustomer_andCountsOutcomesAndFailures() {
    OverlapRecorder calls = new OverlapRecorder();
    Set<String> known = ConcurrentHashMap.newKeySet();
    Map<String, Boolean> refused = Map.of("customer5@contoso.example", true);
    LeadSink sink = new LeadSink() {
      @Override
      public DeliveryResult deliver(Lead lead) throws PermanentDeliveryException {
        String customer = lead.customer().email();
        calls.start(customer);
        try {
          Thread.sleep(1);
          String key = customer.toLowerCase(java.util.Locale.ROOT);
          if (refused.containsKey(key)) {
            throw new PermanentDeliveryException(new Diagnosis("TEST_REFUSED", "refused", "none"));
          }
          return known.add(key) ? DeliveryResult.created(key) : DeliveryResult.updated(key);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        } finally {
          calls.end(customer);
        }
      }

      @Override
      public VerificationReport verify() {
        return VerificationReport.builder("test").build();
      }

      @Override
      public SinkCapabilities capabilities() {
        return SinkCapabilities.builder().maxConcurrency(8).orderingKey(SinkCapabilities.OrderingKey.CUSTOMER)
            .build();
      }
    };

    ManyCustomers.Result result = ManyCustomers.run(sink, 8, dir, Duration.ofSeconds(120));

    assertThat(calls.overlaps()).as(calls.toString()).isZero();
    assertThat(calls.keys()).isEqualTo(100);
    assertThat(result.leads()).isEqualTo(1000);
    assertThat(result.count(DeliveryOutcome.CREATED)).isEqualTo(99);
    assertThat(result.count(DeliveryOutcome.UPDATED)).isEqualTo(891);
    assertThat(result.failed()).isEqualTo(10);
    assertThat(result.failures()).hasSize(10).allSatisfy(f -> assertThat(f).contains("TEST_REFUSED"));
  }
}
