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
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
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
      for (byte[] payload : payloads()) {
        number++;
        Lead lead;
        try {
          lead = codec.fromJson(payload); // bytes as sent: one not in UTF-8 gets the codec's diagnosis, as in route
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

  /** Largest input read: explain shows a few leads; route reads any number line by line. */
  private static final int MAX_INPUT_BYTES = 16 << 20;

  /**
   * The input as one payload (a whole JSON document) or as NDJSON lines, each as its bytes: text is never decoded
   * here (a file not in UTF-8 is the codec's to diagnose, not an unexpected error), and at most 16 MiB is read.
   */
  private List<byte[]> payloads() throws IOException {
    if (!"-".equals(input) && Files.isDirectory(Path.of(input))) {
      throw usage(input + " is a directory: name the lead's JSON or NDJSON file");
    }
    byte[] bytes;
    try (InputStream in = "-".equals(input) ? System.in : Files.newInputStream(Path.of(input))) {
      bytes = in.readNBytes(MAX_INPUT_BYTES + 1);
    } catch (NoSuchFileException e) {
      throw usage("no such file: " + input);
    }
    if (bytes.length > MAX_INPUT_BYTES) {
      throw usage(input + " is larger than " + (MAX_INPUT_BYTES >> 20) + " MiB: explain a few leads at a time, or"
          + " route the file");
    }
    // ISO-8859-1 maps each byte to one char and back, so lines are split without decoding
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    if (text.startsWith("\u00EF\u00BB\u00BF")) { // a UTF-8 byte-order mark
      text = text.substring(3);
    }
    List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
    boolean ndjson = lines.size() > 1 && lines.stream().allMatch(l -> l.strip().startsWith("{")
        && l.strip().endsWith("}"));
    List<String> payloads = ndjson ? lines : text.isBlank() ? List.of() : List.of(text);
    return payloads.stream().map(p -> p.getBytes(StandardCharsets.ISO_8859_1)).toList();
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
