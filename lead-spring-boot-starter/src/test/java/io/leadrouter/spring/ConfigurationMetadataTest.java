package io.leadrouter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written configuration metadata IDEs read: valid, and naming every key the starter reads. */
class ConfigurationMetadataTest {
  @Test
  void metadata_documentsEveryKey_withTypeAndDescription() throws Exception {
    JsonNode metadata;
    try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("on the class path").isNotNull();
      metadata = new ObjectMapper().readTree(in);
    }
    List<String> names = new ArrayList<>();
    metadata.get("properties").forEach(p -> {
      assertThat(p.path("type").asText()).as(p.toString()).isNotBlank();
      assertThat(p.path("description").asText()).as(p.toString()).isNotBlank();
      names.add(p.get("name").asText());
    });
    assertThat(names).containsExactlyInAnyOrder("leadrouter.enabled", "leadrouter.descriptor",
        "leadrouter.shutdown-timeout", "leadrouter.journal.type", "leadrouter.journal.path",
        "leadrouter.journal.retention", "leadrouter.sinks", "leadrouter.routes", "leadrouter.default",
        "management.health.leadrouter.enabled");
    assertThat(metadata.get("hints").get(0).get("values")).extracting(v -> v.get("value").asText())
        .containsExactly("sqlite", "memory");
  }
}
