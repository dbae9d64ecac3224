package io.leadrouter.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.SampleLeads;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A router built from a descriptor file routes as the file says; relative paths resolve against its folder. */
class DescriptorRoutingTest {
  @TempDir Path dir;

  @Test
  void fromDescriptor_quickstartExample_routesToTheFileBesideIt() throws Exception {
    Path example = Path.of("../examples/leadrouter.yaml");
    Path descriptor = dir.resolve("leadrouter.yaml");
    Files.copy(example, descriptor);
    Lead lead = SampleLeads.appSourceCreate();
    try (LeadRouter router = LeadRouter.fromDescriptor(descriptor)) {
      assertThat(router.destinations()).containsExactly("local");
      router.routeAndWait(lead, Duration.ofSeconds(20));
    }
    assertThat(dir.resolve("out/leadrouter.db")).exists();
    List<String> lines = Files.readAllLines(dir.resolve("out/leads.ndjson"));
    assertThat(lines).singleElement().asString().contains("\"LeadId\":\"" + lead.id() + "\"");
  }

  @Test
  void fromDescriptor_badSinkSettings_reportsEveryProblemAtOnce() throws Exception {
    Path descriptor = dir.resolve("leadrouter.yaml");
    Files.writeString(descriptor, """
        journal:
          type: memory
        sinks:
          local:
            type: file
            pth: out/leads.ndjson
          crm:
            type: marketo
        default: [local, crm]
        """);
    assertThatThrownBy(() -> LeadRouter.fromDescriptor(descriptor))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration in " + descriptor + " (3 problems):\n"
            + "  - sinks.local.path: is required (set path for the file sink)\n"
            + "  - sinks.local.pth: is not a setting of the file sink (did you mean 'path'? otherwise remove it)\n"
            + "  - sinks.crm.type: no sink of type 'marketo' (add io.leadrouter:lead-marketo to the class path)");
  }
}
