package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.DeliveryPolicy;
import io.leadrouter.LeadRouter;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.OutputCapture;
import io.leadrouter.testkit.SampleLeads;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Discovery through real META-INF/services files on a class loader, as plugin jars provide them. */
class ProviderDiscoveryTest {
  @TempDir Path dir;

  private ClassLoader withServices(String... providerClasses) throws IOException {
    Path services = dir.resolve("META-INF/services");
    Files.createDirectories(services);
    Files.writeString(services.resolve("io.leadrouter.spi.LeadSinkProvider"),
        "# test providers\n" + String.join("\n", providerClasses) + "\n");
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void discover_findsBuiltInAndPluginProviders_andSkipsABrokenOne() throws Exception {
    ClassLoader cl = withServices(BrokenSinkProvider.class.getName(), MemorySinkProvider.class.getName(),
        "io.leadrouter.engine.DoesNotExist");
    try (OutputCapture out = OutputCapture.start()) {
      try (LeadRouter router = LeadRouter.builder().journal(InMemoryJournal.create()).discoverProviders(cl)
          .addSink(SinkConfig.builder("crm", "memory").build(), DeliveryPolicy.DEFAULTS)
          .addSink(SinkConfig.builder("local", "file").put("path", dir.resolve("leads.ndjson").toString()).build(),
              DeliveryPolicy.DEFAULTS)
          .defaultRoute("crm", "local").build()) {
        assertThat(router.routeAndWait(SampleLeads.azureMarketplaceInstall(), Duration.ofSeconds(20)))
            .containsOnlyKeys("crm", "local");
      }
      assertThat(out.text())
          .contains("skipping a sink provider that failed to load: io.leadrouter.spi.LeadSinkProvider: Provider "
              + BrokenSinkProvider.class.getName() + " could not be instantiated")
          .contains("skipping a sink provider that failed to load: io.leadrouter.spi.LeadSinkProvider: Provider"
              + " io.leadrouter.engine.DoesNotExist not found");
    }
  }

  @Test
  void discover_twoProvidersOfOneType_failsNamingBothClasses() throws Exception {
    ClassLoader cl = withServices(MemorySinkProvider.class.getName(), OtherMemorySinkProvider.class.getName());
    assertThatThrownBy(() -> LeadRouter.builder().discoverProviders(cl))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: providers.memory: two sink providers declare type 'memory': "
            + MemorySinkProvider.class.getName() + " and " + OtherMemorySinkProvider.class.getName()
            + " (remove one of the two jars from the class path)");
  }

  @Test
  void build_unknownKnownType_namesTheArtifactToAdd() {
    assertThatThrownBy(() -> LeadRouter.builder().journal(InMemoryJournal.create())
        .addSink(SinkConfig.builder("crm", "salesforce").build(), DeliveryPolicy.DEFAULTS).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.crm.type: no sink of type 'salesforce'"
            + " (add io.leadrouter:lead-salesforce to the class path)");
  }

  @Test
  void build_unknownType_listsKnownTypes() throws Exception {
    ClassLoader cl = withServices(MemorySinkProvider.class.getName());
    assertThatThrownBy(() -> LeadRouter.builder().journal(InMemoryJournal.create()).discoverProviders(cl)
        .addSink(SinkConfig.builder("crm", "hubspot").build(), DeliveryPolicy.DEFAULTS).build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.crm.type: no sink of type 'hubspot' (check the spelling (known"
            + " types: file, memory) or add the jar of the plugin that provides it)");
  }
}
