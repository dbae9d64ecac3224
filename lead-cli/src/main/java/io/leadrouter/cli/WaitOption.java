package io.leadrouter.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The {@code --wait} option of the commands that deliver: how long to wait for deliveries before summing up. */
final class WaitOption {
  @Option(names = "--wait", defaultValue = "30s", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "how long to wait for deliveries before summing up (default ${DEFAULT-VALUE}); undelivered "
          + "leads stay in the journal and continue with the next route or serve; stopping takes at most 5s more")
  Duration wait;

  /**
   * How long closing may take after the wait: deliveries still running then (a hanging destination) stay in the
   * journal and are retried by the next run, so the command ends within about {@code --wait} plus this, however many
   * destinations there are (#18).
   */
  static final Duration CLOSE_GRACE = Duration.ofSeconds(5);
}
