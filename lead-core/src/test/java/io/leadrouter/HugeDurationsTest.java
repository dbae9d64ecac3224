package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every duration a router takes may be "practically never" ({@code Duration.ofSeconds(Long.MAX_VALUE)}): it is either
 * refused when the router is built, naming the setting, or taken as "very long"; it never overflows at delivery time
 * (an ArithmeticException or DateTimeException there left the lead undelivered, or the chore dead, unsaid).
 */
@Timeout(120)
class HugeDurationsTest {
  private static final Duration HUGE = Duration.ofSeconds(Long.MAX_VALUE);

  @TempDir Path dir;

  static Stream<Arguments> settings() {
    UnaryOperator<DeliveryPolicy.Builder> none = p -> p;
    return Stream.of(
        Arguments.of("lease", (UnaryOperator<LeadRouterBuilder>) b -> b.lease(HUGE), none),
        Arguments.of("retention", (UnaryOperator<LeadRouterBuilder>) b -> b.retention(HUGE), none),
        Arguments.of("receiptCheck", (UnaryOperator<LeadRouterBuilder>) b -> b.receiptCheck(HUGE), none),
        Arguments.of("fallbackCheck", (UnaryOperator<LeadRouterBuilder>) b -> b.fallbackCheck(HUGE), none),
        Arguments.of("period", UnaryOperator.<LeadRouterBuilder>identity(),
            (UnaryOperator<DeliveryPolicy.Builder>) p -> p.rateLimit(1_000, HUGE)),
        Arguments.of("breakerOpenFor", UnaryOperator.<LeadRouterBuilder>identity(),
            (UnaryOperator<DeliveryPolicy.Builder>) p -> p.breaker(50, HUGE)),
        Arguments.of("fallbackAfter", UnaryOperator.<LeadRouterBuilder>identity(),
            (UnaryOperator<DeliveryPolicy.Builder>) p -> p.fallback("archive", HUGE)),
        Arguments.of("payloadRetention", UnaryOperator.<LeadRouterBuilder>identity(),
            (UnaryOperator<DeliveryPolicy.Builder>) p -> p.payloadRetention(HUGE)),
        Arguments.of("backoff", UnaryOperator.<LeadRouterBuilder>identity(),
            (UnaryOperator<DeliveryPolicy.Builder>) p -> p.backoff(HUGE, HUGE)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("settings")
  void practicallyNever_isRefusedAtBuildOrDelivers(String setting, UnaryOperator<LeadRouterBuilder> router,
      UnaryOperator<DeliveryPolicy.Builder> policy) throws Exception {
    LeadRouterBuilder b;
    try {
      b = router.apply(LeadRouter.builder().journal(SqliteJournal.open(dir.resolve("leadrouter.db"))))
          .addSink("crm", LambdaSink.of(lead -> DeliveryResult.created(lead.id().value())),
              policy.apply(DeliveryPolicy.builder()).build())
          .addSink("archive", LambdaSink.of(lead -> DeliveryResult.created(lead.id().value())))
          .defaultRoute("crm");
    } catch (IllegalArgumentException | ConfigurationException refused) {
      assertThat(refused).hasMessageContaining(setting + " must be");
      return;
    }
    LeadRouter built;
    try {
      built = b.build();
    } catch (IllegalArgumentException | ConfigurationException refused) {
      assertThat(refused).hasMessageContaining(setting + " must be");
      return;
    }
    try (LeadRouter r = built) {
      RoutingReceipt receipt = r.route(Lead.builder().id(LeadId.random()).email("kim@contoso.com")
          .source("AzureMarketplace-INS|offer").build());
      assertThat(receipt.deliveries().get("crm").get(30, TimeUnit.SECONDS).recordId()).isPresent();
    }
  }
}
