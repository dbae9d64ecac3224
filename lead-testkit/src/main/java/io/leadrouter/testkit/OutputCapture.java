package io.leadrouter.testkit;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures everything written to {@code System.out} and {@code System.err} (where slf4j-simple and most test
 * logging go) while it is open, so tests can prove secrets and customer data never reach the logs.
 */
public final class OutputCapture implements AutoCloseable {
  private final PrintStream originalOut = System.out;
  private final PrintStream originalErr = System.err;
  private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

  private OutputCapture() {
    PrintStream tee = new PrintStream(buffer, true, StandardCharsets.UTF_8);
    System.setOut(tee);
    System.setErr(tee);
  }

  /** Starts capturing. */
  public static OutputCapture start() {
    return new OutputCapture();
  }

  /** Everything captured so far. */
  public String text() {
    return buffer.toString(StandardCharsets.UTF_8);
  }

  /** Stops capturing and restores the original streams, echoing what was captured to the real stderr. */
  @Override
  public void close() {
    System.setOut(originalOut);
    System.setErr(originalErr);
    originalErr.print(text());
  }
}
