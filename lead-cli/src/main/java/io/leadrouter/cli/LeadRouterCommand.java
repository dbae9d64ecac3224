package io.leadrouter.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code leadrouter} command; its subcommands do the work. */
@Command(name = "leadrouter", mixinStandardHelpOptions = true, versionProvider = LeadRouterCommand.Version.class,
    description = "Routes cloud-marketplace leads durably to CRMs.",
    subcommands = {ServeCommand.class, RouteCommand.class, VerifyCommand.class, InspectCommand.class,
        ReplayCommand.class, ExplainCommand.class, EraseCommand.class})
public final class LeadRouterCommand implements Runnable {
  @Spec
  CommandSpec spec;

  /** Without a subcommand: explains what to type. */
  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "name a command: serve, route, verify, inspect or replay");
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
