package io.leadrouter.spring;

import static io.leadrouter.spring.StarterContexts.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.LeadListener;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.metrics.MicrometerLeadListener;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Two routers of the application's own (one per tenant), each with a destination called {@code crm}: one tenant's
 * CRM refuses its leads, the other's takes them. Health and metrics must tell them apart.
 */
@Timeout(120)
class SeveralRoutersHealthTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final Diagnosis BAD_SECRET = new Diagnosis("CRM_INVALID_CLIENT_SECRET", "AADSTS7000215",
      "rotate tenant A's client secret");

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LeadRouterAutoConfiguration.class,
          HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class,
          EndpointAutoConfiguration.class, HealthEndpointAutoConfiguration.class))
      .withPropertyValues("management.endpoint.health.show-details=always");

  /** A tenant's router: its CRM is {@code crm}, every lead goes there, {@code listener} is told of each. */
  static LeadRouter tenant(InMemoryLeadSink crm, LeadListener listener) {
    return LeadRouter.builder().journal(InMemoryJournal.create()).addSink("crm", crm).defaultRoute("crm")
        .listener(listener).build();
  }

  /** As the README advised until now: the one {@code DestinationOutcomes} bean added to each router. */
  @Configuration(proxyBeanMethods = false)
  static class SharedOutcomes {
    static final InMemoryLeadSink A = new InMemoryLeadSink().failPermanently(BAD_SECRET);
    static final InMemoryLeadSink B = new InMemoryLeadSink();

    @Bean
    DestinationOutcomes outcomes() {
      return new DestinationOutcomes();
    }

    @Bean
    LeadRouter tenantA(DestinationOutcomes outcomes) {
      return tenant(A, outcomes);
    }

    @Bean
    LeadRouter tenantB(DestinationOutcomes outcomes) {
      return tenant(B, outcomes);
    }
  }

  /** As the README advises now: each router listened to by its own outcomes, named by its bean. */
  @Configuration(proxyBeanMethods = false)
  static class OutcomesPerRouter {
    static final InMemoryLeadSink A = new InMemoryLeadSink().failPermanently(BAD_SECRET);
    static final InMemoryLeadSink B = new InMemoryLeadSink();

    @Bean
    DestinationOutcomes outcomes() {
      return new DestinationOutcomes();
    }

    @Bean
    LeadRouter tenantA(DestinationOutcomes outcomes) {
      return tenant(A, outcomes.forRouter("tenantA"));
    }

    @Bean
    LeadRouter tenantB(DestinationOutcomes outcomes) {
      return tenant(B, outcomes.forRouter("tenantB"));
    }
  }

  /** Each router counted by the starter's metrics listener for its bean: {@code metrics.forRouter(beanName)}. */
  @Configuration(proxyBeanMethods = false)
  static class MetricsPerRouter {
    static final InMemoryLeadSink A = new InMemoryLeadSink().failPermanently(BAD_SECRET);
    static final InMemoryLeadSink B = new InMemoryLeadSink();

    @Bean
    LeadRouter tenantA(MicrometerLeadListener metrics) {
      return tenant(A, metrics.forRouter("tenantA"));
    }

    @Bean
    LeadRouter tenantB(MicrometerLeadListener metrics) {
      return tenant(B, metrics.forRouter("tenantB"));
    }
  }

  @Test
  void metricsOfTwoRouters_withSameNamedDestinations_areTaggedWithEachRoutersBeanName() {
    runner.withUserConfiguration(MetricsPerRouter.class)
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(context -> {
          assertThat(context).hasNotFailed();
          LeadRouter a = context.getBean("tenantA", LeadRouter.class);
          LeadRouter b = context.getBean("tenantB", LeadRouter.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          b.routeAndWait(SampleLeads.testDrive(), WAIT);
          a.route(SampleLeads.appSourceCreate());
          await(() -> events(registry, "tenantA", "dead_lettered") == 1.0);
          await(() -> events(registry, "tenantB", "delivered") == 1.0);
          assertThat(events(registry, "tenantA", "delivered")).as("tenant A's CRM took nothing").isZero();
          assertThat(events(registry, "tenantB", "dead_lettered")).as("tenant B's CRM refused nothing").isZero();
          // the journal gauges: bound for each router now (only a single or @Primary router's were before)
          assertThat(registry.get(MicrometerLeadListener.DELIVERIES).tag(MicrometerLeadListener.ROUTER, "tenantA")
              .tag(MicrometerLeadListener.DELIVERY_STATE, "dead").gauge().value()).isEqualTo(1.0);
          assertThat(registry.get(MicrometerLeadListener.DELIVERIES).tag(MicrometerLeadListener.ROUTER, "tenantB")
              .tag(MicrometerLeadListener.DELIVERY_STATE, "delivered").gauge().value()).isEqualTo(1.0);
        });
  }

  private static double events(MeterRegistry registry, String router, String type) {
    return registry.find(MicrometerLeadListener.EVENTS).tag(MicrometerLeadListener.ROUTER, router)
        .tag(MicrometerLeadListener.EVENT_TYPE, type).counters().stream().mapToDouble(c -> c.count()).sum();
  }

  @Test
  void oneOutcomesSharedByTwoRouters_oneTenantsDeadLetter_neverMakesTheOthersSameNamedDestinationDown() {
    runner.withUserConfiguration(SharedOutcomes.class).run(context -> {
      assertThat(context).hasNotFailed();
      LeadRouter a = context.getBean("tenantA", LeadRouter.class);
      LeadRouter b = context.getBean("tenantB", LeadRouter.class);
      b.routeAndWait(SampleLeads.testDrive(), WAIT);
      a.route(SampleLeads.appSourceCreate());
      await(() -> a.counts().getOrDefault("crm", java.util.Map.of())
          .getOrDefault(io.leadrouter.journal.DeliveryState.DEAD, 0L) == 1L);
      HealthEndpoint health = context.getBean(HealthEndpoint.class);
      IndicatedHealthDescriptor tenantB = (IndicatedHealthDescriptor) health.healthForPath("leadrouter", "tenantB", "crm");
      assertThat(tenantB.getStatus()).as("tenant B's CRM took every lead it was given").isEqualTo(Status.UP);
      assertThat(tenantB.getDetails()).doesNotContainKey("diagnosis");
    });
  }

  @Test
  void outcomesPerRouter_eachTenantsHealthShowsItsOwnOutcome() {
    runner.withUserConfiguration(OutcomesPerRouter.class).run(context -> {
      assertThat(context).hasNotFailed();
      LeadRouter a = context.getBean("tenantA", LeadRouter.class);
      LeadRouter b = context.getBean("tenantB", LeadRouter.class);
      b.routeAndWait(SampleLeads.testDrive(), WAIT);
      a.route(SampleLeads.appSourceCreate());
      HealthEndpoint health = context.getBean(HealthEndpoint.class);
      await(() -> ((IndicatedHealthDescriptor) health.healthForPath("leadrouter", "tenantA", "crm")).getStatus().equals(Status.DOWN));
      IndicatedHealthDescriptor tenantA = (IndicatedHealthDescriptor) health.healthForPath("leadrouter", "tenantA", "crm");
      assertThat(tenantA.getDetails()).containsEntry("diagnosis", "CRM_INVALID_CLIENT_SECRET")
          .containsEntry("remediation", "rotate tenant A's client secret");
      IndicatedHealthDescriptor tenantB = (IndicatedHealthDescriptor) health.healthForPath("leadrouter", "tenantB", "crm");
      assertThat(tenantB.getStatus()).isEqualTo(Status.UP);
      assertThat(tenantB.getDetails()).containsEntry("lastOutcome", "delivered").doesNotContainKey("diagnosis");
    });
  }

}
