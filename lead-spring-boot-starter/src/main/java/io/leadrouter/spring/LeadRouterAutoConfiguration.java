package io.leadrouter.spring;

import io.leadrouter.ConfigurationException;
import io.leadrouter.LeadListener;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.LeadTracer;
import io.leadrouter.RouterDescriptor;
import io.leadrouter.metrics.MicrometerLeadListener;
import io.leadrouter.otel.OpenTelemetryTracing;
import io.leadrouter.spring.internal.EnvironmentDescriptor;
import io.leadrouter.spring.internal.LeadRouterLifecycle;
import io.leadrouter.spring.internal.LeadRouterSanitizingFunction;
import io.leadrouter.spring.internal.OnLeadRouterConfigured;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.opentelemetry.api.OpenTelemetry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Auto-configures a {@link LeadRouter} from the {@code leadrouter.*} settings, which are the descriptor's own keys
 * ({@code journal}, {@code sinks}, {@code routes}, {@code default}), or from the descriptor file named by
 * {@code leadrouter.descriptor}. Sink providers are discovered on the class path; {@link LeadListener} beans and
 * {@link LeadRouterCustomizer} beans are applied; the router is closed gracefully when the context stops. With
 * Actuator, each destination has a health indicator under {@code leadrouter}; with a Micrometer registry, the
 * router's metrics are registered; with an OpenTelemetry bean, route() and each delivery attempt are traced. Every bean backs off when the application defines its own.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@Conditional(OnLeadRouterConfigured.class)
public final class LeadRouterAutoConfiguration {
  /** How long in-flight deliveries may take to finish at shutdown unless {@code leadrouter.shutdown-timeout} says. */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);

  /** Created by Spring. */
  public LeadRouterAutoConfiguration() {}

  /**
   * The router as described by {@code leadrouter.*} or {@code leadrouter.descriptor}, validated whole. Also when the
   * application defines its own {@link LeadRouter} bean while those keys are set, so that it can build its router
   * from them ({@code LeadRouter.builder(descriptor)...}): refused before, such a bean failed the start for a missing
   * {@code RouterDescriptor}. Not for an application with its own routers and no such keys (it needs none).
   */
  @Bean
  @ConditionalOnMissingBean(RouterDescriptor.class)
  @Conditional(DescriptorWanted.class)
  public RouterDescriptor leadRouterDescriptor(ConfigurableEnvironment environment) {
    return EnvironmentDescriptor.load(environment, Path.of("").toAbsolutePath(),
        name -> Optional.ofNullable(environment.getProperty(name)));
  }

  /** There is no {@code LeadRouter} bean of the application's own, or {@code leadrouter.*} describes a router. */
  static final class DescriptorWanted extends AnyNestedCondition {
    DescriptorWanted() {
      super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnMissingBean(LeadRouter.class)
    static final class NoRouterOfTheApplication {}

    @Conditional(OnDescriptorKeys.class)
    static final class Described {}
  }

  /** {@code leadrouter.descriptor} or a {@code leadrouter.sinks} entry is set. */
  static final class OnDescriptorKeys extends SpringBootCondition {
    @Override
    public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
      return context.getEnvironment() instanceof ConfigurableEnvironment env && EnvironmentDescriptor.describes(env)
          ? ConditionOutcome.match("leadrouter.descriptor or leadrouter.sinks is set")
          : ConditionOutcome.noMatch("neither leadrouter.descriptor nor leadrouter.sinks is set");
    }
  }

  /** Remembers each destination's latest outcome, for the health indicators. */
  @Bean
  @ConditionalOnMissingBean
  public DestinationOutcomes leadRouterOutcomes() {
    return new DestinationOutcomes();
  }

  /** The router: built from the descriptor, with every {@link LeadListener} bean, then each customizer applied. */
  @Bean
  @ConditionalOnMissingBean
  public LeadRouter leadRouter(RouterDescriptor descriptor, ObjectProvider<LeadListener> listeners,
      ObjectProvider<LeadTracer> tracer, ObjectProvider<LeadRouterCustomizer> customizers,
      ConfigurableEnvironment environment) {
    LeadRouterBuilder builder = LeadRouter.builder(descriptor);
    listeners.orderedStream().forEach(builder::listener);
    tracer.ifAvailable(builder::tracer);
    customizers.orderedStream().forEach(c -> c.customize(builder));
    try {
      return builder.build();
    } catch (ConfigurationException e) {
      // the sinks' own checks name descriptor paths; in application.yml they live under leadrouter.
      throw EnvironmentDescriptor.describesRouter(environment) ? EnvironmentDescriptor.prefixed(e) : e;
    }
  }

  /** Closes the router when the context stops, after the web server, within {@code leadrouter.shutdown-timeout}. */
  @Bean
  @ConditionalOnMissingBean
  public LeadRouterLifecycle leadRouterLifecycle(ObjectProvider<LeadRouter> routers,
      ConfigurableEnvironment environment) {
    Duration timeout;
    try {
      timeout = Binder.get(environment).bind("leadrouter.shutdown-timeout", Duration.class)
          .orElse(DEFAULT_SHUTDOWN_TIMEOUT);
    } catch (BindException e) {
      // Spring names its canonical form; the user wrote the key in their own spelling (shutdownTimeout)
      String key = EnvironmentDescriptor.keyAsWritten(environment, "leadrouter.shutdown-timeout");
      throw new ConfigurationException(key, "is '" + environment.getProperty("leadrouter.shutdown-timeout")
          + "', not a duration", "write a duration such as 30s, 2m or 500ms (a number alone is milliseconds)");
    }
    if (timeout.isNegative()) {
      // the router built just before is closed by the context as it fails
      throw new ConfigurationException(EnvironmentDescriptor.keyAsWritten(environment, "leadrouter.shutdown-timeout"), "is negative ("
          + environment.getProperty("leadrouter.shutdown-timeout") + ")",
          "set how long deliveries in flight may take to finish at shutdown, zero or more (default 30s)");
    }
    return new LeadRouterLifecycle(routers.orderedStream().toList(), timeout);
  }

  /** Actuator health: one indicator per destination, grouped under {@code leadrouter}. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(HealthIndicator.class)
  @ConditionalOnEnabledHealthIndicator("leadrouter")
  static class HealthConfiguration {
    /**
     * {@code /actuator/health/leadrouter/<destination>}; with several {@code LeadRouter} beans,
     * {@code /actuator/health/leadrouter/<bean name>/<destination>}.
     */
    @Bean
    @ConditionalOnMissingBean(name = "leadrouterHealthContributor")
    HealthContributor leadrouterHealthContributor(Map<String, LeadRouter> routers, DestinationOutcomes outcomes) {
      if (routers.size() == 1) {
        Map.Entry<String, LeadRouter> only = routers.entrySet().iterator().next();
        return destinations(only.getValue(), outcomes.ofRouter(only.getKey()).orElse(outcomes));
      }
      // an event does not say which router told it: one outcomes listening to several routers would show one's dead
      // letter as another's same-named destination being down, so each router's health reads its own outcomes
      Map<String, HealthContributor> byBean = new LinkedHashMap<>();
      routers.forEach((name, router) -> byBean.put(name, destinations(router, outcomes.forRouter(name))));
      return CompositeHealthContributor.fromMap(byBean);
    }

    private static HealthContributor destinations(LeadRouter router, DestinationOutcomes outcomes) {
      Map<String, HealthIndicator> indicators = new LinkedHashMap<>();
      router.destinations().forEach(d -> indicators.put(d, new DestinationHealthIndicator(router, d, outcomes)));
      return CompositeHealthContributor.fromMap(indicators);
    }
  }

  /** Actuator's env and configprops endpoints: the router's secrets masked even where values are shown. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(SanitizingFunction.class)
  static class SanitizingConfiguration {
    /** Masks secret-named {@code leadrouter.*} keys, the properties they refer to, and URL passwords under them. */
    @Bean
    @ConditionalOnMissingBean(name = "leadRouterSanitizingFunction")
    SanitizingFunction leadRouterSanitizingFunction(ConfigurableEnvironment environment) {
      return new LeadRouterSanitizingFunction(environment);
    }
  }

  /** OpenTelemetry: route() and delivery attempts traced with the application's {@code OpenTelemetry} bean. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(OpenTelemetry.class)
  static class TracingConfiguration {
    /**
     * Traces with the application's {@code OpenTelemetry} bean when there is one (looked up when the router is
     * built, so it does not matter which auto-configuration defines it); traces nothing otherwise.
     */
    @Bean
    @ConditionalOnMissingBean
    LeadTracer leadRouterTracer(ObjectProvider<OpenTelemetry> openTelemetry) {
      OpenTelemetry otel = openTelemetry.getIfUnique();
      return otel == null ? LeadTracer.NONE : OpenTelemetryTracing.create(otel);
    }
  }

  /** Micrometer: lead events counted and deliveries per state gauged, in the application's registry. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnClass(MeterRegistry.class)
  @ConditionalOnBean(MeterRegistry.class)
  static class MetricsConfiguration {
    /**
     * Counts lead events ({@code leadrouter.events}, tagged {@code leadrouter.router=default}); a
     * {@link LeadListener}, so the auto-configured router is told of it. The application's own routers each add
     * {@code forRouter(beanName)} of it: one instance added to two routers counted both as one.
     */
    @Bean
    @ConditionalOnMissingBean
    MicrometerLeadListener leadRouterMetrics(MeterRegistry registry) {
      return new MicrometerLeadListener(registry);
    }

    /**
     * Gauges of the journal's deliveries per destination and state ({@code leadrouter.deliveries}) and of its
     * quarantine, for every router of the context: the one router's tagged {@code leadrouter.router=default}, as its
     * events are; with several {@code LeadRouter} beans, each router's tagged with its bean's name, as the events its
     * {@code metrics.forRouter(beanName)} listener counts. Bound only for a single (or primary) router before, since
     * several routers' gauges had the same names and tags.
     */
    @Bean
    @ConditionalOnMissingBean(name = "leadRouterDeliveryGauges")
    MeterBinder leadRouterDeliveryGauges(MicrometerLeadListener metrics, ListableBeanFactory beans) {
      return registry -> {
        Map<String, LeadRouter> routers = beans.getBeansOfType(LeadRouter.class);
        if (routers.size() == 1) {
          metrics.bindGauges(routers.values().iterator().next());
        } else {
          routers.forEach((name, router) -> metrics.forRouter(name).bindGauges(router));
        }
      };
    }
  }
}
