package io.leadrouter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** Named pipes for the tests of what reads a file given as one; the test is skipped where mkfifo is not available. */
final class Fifos {
  private Fifos() {}

  /** Makes a named pipe at {@code fifo} with mkfifo, or skips the test. */
  static Path make(Path fifo) throws InterruptedException {
    boolean made;
    try {
      made = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start().waitFor() == 0;
    } catch (IOException e) {
      made = false;
    }
    Assumptions.assumeTrue(made && Files.exists(fifo), "mkfifo is not available");
    return fifo;
  }
}
