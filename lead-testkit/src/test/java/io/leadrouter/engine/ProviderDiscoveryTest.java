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

  /** A provider whose {@code type()} throws, as one whose static set-up failed. */
  public static final class TypeThrowingProvider implements io.leadrouter.spi.LeadSinkProvider {
    @Override
    public String type() {
      throw new IllegalStateException("plugin not initialised");
    }

    @Override
    public io.leadrouter.spi.LeadSink create(SinkConfig config) {
      throw new AssertionError("unreachable");
    }
  }

  @Test
  void discover_brokenPluginJar_namesTheJarAndTheCause_andTheOthersStillLoad() throws Exception {
    Path jar = dir.resolve("crm-plugin-1.0.jar");
    try (java.util.jar.JarOutputStream out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar))) {
      out.putNextEntry(new java.util.jar.JarEntry("META-INF/services/io.leadrouter.spi.LeadSinkProvider"));
      out.write((BrokenSinkProvider.class.getName() + "\n" + TypeThrowingProvider.class.getName() + "\n")
          .getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    withServices(MemorySinkProvider.class.getName()); // a healthy plugin beside the broken jar
    ClassLoader cl = new URLClassLoader(new URL[] {jar.toUri().toURL(), dir.toUri().toURL()},
        getClass().getClassLoader());
    try (OutputCapture out = OutputCapture.start()) {
      io.leadrouter.LeadRouterBuilder b = LeadRouter.builder().discoverProviders(cl);
      try (LeadRouter router = b.journal(InMemoryJournal.create())
          .addSink(SinkConfig.builder("crm", "memory").build(), DeliveryPolicy.DEFAULTS).defaultRoute("crm")
          .build()) {
        assertThat(router.destinations()).containsExactly("crm");
      }
      assertThat(out.text())
          .contains("Provider " + BrokenSinkProvider.class.getName() + " could not be instantiated"
              + " (java.lang.NoClassDefFoundError: com/example/crm/Client)")
          .contains("listed in jar:" + jar.toUri().toURL() + "!/META-INF/services/io.leadrouter.spi.LeadSinkProvider")
          .contains(TypeThrowingProvider.class.getName() + " failed in type(): java.lang.IllegalStateException:"
              + " plugin not initialised");
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
    assertThatThrownBy(() -> buildWithSinkOfType(cl, "hubspot"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.crm.type: no sink of type 'hubspot' (check the spelling (known"
            + " types: file, memory) or add the jar of the plugin that provides it)");
  }

  @Test
  void build_aTypeInAnotherCaseOrMisspelled_suggestsTheNearestType() throws Exception {
    ClassLoader cl = withServices(MemorySinkProvider.class.getName());
    assertThatThrownBy(() -> buildWithSinkOfType(cl, "File"))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: sinks.crm.type: no sink of type 'File' (did you mean 'file'? otherwise"
            + " check the spelling (known types: file, memory) or add the jar of the plugin that provides it)");
    assertThatThrownBy(() -> buildWithSinkOfType(cl, "dynamic"))
        .as("one of ours, not on the class path: the fix of that spelling then names the artifact")
        .hasMessageContaining("(did you mean 'dynamics'? otherwise check the spelling");
  }

  /** Builds a router discovering the providers of {@code cl}, with one sink {@code crm} of {@code type}. */
  private static LeadRouter buildWithSinkOfType(ClassLoader cl, String type) {
    return LeadRouter.builder().journal(InMemoryJournal.create()).discoverProviders(cl)
        .addSink(SinkConfig.builder("crm", type).build(), DeliveryPolicy.DEFAULTS).build();
  }
}
