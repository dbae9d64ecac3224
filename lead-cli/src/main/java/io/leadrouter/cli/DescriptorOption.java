package io.leadrouter.cli;

import io.leadrouter.ConfigurationException;
import io.leadrouter.LeadListener;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;
import io.leadrouter.RouterDescriptor;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.Secret;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** The options every command shares: the router descriptor, the journal to use instead of its own, log verbosity. */
final class DescriptorOption {
  @Option(names = {"-d", "--descriptor"}, required = true, paramLabel = "FILE",
      description = "the router descriptor (leadrouter.yaml or .json); relative paths in it resolve against its folder")
  Path descriptor;

  @Option(names = "--journal", paramLabel = "URL|FILE",
      description = "the journal instead of the descriptor's: postgresql://[user@]host[:port]/database (the password"
          + " from the variable named by --journal-password-env), or a SQLite file")
  String journal;

  @Option(names = "--journal-password-env", paramLabel = "VAR", defaultValue = "PGPASSWORD",
      description = "the environment variable holding the PostgreSQL journal's password (default: ${DEFAULT-VALUE})")
  String journalPasswordEnv;

  @Option(names = "--verbose", description = "log the library's INFO messages to stderr (default: warnings only)")
  boolean verbose;

  @Option(names = "--journal-check", defaultValue = "quick", paramLabel = "quick|quick-always|full|none",
      converter = IntegrityCheckConverter.class,
      description = "how a SQLite journal file is checked for damage when opened: quick (the default: PRAGMA "
          + "quick_check unless the file is unchanged since LeadRouter closed it cleanly), quick-always, full "
          + "(PRAGMA integrity_check, slower) or none")
  SqliteJournal.IntegrityCheck journalCheck;

  /** Reads and validates the descriptor (every problem at once), with the journal given on the command line. */
  RouterDescriptor load() {
    if (descriptor.toString().isBlank()) {
      throw new ConfigurationException("--descriptor", "is empty", "name the descriptor file, e.g. -d leadrouter.yaml");
    }
    RouterDescriptor d = RouterDescriptor.load(descriptor);
    if (journal == null) {
      return d;
    }
    return new RouterDescriptor(commandLineJournal(d.journal()), d.sinks(), d.routes(), d.defaultRoute());
  }

  private RouterDescriptor.JournalSettings commandLineJournal(RouterDescriptor.JournalSettings described) {
    String text = journal.strip();
    if (text.isEmpty()) {
      throw new ConfigurationException("--journal", "is empty",
          "give a SQLite file path, or postgresql://host:5432/database; leave the option out to use the descriptor's");
    }
    String lower = text.toLowerCase(Locale.ROOT);
    if (lower.startsWith("postgresql://") || lower.startsWith("postgres://") || lower.startsWith("jdbc:postgresql:")) {
      Optional<Secret> password = Optional.ofNullable(System.getenv(journalPasswordEnv)).map(Secret::of);
      return RouterDescriptor.JournalSettings.postgresql(text, Optional.empty(), password)
          .withRetention(described.retention());
    }
    if (lower.matches("[a-z][a-z0-9+.-]*://.*")) {
      throw new ConfigurationException("--journal", "'" + text.replaceAll("//[^/@]*@", "//***@")
          + "' is not a journal this command knows", "write postgresql://host:5432/database, or a SQLite file path");
    }
    return RouterDescriptor.JournalSettings.sqlite(Path.of(text).toAbsolutePath().normalize())
        .withRetention(described.retention());
  }

  /** Builds and starts the router the descriptor describes, telling {@code listener} of every event. */
  LeadRouter router(LeadListener listener) {
    RouterDescriptor d = load();
    LeadRouterBuilder b = LeadRouter.builder(d).listener(listener);
    if (journalCheck != SqliteJournal.IntegrityCheck.QUICK && d.journal().path().isPresent()) {
      b.journal(SqliteJournal.open(d.journal().path().get(), journalCheck)); // QUICK is what the builder does
    }
    return b.build();
  }

  /**
   * The descriptor, refused when its SQLite journal file does not exist: a command that reads a journal (inspect,
   * replay, erase) would otherwise create an empty one at a mistyped path and report that there was nothing to do.
   */
  RouterDescriptor loadWithExistingJournal() {
    RouterDescriptor d = load();
    Optional<Path> path = d.journal().path();
    if (path.isPresent() && !Files.exists(path.get())) {
      throw new ConfigurationException(journal != null ? "--journal" : "journal.path", path.get() + " does not exist",
          "check the path: this command reads the journal that serve or route wrote (they create it)");
    }
    return d;
  }

  /** Opens the journal and creates the sinks, without starting any delivery (for {@code erase}). */
  io.leadrouter.LeadEraser eraser() {
    RouterDescriptor d = loadWithExistingJournal();
    LeadRouterBuilder b = LeadRouter.builder(d);
    if (RouterDescriptor.JournalSettings.MEMORY.equals(d.journal().type())) {
      throw new ConfigurationException("journal.type", "is '" + d.journal().type() + "': it keeps nothing between"
          + " runs", "use the durable sqlite or postgresql journal to erase from the command line");
    }
    if (journalCheck != SqliteJournal.IntegrityCheck.QUICK && d.journal().path().isPresent()) {
      b.journal(SqliteJournal.open(d.journal().path().get(), journalCheck));
    }
    return b.buildEraser();
  }

  /** Opens only the descriptor's journal, without starting any delivery (for inspection). */
  LeadJournal journal() {
    RouterDescriptor.JournalSettings j = loadWithExistingJournal().journal();
    if (RouterDescriptor.JournalSettings.MEMORY.equals(j.type())) {
      throw new ConfigurationException("journal.type", "is '" + j.type() + "': it keeps nothing between runs",
          "use the durable sqlite or postgresql journal to inspect leads from the command line");
    }
    if (j.path().isPresent()) {
      return SqliteJournal.open(j.path().get(), journalCheck);
    }
    return j.open();
  }

  /** Reads {@code quick}, {@code quick-always}, {@code full} or {@code none}. */
  static final class IntegrityCheckConverter implements picocli.CommandLine.ITypeConverter<SqliteJournal.IntegrityCheck> {
    @Override
    public SqliteJournal.IntegrityCheck convert(String value) {
      try {
        return SqliteJournal.IntegrityCheck.valueOf(value.strip().replace('-', '_')
            .toUpperCase(java.util.Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new picocli.CommandLine.TypeConversionException("'" + value
            + "' is not quick, quick-always, full or none");
      }
    }
  }
}
