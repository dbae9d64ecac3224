package io.leadrouter.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Temporary folders for journals (on the working directory's disk, like a real deployment, not tmpfs). */
final class Files2 {
  private Files2() {}

  static Path tempDir(String prefix) throws IOException {
    Path base = Path.of(System.getProperty("bench.dir", "target"));
    Files.createDirectories(base);
    return Files.createTempDirectory(base.toAbsolutePath(), prefix);
  }

  static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
