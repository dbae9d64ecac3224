package io.leadrouter.cli;

import io.leadrouter.ConfigurationException;
import io.leadrouter.LeadRouterException;
import io.leadrouter.spi.Scrubber;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** The {@code leadrouter} command's entry point: {@code java -jar leadrouter.jar <command> ...}. */
public final class Main {
  /** Exit code when every lead and check went well. */
  public static final int OK = 0;
  /** Exit code when some lead was rejected or dead-lettered, or a check failed. */
  public static final int FAILED = 1;
  /** Exit code for a wrong command line or an invalid descriptor. */
  public static final int USAGE = 2;
  /** Exit code when the command could not run (journal in use, I/O error). */
  public static final int ERROR = 3;
  /**
   * Exit code when the command did part of its work and printed it, and running it again finishes it ({@code erase}
   * whose journal files or a file sink's copy could not be erased yet).
   */
  public static final int PARTIAL = 4;

  private Main() {}

  /** Runs the command line and exits with its code. */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns its exit code (stdout and stderr in UTF-8). */
  public static int run(String... args) {
    configureLogging(args);
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
    CommandLine cl = new CommandLine(new LeadRouterCommand());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      if (e instanceof ConfigurationException c) {
        err.println("leadrouter: " + inDescriptor(c, parseResult).getMessage());
        return USAGE;
      }
      if (e instanceof LeadRouterException) {
        err.println("leadrouter: " + e.getMessage());
        return ERROR;
      }
      // the error may quote a destination or a descriptor value: shown scrubbed, like every diagnosis
      Throwable safe = Scrubber.standard().scrub(e);
      err.println("leadrouter: unexpected error: " + safe);
      safe.printStackTrace(err);
      return ERROR;
    });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /**
   * {@code e} naming the descriptor file its paths point into (a sink's settings are checked when the router is
   * built, after the file was read); as it is when the command names none or a problem is with an option.
   */
  private static ConfigurationException inDescriptor(ConfigurationException e, ParseResult parseResult) {
    ParseResult command = parseResult;
    while (command.hasSubcommand()) {
      command = command.subcommand();
    }
    Path descriptor = command.matchedOptionValue("--descriptor", null);
    if (descriptor == null || e.problems().stream().anyMatch(p -> p.path().startsWith("--"))) {
      return e;
    }
    return e.in(descriptor.toString());
  }

  /** Library logging goes to stderr at WARN (INFO with --verbose), before any logger exists. */
  private static void configureLogging(String[] args) {
    boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
    setDefault("org.slf4j.simpleLogger.logFile", "System.err");
    setDefault("org.slf4j.simpleLogger.defaultLogLevel", verbose ? "info" : "warn");
    // each lead event is printed on stdout already: the engine's per-lead warnings would repeat them
    setDefault("org.slf4j.simpleLogger.log.io.leadrouter.internal.DestinationWorker", verbose ? "info" : "error");
    // the Azure SDK logs each failed call at ERROR; the sink's Diagnosis already says what failed and what to do
    setDefault("org.slf4j.simpleLogger.log.com.azure", verbose ? "info" : "off");
    // the HTTP client under the Azure SDK logs whole request URLs at DEBUG, SAS signature included, outside the
    // Scrubber's reach: never below INFO, even when the default level is lowered (#18)
    setDefault("org.slf4j.simpleLogger.log.reactor.netty", verbose ? "info" : "warn");
    setDefault("org.slf4j.simpleLogger.log.io.netty", verbose ? "info" : "warn");
    // Jetty (serve) logs requests, and so the secret token in their path, at DEBUG: never below INFO either
    setDefault("org.slf4j.simpleLogger.log.org.eclipse.jetty", verbose ? "info" : "warn");
    setDefault("org.slf4j.simpleLogger.showThreadName", "false");
    setDefault("org.slf4j.simpleLogger.showShortLogName", "true");
    setDefault("org.slf4j.simpleLogger.showLogName", "false");
  }

  private static void setDefault(String key, String value) {
    if (System.getProperty(key) == null) {
      System.setProperty(key, value);
    }
  }
}
