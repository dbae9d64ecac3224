package io.leadrouter.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code leadrouter} command; its subcommands do the work. */
// scope INHERIT: every subcommand takes --help (and --version) too, printing its usage to stdout with exit code 0
// even when its required options are missing; the exit codes are listed in every usage
@Command(name = "leadrouter", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT,
    versionProvider = LeadRouterCommand.Version.class,
    description = "Routes cloud-marketplace leads durably to CRMs.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {
        "0:all went well",
        "1:a lead was quarantined, rejected or dead-lettered, or a check failed",
        "2:bad command line or invalid descriptor (every problem listed on stderr)",
        "3:the command could not run (journal in use by another process, damaged journal, I/O error)",
        "4:done in part (erase: what was erased is printed, what is left on stderr): fix that and run it again"},
    subcommands = {ServeCommand.class, RouteCommand.class, VerifyCommand.class, InspectCommand.class,
        ReplayCommand.class, ExplainCommand.class, EraseCommand.class, HelpCommand.class})
public final class LeadRouterCommand implements Runnable {
  @Spec
  CommandSpec spec;

  /** Without a subcommand: explains what to type. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a command: "
        + String.join(", ", spec.subcommands().keySet()) + " (leadrouter help COMMAND tells more)");
  }

  /** The version from the jar's manifest. */
  static final class Version implements picocli.CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = LeadRouterCommand.class.getPackage().getImplementationVersion();
      return new String[] {"leadrouter " + (v == null ? "development build" : v)};
    }
  }
}
