package io.leadrouter.cli;

import io.leadrouter.Explanation;
import io.leadrouter.Lead;
import io.leadrouter.LeadExplainer;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.Problem;
import io.leadrouter.spi.ExplainedRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code leadrouter explain}: the dry run of {@code route}; shows each destination's exact request, sends nothing. */
@Command(name = "explain", description = {
    "Shows what 'route' would do with each lead of FILE (a marketplace JSON payload, or NDJSON; - for stdin): the "
        + "destinations the rules pick and why, the exact request each sink would send (credentials redacted, the "
        + "customer's e-mail, phone and name masked unless --show-pii), flags, and checks that would fail.",
    "Nothing is sent and nothing is journaled (the journal is not even opened). Exit code 1 when a lead would be "
        + "refused or a destination's check would fail."})
final class ExplainCommand extends DescriptorCommand {
  @Parameters(index = "0", paramLabel = "FILE|-", description = "the lead(s): one JSON payload or NDJSON; - reads stdin")
  String input;

  @Option(names = "--show-pii", description = "show the customer's e-mail, phone and name as they would be sent")
  boolean showPii;

  @Override
  int run(PrintWriter out) throws IOException {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    boolean clean = true;
    try (LeadExplainer explainer = LeadRouter.builder(options.load()).buildExplainer()) {
      int number = 0;
      for (String payload : payloads()) {
        number++;
        Lead lead;
        try {
          lead = codec.fromJson(payload.getBytes(StandardCharsets.UTF_8));
        } catch (LeadRouterException | IllegalArgumentException e) {
          out.println("lead " + number + ": not readable: " + e.getMessage());
          clean = false;
          continue;
        }
        clean &= print(out, explainer.explain(lead, showPii));
      }
      if (number == 0) {
        out.println("explain: no lead in " + input);
        return Main.FAILED;
      }
    }
    out.println("explain: nothing was sent and nothing was journaled");
    return clean ? Main.OK : Main.FAILED;
  }

  /** The input as one payload (a whole JSON document) or as NDJSON lines. */
  private List<String> payloads() throws IOException {
    String text;
    if ("-".equals(input)) {
      text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    } else {
      text = Files.readString(Path.of(input), StandardCharsets.UTF_8);
    }
    if (text.startsWith("\uFEFF")) {
      text = text.substring(1);
    }
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    boolean ndjson = lines.size() > 1 && lines.stream().allMatch(l -> l.strip().startsWith("{")
        && l.strip().endsWith("}"));
    return ndjson ? lines : text.isBlank() ? List.of() : List.of(text);
  }

  /** Prints one explanation; returns whether the lead would be accepted with no failing check. */
  private static boolean print(PrintWriter out, Explanation e) {
    boolean clean = e.accepted();
    out.println("lead " + e.leadId());
    out.println("  flags: " + (e.flags().isEmpty() ? "none" : String.join("; ", e.flags())));
    if (!e.accepted()) {
      out.println("  route would refuse it:");
      for (Problem p : e.problems()) {
        out.println("    - " + p);
      }
    }
    for (Explanation.Destination d : e.destinations()) {
      out.println();
      out.println("  destination " + d.name() + " (chosen by " + String.join(", ", d.rules()) + ")");
      d.notes().forEach(n -> out.println("    note: " + n));
      if (d.wouldFail().isPresent()) {
        clean = false;
        out.println("    would fail: " + d.wouldFail().get());
      }
      if (d.request().isPresent()) {
        ExplainedRequest r = d.request().get();
        r.toString().lines().forEach(l -> out.println("    | " + l));
        r.notes().forEach(n -> out.println("    note: " + n));
      }
    }
    if (!e.piiShown()) {
      out.println();
      out.println("  (the customer's e-mail, phone and name are masked: --show-pii shows them)");
    }
    out.println();
    return clean;
  }
}
