package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.leadrouter.internal.descriptor.DescriptorLoader;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;

/**
 * A descriptor given as a FIFO ({@code leadrouter -d <(envsubst < leadrouter.yaml)}, or a named pipe): read whole when
 * it is written and closed, refused within a bounded time when it is not, leaving no thread behind. Before, the load
 * waited forever for a writer (or for the writer to close), and {@code /dev/fd/63} was refused for its extension.
 */
@EnabledOnOs({OS.LINUX, OS.MAC})
@Timeout(120)
class DescriptorPipeTest {
  private static final Function<String, Optional<String>> ENV = name -> Optional.empty();
  private static final Duration WAIT = Duration.ofSeconds(1);

  @TempDir Path dir;

  private Path fifo(String name) throws Exception {
    return Fifos.make(dir.resolve(name));
  }

  private String descriptor() {
    return "journal: {type: memory}\nsinks:\n  local: {type: file, path: " + dir.resolve("leads.ndjson")
        + "}\ndefault: [local]\n";
  }

  private static Thread writer(Path fifo, String text, CountDownLatch closeWhen) {
    Thread writer = new Thread(() -> {
      try (OutputStream out = Files.newOutputStream(fifo)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
        closeWhen.await(60, TimeUnit.SECONDS);
      } catch (IOException e) {
        // the reader gave up: nothing more to write
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "fifo-writer");
    writer.setDaemon(true);
    writer.start();
    return writer;
  }

  @Test
  void aFifoWithoutExtension_asTheShellsProcessSubstitutionGivesIt_isReadAsYaml() throws Exception {
    Path fifo = fifo("63");
    writer(fifo, descriptor(), new CountDownLatch(0));

    RouterDescriptor d = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> RouterDescriptor.load(fifo, ENV));

    assertThat(d.defaultRoute()).containsExactly("local");
  }

  /**
   * What bash hands over for {@code <(...)} is {@code /dev/fd/N}: relative paths in it resolve against the working
   * directory, as the user wrote them, not against {@code /dev/fd}; a named FIFO's against its folder, as a file's.
   * (The real {@code <(...)} runs in lead-cli's {@code DescriptorErrorsIT}.)
   */
  @Test
  void aShellsDevFd_isAShellPipe_aNamedFifoIsNot() throws Exception {
    assertThat(DescriptorLoader.shellPipe(Path.of("/dev/fd/63"))).isTrue();
    assertThat(DescriptorLoader.shellPipe(Path.of("/proc/self/fd/63"))).isTrue();
    assertThat(DescriptorLoader.shellPipe(Path.of("/dev/stdin"))).isTrue();
    assertThat(DescriptorLoader.shellPipe(fifo("leadrouter.yaml"))).isFalse();
  }

  @Test
  void aFifoNobodyWritesTo_isRefusedWithinTheWait_andLeavesNoThread() throws Exception {
    Path fifo = fifo("leadrouter.yaml");

    ConfigurationException e = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> catchThrowableOfType(ConfigurationException.class, () -> DescriptorLoader.load(fifo, ENV, WAIT)));

    assertThat(e).isNotNull();
    assertThat(e.problems()).extracting(Problem::toString).containsExactly(fifo + ": is not a regular file (a pipe"
        + " or device), and no whole descriptor came from it within 1 s (write the descriptor to it and close it (as"
        + " <(envsubst < leadrouter.yaml) does), or name a regular file such as leadrouter.yaml)");
    awaitNoReaderThread();
  }

  @Test
  void aFifoWhoseWriterNeverCloses_isRefusedWithinTheWait_andLeavesNoThread() throws Exception {
    Path fifo = fifo("leadrouter.yaml");
    CountDownLatch close = new CountDownLatch(1);
    Thread writer = writer(fifo, "sinks:\n  local: {type: file", close);
    try {
      ConfigurationException e = Assertions.assertTimeoutPreemptively(Duration.ofSeconds(30),
          () -> catchThrowableOfType(ConfigurationException.class, () -> DescriptorLoader.load(fifo, ENV, WAIT)));

      assertThat(e).isNotNull();
      assertThat(e.getMessage()).contains("no whole descriptor came from it within 1 s");
      awaitNoReaderThread();
    } finally {
      close.countDown();
      writer.join(TimeUnit.SECONDS.toMillis(30));
    }
  }

  @Test
  void aDeviceThatNeverEnds_isRefusedAsTooLarge() {
    Path zero = Path.of("/dev/zero");
    Assumptions.assumeTrue(Files.isReadable(zero));

    ConfigurationException e = catchThrowableOfType(ConfigurationException.class,
        () -> DescriptorLoader.load(zero, ENV, Duration.ofSeconds(30)));

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("/dev/zero: is larger than 1 MiB");
  }

  private static void awaitNoReaderThread() throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals("leadrouter-descriptor-pipe") && t.isAlive())) {
      assertThat(System.nanoTime()).as("the reader thread still runs").isLessThan(deadline);
      Thread.sleep(20);
    }
  }
}
