package io.leadrouter.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.testkit.SampleLeads;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The router described by a descriptor file ({@code leadrouter.descriptor}) rather than by {@code leadrouter.*} keys:
 * what the file refers to is as secret in Actuator as what application.yml refers to, and the file is read once.
 */
@Timeout(120)
class DescriptorFileStarterTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;

  private final ApplicationContextRunner runner = StarterContexts.runner();

  @Test
  void actuatorEnv_showingValues_masksWhatTheDescriptorFileRefersTo() throws Exception {
    String secret = "whsec_" + java.util.Base64.getEncoder().encodeToString("descriptor-file-secret-0123456789"
        .getBytes(StandardCharsets.US_ASCII));
    String password = "Crm-Pa55-w0rd-in-url";
    Path file = Files.writeString(dir.resolve("leadrouter.yaml"), """
        journal: {type: memory}
        sinks:
          hook:
            type: https
            url: ${HOOK_URL}
            signingSecret: ${HOOK_SIGNING}
            secretHeaders:
              X-Api-Key: ${HOOK_API}
        default: [hook]
        """);
    StarterContexts.showingEnv(runner).withPropertyValues("leadrouter.descriptor=" + file, "HOOK_SIGNING=" + secret,
            "HOOK_API=apikey-0123456789abcdef", "HOOK_URL=https://hooks.example.com/leads?code=" + password)
        .run(context -> {
          String shown = StarterContexts.envShown(context);
          assertThat(shown).as("the endpoint shows values").contains("hooks.example.com")
              .doesNotContain(secret.substring(6, 26)).doesNotContain("apikey-0123456789abcdef")
              .doesNotContain(password);
        });
  }

  @Test
  @EnabledOnOs({OS.LINUX, OS.MAC})
  void aDescriptorFifo_isReadOnce_andTheRouterStarts() throws Exception {
    // java -jar app.jar --leadrouter.descriptor=<(envsubst < leadrouter.yaml): the shell hands a FIFO, readable once
    Path fifo = dir.resolve("leadrouter.yaml");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(mkfifo.exitValue()).isZero();
    Path leads = dir.resolve("leads.ndjson");
    String text = "journal: {type: memory}\nsinks:\n  local: {type: file, path: " + leads + "}\ndefault: [local]\n";
    Thread writer = new Thread(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, "fifo-writer");
    writer.setDaemon(true);
    writer.start();
    Thread[] starter = new Thread[1];
    Throwable[] failure = new Throwable[1];
    boolean[] started = new boolean[1];
    starter[0] = new Thread(() -> {
      try {
        runner.withPropertyValues("leadrouter.descriptor=" + fifo).run(context -> {
          assertThat(context).hasNotFailed();
          Lead lead = SampleLeads.testDrive();
          context.getBean(LeadRouter.class).routeAndWait(lead, WAIT);
          assertThat(Files.readString(leads)).contains(lead.id().toString());
          started[0] = true;
        });
      } catch (Throwable t) {
        failure[0] = t;
      }
    }, "starter");
    starter[0].setDaemon(true);
    starter[0].start();
    starter[0].join(WAIT.toMillis());
    boolean stuck = starter[0].isAlive();
    if (stuck) {
      // unblock the second open of the FIFO, so the stuck start ends and leaves no thread behind
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      starter[0].join(WAIT.toMillis());
    }
    assertThat(stuck).as("the start drained the FIFO, then waited for another writer to read it again").isFalse();
    assertThat(failure[0]).isNull();
    assertThat(started[0]).as("the start read the FIFO once and built the router").isTrue();
  }
}
