package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.RoutingRule;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.journal.JournalException;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a new user gets wrong with the Java builders, and the exception each mistake meets: at the setter or at
 * {@code build()}, naming the setting and what to do, never later at the first lead.
 */
class BuilderMisuseTest {
  @TempDir
  Path dir;

  @Test
  void leaseAndRetention_zeroOrNegative_areRefusedAtTheSetter() {
    // accepted silently before: a zero lease lets a second worker take a delivery still in flight
    assertThatThrownBy(() -> LeadRouter.builder().lease(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("lease must be positive: PT0S");
    assertThatThrownBy(() -> LeadRouter.builder().lease(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("lease must be positive: PT-1S");
    assertThatThrownBy(() -> LeadRouter.builder().retention(Duration.ofDays(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("retention must be positive: PT-24H");
    assertThatThrownBy(() -> LeadRouter.builder().lease(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("lease");
  }

  @Test
  void defaultRoute_nullNames_areNamed() {
    assertThatThrownBy(() -> LeadRouter.builder().defaultRoute((String[]) null))
        .isInstanceOf(NullPointerException.class).hasMessage("sinkNames");
    assertThatThrownBy(() -> LeadRouter.builder().defaultRoute("archive", null))
        .isInstanceOf(NullPointerException.class).hasMessage("defaultRoute[1]");
  }

  @Test
  void nullsAtTheSetters_nameTheArgument() {
    assertThatThrownBy(() -> LeadRouter.builder().addSink("crm", null)).hasMessage("sink");
    assertThatThrownBy(() -> LeadRouter.builder().addSink(null, new InMemoryLeadSink())).hasMessage("name");
    assertThatThrownBy(() -> LeadRouter.builder().journalPath(null)).hasMessage("path");
    assertThatThrownBy(() -> LeadRouter.builder().route(null)).hasMessage("rule");
    assertThatThrownBy(() -> LeadRouter.builder().receiptCheck(Duration.ZERO))
        .hasMessage("receiptCheck must be at least 1 ms, not PT0S");
  }

  @Test
  void sameSinkNameTwice_isRefusedNamingIt() {
    assertThatThrownBy(() -> LeadRouter.builder().addSink("crm", new InMemoryLeadSink())
        .addSink("crm", new InMemoryLeadSink()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.crm: is defined twice (give each sink its own name)");
  }

  @Test
  void noSinkAndEmptyRule_areRefusedAtBuild() {
    assertThatThrownBy(() -> LeadRouter.builder().journal(InMemoryJournal.create()).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks: no sink is configured (add at least one sink)");
    assertThatThrownBy(() -> RoutingRule.all("r", List.of()))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: routes.r.sinks: is empty (name at least one sink)");
  }

  @Test
  void deliveryPolicy_refusesEachBadValue_namingTheSetting() {
    assertThatThrownBy(() -> DeliveryPolicy.builder().inFlight(-1).build()).hasMessage(
        "inFlight (maxConcurrency) must be >= 1: -1");
    assertThatThrownBy(() -> DeliveryPolicy.builder().backoff(Duration.ofSeconds(-1), Duration.ofSeconds(5))
        .build()).hasMessage("initialBackoff must be positive: PT-1S");
    assertThatThrownBy(() -> DeliveryPolicy.builder().backoff(null, Duration.ofSeconds(5)).build())
        .hasMessage("initialBackoff");
    assertThatThrownBy(() -> DeliveryPolicy.builder().giveUpAfter(Duration.ZERO).build())
        .hasMessage("giveUpAfter must be positive: PT0S");
    assertThatThrownBy(() -> DeliveryPolicy.builder().rateLimit(0, Duration.ofSeconds(1)).build())
        .hasMessage("permits must be >= 1: 0");
    assertThatThrownBy(() -> DeliveryPolicy.builder().maxBatchSize(0).build())
        .hasMessage("maxBatchSize must be >= 1: 0");
    assertThatThrownBy(() -> DeliveryPolicy.builder().payloadRetention(Duration.ofDays(-1)).build())
        .hasMessage("payloadRetention must be positive: PT-24H");
  }

  @Test
  void routeNull_routeAfterClose_andABuilderBuiltTwiceOnOneFile_sayWhatIsWrong() {
    var builder = LeadRouter.builder().journalPath(dir.resolve("j.db")).addSink("crm", new InMemoryLeadSink())
        .defaultRoute("crm");
    LeadRouter router = builder.build();
    try {
      assertThatThrownBy(() -> router.route(null)).isInstanceOf(NullPointerException.class).hasMessage("lead");
      assertThatThrownBy(builder::build).isInstanceOf(JournalException.class)
          .hasMessageContaining("is already open in another router")
          .hasMessageContaining("give each process its own file, or use the PostgreSQL journal");
    } finally {
      router.close();
    }
    router.close(); // closing twice is harmless
    assertThatThrownBy(() -> router.route(SampleLeads.azureMarketplaceInstall())).isInstanceOf(LeadRouterException.class)
        .hasMessageStartingWith("the router is closed: leads can no longer be routed through it")
        .hasMessageContaining("was not accepted: route it again through an open router");
    assertThat(router.toString()).isNotBlank();
  }
}
