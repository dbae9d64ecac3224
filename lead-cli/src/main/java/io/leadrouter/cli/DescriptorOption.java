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

  @Option(names = "--journal-check", defaultValue = "quick", paramLabel = "quick|full|none",
      converter = IntegrityCheckConverter.class,
      description = "how a SQLite journal file is checked for damage when opened: quick (PRAGMA quick_check, the "
          + "default), full (PRAGMA integrity_check, slower) or none")
  SqliteJournal.IntegrityCheck journalCheck;

  /** Reads and validates the descriptor (every problem at once). */
  RouterDescriptor load() {
    return RouterDescriptor.load(descriptor);
  }

  /** Builds and starts the router the descriptor describes, telling {@code listener} of every event. */
  LeadRouter router(LeadListener listener) {
    RouterDescriptor d = load();
    LeadRouter.Builder b = LeadRouter.builder(d).listener(listener);
    if (journalCheck != SqliteJournal.IntegrityCheck.QUICK && d.journal().path().isPresent()) {
      b.journal(SqliteJournal.open(d.journal().path().get(), journalCheck)); // QUICK is what the builder does
    }
    return b.build();
  }

  /** Opens only the descriptor's journal, without starting any delivery (for inspection). */
  LeadJournal journal() {
    RouterDescriptor.JournalSettings j = load().journal();
    if (j.path().isEmpty()) {
      throw new ConfigurationException("journal.type", "is '" + j.type() + "': it keeps nothing between runs",
          "use the durable sqlite journal to inspect leads from the command line");
    }
    return SqliteJournal.open(j.path().get(), journalCheck);
  }

  /** Reads {@code quick}, {@code full} or {@code none}. */
  static final class IntegrityCheckConverter implements picocli.CommandLine.ITypeConverter<SqliteJournal.IntegrityCheck> {
    @Override
    public SqliteJournal.IntegrityCheck convert(String value) {
      try {
        return SqliteJournal.IntegrityCheck.valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException("'" + value + "' is not quick, full or none");
      }
    }
  }
}
