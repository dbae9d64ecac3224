package io.leadrouter.cli.internal;

import java.io.PrintWriter;
import java.util.Objects;

/**
 * Progress on stderr: a counter rewritten in place when stderr is a terminal, otherwise a plain line every
 * {@code every} steps (and at the end), so logs and CI output stay readable.
 */
public final class Progress {
  private static final long REDRAW_NANOS = 100_000_000L;
  private final PrintWriter err;
  private final boolean terminal;
  private final int every;
  private long lastDraw;
  private boolean drawn;

  /** Progress to {@code err}; {@code terminal} chooses the in-place counter. */
  public Progress(PrintWriter err, boolean terminal, int every) {
    this.err = Objects.requireNonNull(err, "err");
    this.terminal = terminal;
    this.every = Math.max(1, every);
  }

  /** Progress to {@code err}, as a counter when the process runs in a terminal. */
  public static Progress auto(PrintWriter err) {
    return new Progress(err, System.console() != null, 1000);
  }

  /** Reports step {@code n} with its status text. */
  public synchronized void step(long n, String status) {
    if (terminal) {
      long now = System.nanoTime();
      if (!drawn || now - lastDraw >= REDRAW_NANOS) {
        err.print("\r\033[K" + status);
        err.flush();
        lastDraw = now;
        drawn = true;
      }
    } else if (n % every == 0) {
      err.println(status);
    }
  }

  /** Reports the final status and ends the progress line. */
  public synchronized void done(String status) {
    if (terminal) {
      err.println("\r\033[K" + status);
    } else {
      err.println(status);
    }
    drawn = false;
  }
}
