package io.leadrouter.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * What every subcommand shares: the descriptor options ({@link DescriptorOption}), the command line picocli parsed,
 * and where to print. A subcommand implements {@link #run}; picocli fills the annotated fields of this class too.
 */
abstract class DescriptorCommand implements Callable<Integer> {
  @Mixin
  DescriptorOption options;

  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    return run(spec.commandLine().getOut());
  }

  /** Runs the command, printing its result to {@code out}; returns the exit code ({@link Main#OK}, ...). */
  abstract int run(PrintWriter out) throws Exception;

  /** Where progress and warnings go (stderr). */
  final PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** A usage error: picocli prints {@code message} and the command's usage, and the exit code says so. */
  final ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
