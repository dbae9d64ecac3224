package io.leadrouter.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** The {@code --wait} option of the commands that deliver: how long to wait for deliveries before summing up. */
final class WaitOption {
  @Option(names = "--wait", defaultValue = "30s", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "how long to wait for deliveries before summing up (default ${DEFAULT-VALUE}); undelivered "
          + "leads stay in the journal and continue with the next route or serve")
  Duration wait;
}
