package io.leadrouter.example;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.LeadRouter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/** The example starts with its own application.yml and has the router it describes. */
class LeadIntakeApplicationTest {
  @TempDir Path dir;

  @Test
  void starts_withTheRouterOfApplicationYml() {
    try (ConfigurableApplicationContext context = SpringApplication.run(LeadIntakeApplication.class,
        "--server.port=0", "--server.address=127.0.0.1",
        "--leadrouter.journal.path=" + dir.resolve("leadrouter.db"),
        "--leadrouter.sinks.local.path=" + dir.resolve("leads.ndjson"))) {
      assertThat(context.getBean(LeadRouter.class).destinations()).containsExactly("local");
    }
  }
}
