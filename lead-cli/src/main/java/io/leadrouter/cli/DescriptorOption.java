package io.leadrouter.cli;

import io.leadrouter.ConfigurationException;
import io.leadrouter.LeadListener;
import io.leadrouter.LeadRouter;
import io.leadrouter.RouterDescriptor;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every command shares: the router descriptor, and log verbosity. */
final class DescriptorOption {
  @Option(names = {"-d", "--descriptor"}, required = true, paramLabel = "FILE",
      description = "the router descriptor (leadrouter.yaml or .json); relative paths in it resolve against its folder")
  Path descriptor;

  @Option(names = "--verbose", description = "log the library's INFO messages to stderr (default: warnings only)")
  boolean verbose;

  /** Reads and validates the descriptor (every problem at once). */
  RouterDescriptor load() {
    return RouterDescriptor.load(descriptor);
  }

  /** Builds and starts the router the descriptor describes, telling {@code listener} of every event. */
  LeadRouter router(LeadListener listener) {
    return LeadRouter.builder(load()).listener(listener).build();
  }

  /** Opens only the descriptor's journal, without starting any delivery (for inspection). */
  LeadJournal journal() {
    RouterDescriptor.JournalSettings j = load().journal();
    if (j.path().isEmpty()) {
      throw new ConfigurationException("journal.type", "is '" + j.type() + "': it keeps nothing between runs",
          "use the durable sqlite journal to inspect leads from the command line");
    }
    return SqliteJournal.open(j.path().get());
  }
}
