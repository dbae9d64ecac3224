package io.leadrouter.cli;

import io.leadrouter.LeadRouter;
import io.leadrouter.cli.internal.TextTable;
import io.leadrouter.journal.InMemoryJournal;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.VerificationReport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/** {@code leadrouter verify}: runs every configured sink's publish check and prints what to fix. */
@Command(name = "verify", description = {
    "Runs every configured sink's publish check (sign-in, permissions, a test lead where the destination allows) "
        + "and prints each step with its Diagnosis code and fix.",
    "Exit code 1 when any step failed. The journal is not opened: no pending lead is delivered by this command."})
final class VerifyCommand extends DescriptorCommand {
  @Override
  int run(PrintWriter out) {
    Map<String, VerificationReport> reports;
    // the in-memory journal's "tests only" warning is for library users, not for this deliberate use
    System.setProperty("org.slf4j.simpleLogger.log.io.leadrouter.journal.InMemoryJournal", "error");
    // an empty in-memory journal: verifying must not start delivering the real journal's backlog
    try (LeadRouter router = LeadRouter.builder(options.load()).journal(InMemoryJournal.create()).build()) {
      reports = router.verify();
      router.close(Duration.ofSeconds(5));
    }
    TextTable table = new TextTable("SINK", "TYPE", "STEP", "RESULT", "CODE", "DETAIL", "FIX");
    int failed = 0;
    for (Map.Entry<String, VerificationReport> e : reports.entrySet()) {
      for (VerificationReport.Step s : e.getValue().steps()) {
        if (s.status() == VerificationReport.Status.FAILED) {
          failed++;
        }
        table.row(e.getKey(), e.getValue().sinkType(), s.name(), s.status().name().toLowerCase(Locale.ROOT),
            s.diagnosis().map(Diagnosis::code).orElse(""), s.detail(),
            s.diagnosis().map(Diagnosis::remediation).orElse(""));
      }
      if (e.getValue().steps().isEmpty()) {
        table.row(e.getKey(), e.getValue().sinkType(), "-", "no checks", "", "the sink reports no publish check", "");
      }
    }
    table.print(out);
    out.println();
    long sinksFailed = reports.values().stream().filter(r -> !r.passed()).count();
    out.println(sinksFailed == 0 ? "verify: all " + reports.size() + " sinks passed"
        : "verify: " + sinksFailed + " of " + reports.size() + " sinks failed (" + failed + " failed steps)");
    return sinksFailed == 0 ? Main.OK : Main.FAILED;
  }
}
