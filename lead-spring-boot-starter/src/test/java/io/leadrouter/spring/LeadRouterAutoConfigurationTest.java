package io.leadrouter.spring;

import static io.leadrouter.spring.StarterContexts.rootCause;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.DeliveryPolicy;
import io.leadrouter.Lead;
import io.leadrouter.LeadEvent;
import io.leadrouter.LeadListener;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.RouterDescriptor;
import io.leadrouter.metrics.MicrometerLeadListener;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.testkit.InMemoryLeadSink;
import io.leadrouter.testkit.SampleLeads;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration against real routers, journals and sinks, in application contexts started per test. */
class LeadRouterAutoConfigurationTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;

  private final ApplicationContextRunner runner = StarterContexts.runner();

  /** The six lines of application.yml the README shows, as properties. */
  private String[] sixLines() {
    return new String[] {
        "leadrouter.journal.type=sqlite",
        "leadrouter.journal.path=" + dir.resolve("leadrouter.db"),
        "leadrouter.sinks.local.type=file",
        "leadrouter.sinks.local.path=" + dir.resolve("leads.ndjson"),
        "leadrouter.default[0]=local"};
  }

  @Test
  void sixLines_routeALeadToTheFileSink() {
    runner.withPropertyValues(sixLines()).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(LeadRouter.class);
      LeadRouter router = context.getBean(LeadRouter.class);
      assertThat(router.destinations()).containsExactly("local");
      Lead lead = SampleLeads.azureMarketplaceInstall();
      assertThat(router.routeAndWait(lead, WAIT)).containsOnlyKeys("local");
      assertThat(Files.readString(dir.resolve("leads.ndjson"))).contains(lead.id().toString());
    });
  }

  @Test
  void descriptor_isTheSameModelAsTheDescriptorFile() {
    runner.withPropertyValues(sixLines())
        .withPropertyValues("leadrouter.routes[0].name=contoso", "leadrouter.routes[0].offer=contoso.*",
            "leadrouter.routes[0].channels[0]=AzureMarketplace", "leadrouter.routes[0].sinks[0]=local",
            "leadrouter.sinks.local.delivery.maxConcurrency=3", "leadrouter.journal.retention=2d")
        .run(context -> {
          RouterDescriptor d = context.getBean(RouterDescriptor.class);
          assertThat(d.journal().path()).contains(dir.resolve("leadrouter.db"));
          assertThat(d.journal().retention()).isEqualTo(Duration.ofDays(2));
          assertThat(d.sinks().get("local").delivery().maxConcurrency()).hasValue(3);
          assertThat(d.routes()).singleElement().satisfies(r -> {
            assertThat(r.name()).isEqualTo("contoso");
            assertThat(r.sinks()).containsExactly("local");
            assertThat(r.channels()).hasSize(1);
          });
          assertThat(d.defaultRoute()).containsExactly("local");
        });
  }

  /** {@code --leadrouter.default=local,archive}: Spring binds a comma-separated value as a list, and so does the starter. */
  @Test
  void commaSeparatedNames_areListsAsSpringBindsThem() {
    String[] two = {"leadrouter.journal.type=memory", "leadrouter.sinks.local.type=file",
        "leadrouter.sinks.local.path=" + dir.resolve("leads.ndjson"), "leadrouter.sinks.archive.type=file",
        "leadrouter.sinks.archive.path=" + dir.resolve("archive.ndjson")};
    runner.withPropertyValues(two).withPropertyValues("leadrouter.default=local, archive",
            "leadrouter.routes[0].name=appsource", "leadrouter.routes[0].channels=SPZA,TestDrive",
            "leadrouter.routes[0].actions=Create,StartTestDrive", "leadrouter.routes[0].sinks=archive,local")
        .run(context -> {
          assertThat(context).hasNotFailed();
          RouterDescriptor d = context.getBean(RouterDescriptor.class);
          assertThat(d.defaultRoute()).containsExactly("local", "archive");
          assertThat(d.routes()).singleElement().satisfies(r -> {
            assertThat(r.sinks()).containsExactly("archive", "local");
            assertThat(r.channels()).containsExactlyInAnyOrder("spza", "testdrive");
            assertThat(r.actions()).containsExactlyInAnyOrder("create", "starttestdrive");
          });
          Lead lead = SampleLeads.azureMarketplaceInstall();
          assertThat(context.getBean(LeadRouter.class).routeAndWait(lead, WAIT)).containsOnlyKeys("local", "archive");
          assertThat(Files.readString(dir.resolve("archive.ndjson"))).contains(lead.id().toString());
        });
    runner.withPropertyValues(two).withPropertyValues("leadrouter.default=local,")
        .run(context -> assertThat(rootCause(context.getStartupFailure(), ConfigurationException.class).problems())
            .extracting(p -> p.toString()).containsExactly("leadrouter.default[1]: is empty (write a sink name)"));
  }

  /** A list set in code, as Spring binds one ({@code setDefaultProperties(Map.of("leadrouter.default", List.of(...)))}). */
  @Test
  void aListValuedProperty_isAList() {
    runner.withPropertyValues("leadrouter.journal.type=memory", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.path=" + dir.resolve("leads.ndjson"), "leadrouter.sinks.archive.type=file",
            "leadrouter.sinks.archive.path=" + dir.resolve("archive.ndjson"))
        .withInitializer(c -> c.getEnvironment().getPropertySources().addLast(new org.springframework.core.env
            .MapPropertySource("defaultProperties", java.util.Map.of("leadrouter.default", List.of("local", "archive")))))
        .run(context -> {
          assertThat(context).hasNotFailed();
          assertThat(context.getBean(RouterDescriptor.class).defaultRoute()).containsExactly("local", "archive");
        });
  }

  @Test
  void invalidSettings_failStartWithEveryProblemUnderLeadrouter() {
    runner.withPropertyValues("leadrouter.journal.type=disk", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.path=" + dir.resolve("leads.ndjson"), "leadrouter.default[0]=locl",
            "leadrouter.jounral.path=x.db")
        .run(context -> {
          assertThat(context).hasFailed();
          ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
          assertThat(e.problems()).extracting(p -> p.path()).containsExactlyInAnyOrder(
              "leadrouter.jounral", "leadrouter.journal.type", "leadrouter.default[0]");
          assertThat(e.getMessage()).contains("leadrouter.journal.type: 'disk' is not a journal type");
        });
  }

  @Test
  void descriptorAndSinkProblems_failStartTogether() {
    runner.withPropertyValues("leadrouter.journal.type=disk", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.pth=x.ndjson", "leadrouter.sinks.local.delivery.maxConcurency=4",
            "leadrouter.default=local")
        .run(context -> {
          ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
          assertThat(e.problems()).extracting(p -> p.path()).containsExactlyInAnyOrder(
              "leadrouter.journal.type", "leadrouter.sinks.local.delivery.maxConcurency",
              "leadrouter.sinks.local.path", "leadrouter.sinks.local.pth");
        });
  }

  @Test
  void failureAnalyzer_reportsEachKeyWithWhatIsWrongAndItsFix() {
    runner.withPropertyValues("leadrouter.journal.type=memory", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.pth=x.ndjson", "leadrouter.default=locl")
        .run(context -> {
          org.springframework.boot.diagnostics.FailureAnalysis analysis =
              new io.leadrouter.spring.internal.LeadRouterFailureAnalyzer().analyze(context.getStartupFailure());
          assertThat(analysis).isNotNull();
          assertThat(analysis.getDescription()).startsWith("The LeadRouter configuration is invalid:")
              .contains("  - leadrouter.default: no sink named 'locl'")
              .contains("  - leadrouter.sinks.local.path: is required")
              .contains("  - leadrouter.sinks.local.pth: is not a setting of the file sink");
          assertThat(analysis.getAction()).contains("leadrouter.sinks.local.path: set path for the file sink")
              .contains("leadrouter.default: did you mean 'local'? defined: local");
        });
  }

  @Test
  void sinkSettings_problemsFromTheSinkNameTheirKeyUnderLeadrouter() {
    runner.withPropertyValues("leadrouter.journal.type=memory", "leadrouter.sinks.local.type=file",
            "leadrouter.sinks.local.pth=x.ndjson", "leadrouter.default=local")
        .run(context -> {
          ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
          assertThat(e.problems()).extracting(p -> p.path()).allMatch(p -> p.startsWith("leadrouter.sinks.local."));
        });
  }

  @Test
  void secrets_comeOnlyFromReferences_resolvedThroughTheEnvironment() {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    String[] https = {"leadrouter.journal.type=memory", "leadrouter.sinks.hooks.type=https",
        "leadrouter.sinks.hooks.url=https://hooks.example.com/leads", "leadrouter.default=hooks"};
    runner.withPropertyValues(https).withPropertyValues("HOOK_SECRET=" + secret,
            "leadrouter.sinks.hooks.signingSecret=${HOOK_SECRET}")
        .run(context -> assertThat(context).hasNotFailed().hasSingleBean(LeadRouter.class));
    runner.withPropertyValues(https).withPropertyValues("leadrouter.sinks.hooks.signingSecret=" + secret)
        .run(context -> {
          ConfigurationException e = rootCause(context.getStartupFailure(), ConfigurationException.class);
          assertThat(e.getMessage()).contains("leadrouter.sinks.hooks.signingSecret").doesNotContain(secret);
        });
    runner.withPropertyValues(https).withPropertyValues("leadrouter.sinks.hooks.signingSecret=${NOT_SET_ANYWHERE}")
        .run(context -> assertThat(rootCause(context.getStartupFailure(), ConfigurationException.class))
            .hasMessageContaining("NOT_SET_ANYWHERE"));
  }

  @Test
  void descriptorFile_isUsedInstead() throws Exception {
    Path file = dir.resolve("leadrouter.yaml");
    Files.writeString(file, "journal: {type: memory}\nsinks:\n  archive: {type: file, path: archive.ndjson}\n"
        + "default: [archive]\n");
    runner.withPropertyValues("leadrouter.descriptor=" + file).run(context -> {
      assertThat(context.getBean(LeadRouter.class).destinations()).containsExactly("archive");
      LeadRouter router = context.getBean(LeadRouter.class);
      router.routeAndWait(SampleLeads.testDrive(), WAIT);
      assertThat(dir.resolve("archive.ndjson")).as("relative to the descriptor's folder").exists();
    });
  }

  /** {@code LEADROUTER_DESCRIPTOR=${DESCRIPTOR_PATH}} with the path unset: the empty key is named, not "leadrouter". */
  @Test
  void anEmptyDescriptorKey_failsTheStartNamingIt() {
    runner.withPropertyValues("leadrouter.descriptor=").run(context -> assertThat(
        rootCause(context.getStartupFailure(), ConfigurationException.class).problems()).extracting(p -> p.toString())
        .containsExactly("leadrouter.descriptor: is empty (name the descriptor file, e.g. leadrouter.yaml, or remove"
            + " the key and describe the router under leadrouter.sinks)"));
  }

  @Test
  void descriptorFileAndKeys_together_areRefused() throws Exception {
    Path file = dir.resolve("leadrouter.yaml");
    Files.writeString(file, "sinks:\n  archive: {type: file, path: archive.ndjson}\ndefault: [archive]\n");
    runner.withPropertyValues(sixLines()).withPropertyValues("leadrouter.descriptor=" + file).run(context ->
        assertThat(rootCause(context.getStartupFailure(), ConfigurationException.class)).hasMessageContaining(
            "leadrouter.descriptor: is set together with leadrouter.journal, leadrouter.sinks, leadrouter.default"));
  }

  /**
   * The application overrides the router but builds it from the keys it set ({@code LeadRouter.builder(descriptor)}):
   * the starter built no descriptor once a {@code LeadRouter} bean was defined, so this bean failed the start for a
   * missing {@code RouterDescriptor}. Without keys, the starter still builds none (the application needs none).
   */
  @Test
  void anApplicationsRouterBuiltFromTheDescriptor_getsTheDescriptorOfTheKeys() {
    runner.withPropertyValues(sixLines()).withUserConfiguration(RouterFromDescriptor.class).run(context -> {
      assertThat(context).hasNotFailed().hasSingleBean(LeadRouter.class).hasSingleBean(RouterDescriptor.class);
      LeadRouter router = context.getBean(LeadRouter.class);
      assertThat(router.destinations()).containsExactlyInAnyOrder("local", "memory");
      Lead lead = SampleLeads.testDrive();
      router.routeAndWait(lead, WAIT);
      assertThat(Files.readString(dir.resolve("leads.ndjson"))).contains(lead.id().toString());
    });
    runner.withUserConfiguration(OwnRouter.class).run(context -> assertThat(context).hasNotFailed()
        .doesNotHaveBean(RouterDescriptor.class));
  }

  /** An application that builds its router from the starter's descriptor, adding a sink of its own. */
  @Configuration(proxyBeanMethods = false)
  static class RouterFromDescriptor {
    @Bean
    LeadRouter leadRouter(RouterDescriptor descriptor) {
      return LeadRouter.builder(descriptor).addSink("memory", new InMemoryLeadSink()).build();
    }
  }

  @Test
  void nothingConfigured_backsOff() {
    runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(LeadRouter.class)
        .doesNotHaveBean(RouterDescriptor.class));
    runner.withPropertyValues(sixLines()).withPropertyValues("leadrouter.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(LeadRouter.class));
  }

  @Test
  void applicationBeans_win_andListenersAndCustomizersAreApplied() {
    InMemoryLeadSink memory = new InMemoryLeadSink();
    List<LeadEvent> events = new CopyOnWriteArrayList<>();
    runner.withPropertyValues(sixLines())
        .withBean("recorder", LeadListener.class, () -> events::add)
        .withBean(LeadRouterCustomizer.class, () -> b -> b.addSink("memory", memory, DeliveryPolicy.DEFAULTS)
            .defaultRoute("local", "memory"))
        .run(context -> {
          Lead lead = SampleLeads.appSourceCreate();
          context.getBean(LeadRouter.class).routeAndWait(lead, WAIT);
          assertThat(memory.contains(lead.id())).isTrue();
          assertThat(events).extracting(LeadEvent::type).contains(LeadEvent.Type.ACCEPTED, LeadEvent.Type.DELIVERED);
        });
    runner.withPropertyValues(sixLines()).withUserConfiguration(OwnRouter.class).run(context -> {
      assertThat(context).hasSingleBean(LeadRouter.class);
      assertThat(context.getBean(LeadRouter.class).destinations()).containsExactly("mine");
      assertThat(context).as("the application's router is not the auto-configured one")
          .doesNotHaveBean("leadRouter");
    });
  }

  @Test
  void contextClose_closesTheRouter() {
    LeadRouter[] router = new LeadRouter[1];
    runner.withPropertyValues(sixLines()).run(context -> router[0] = context.getBean(LeadRouter.class));
    assertThatThrownBy(() -> router[0].route(SampleLeads.testDrive())).isInstanceOf(LeadRouterException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void health_perDestination_upDegradedDownWithTheDiagnosisCode() {
    InMemoryLeadSink crm = new InMemoryLeadSink();
    runner.withPropertyValues(sixLines())
        .withBean(LeadRouterCustomizer.class, () -> b -> b.addSink("crm", crm, DeliveryPolicy.DEFAULTS)
            .defaultRoute("local", "crm"))
        .run(context -> {
          CompositeHealthContributor health = context.getBean("leadrouterHealthContributor",
              CompositeHealthContributor.class);
          assertThat(health.stream()).extracting(c -> c.name()).containsExactlyInAnyOrder("local", "crm");
          HealthIndicator crmHealth = (HealthIndicator) health.getContributor("crm");
          assertThat(crmHealth.health().getStatus()).isEqualTo(Status.UP);
          LeadRouter router = context.getBean(LeadRouter.class);

          crm.quotaSpentUntil(Instant.now().plus(Duration.ofHours(1)));
          router.route(SampleLeads.testDrive());
          Health parked = awaitHealth(crmHealth, h -> h.getDetails().containsKey("lastOutcome"));
          assertThat(parked.getStatus()).isEqualTo(DestinationHealthIndicator.DEGRADED);
          assertThat(parked.getDetails()).containsKey("parkedUntil").containsEntry("lastOutcome", "parked");

          Diagnosis bad = new Diagnosis("CRM_INVALID_CLIENT_SECRET", "AADSTS7000215", "rotate the secret");
          crm.heal().failPermanently(bad);
          router.journal().park("crm", Instant.now(), "test: quota reset"); // end the parking now
          router.route(SampleLeads.appSourceCreate());
          Health down = awaitHealth(crmHealth, h -> h.getStatus().equals(Status.DOWN));
          assertThat(down.getDetails()).containsEntry("diagnosis", "CRM_INVALID_CLIENT_SECRET")
              .containsEntry("remediation", "rotate the secret");
          assertThat(((HealthIndicator) health.getContributor("local")).health().getStatus()).isEqualTo(Status.UP);
        });
  }

  @Test
  void health_canBeSwitchedOff() {
    runner.withPropertyValues(sixLines()).withPropertyValues("management.health.leadrouter.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean("leadrouterHealthContributor"));
  }

  @Test
  void metrics_registeredInTheApplicationsRegistry() {
    runner.withPropertyValues(sixLines())
        .withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class))
        .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
        .run(context -> {
          assertThat(context).hasSingleBean(MicrometerLeadListener.class);
          MeterRegistry registry = context.getBean(MeterRegistry.class);
          context.getBean(LeadRouter.class).routeAndWait(SampleLeads.azureMarketplaceInstall(), WAIT);
          assertThat(registry.get("leadrouter.events").tag("leadrouter.event.type", "delivered").counter().count())
              .isEqualTo(1.0);
          assertThat(registry.get("leadrouter.deliveries").tag("leadrouter.destination", "local").gauges())
              .isNotEmpty();
        });
    runner.withPropertyValues(sixLines()).run(context -> assertThat(context)
        .as("no registry, no metrics").doesNotHaveBean(MicrometerLeadListener.class));
  }

  /** Polls the indicator until {@code done} holds (events reach listeners just after the journal records them). */
  @Test
  void tracing_withTheApplicationsOpenTelemetry_routeAndDeliveryInOneTrace() {
    io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter spans =
        io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
    io.opentelemetry.sdk.OpenTelemetrySdk sdk = io.opentelemetry.sdk.OpenTelemetrySdk.builder()
        .setTracerProvider(io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
            .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(spans)).build())
        .build();
    runner.withPropertyValues(sixLines())
        .withBean(io.opentelemetry.api.OpenTelemetry.class, () -> sdk)
        .run(context -> {
          context.getBean(LeadRouter.class).routeAndWait(SampleLeads.azureMarketplaceInstall(), WAIT);
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (spans.getFinishedSpanItems().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
          assertThat(spans.getFinishedSpanItems()).extracting(s -> s.getName())
              .containsExactlyInAnyOrder("route", "deliver local");
          assertThat(spans.getFinishedSpanItems()).extracting(s -> s.getTraceId()).containsOnly(
              spans.getFinishedSpanItems().get(0).getTraceId());
        });
    runner.withPropertyValues(sixLines()).run(context -> assertThat(context.getBean(io.leadrouter.LeadTracer.class))
        .as("no OpenTelemetry bean, no tracing").isSameAs(io.leadrouter.LeadTracer.NONE));
  }

  private static Health awaitHealth(HealthIndicator indicator, java.util.function.Predicate<Health> done)
      throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    Health health = indicator.health();
    while (!done.test(health) && System.nanoTime() < deadline) {
      Thread.sleep(20);
      health = indicator.health();
    }
    assertThat(done).as(health.toString()).accepts(health);
    return health;
  }

  /** An application that builds its own router. */
  @Configuration(proxyBeanMethods = false)
  static class OwnRouter {
    @Bean
    LeadRouter myRouter() {
      return LeadRouter.builder().journal(io.leadrouter.journal.InMemoryJournal.create())
          .addSink("mine", new InMemoryLeadSink()).defaultRoute("mine").build();
    }
  }
}
