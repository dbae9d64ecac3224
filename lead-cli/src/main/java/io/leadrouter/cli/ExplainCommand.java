package io.leadrouter.cli;

import io.leadrouter.Explanation;
import io.leadrouter.LeadExplainer;
import io.leadrouter.LeadRouter;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.Problem;
import io.leadrouter.ReadResult;
import io.leadrouter.cli.internal.NdjsonLeads;
import io.leadrouter.spi.ExplainedRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
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
    int read = 0;
    try (LeadExplainer explainer = LeadRouter.builder(options.load()).buildExplainer()) {
      // the leads route would read from these bytes, line by line, arrays element by element: an NDJSON file with
      // one broken line was read whole ("a second JSON object follows"), a line holding an array was "an array"
      NdjsonLeads lines = new NdjsonLeads(new ByteArrayInputStream(input()), codec);
      List<NdjsonLeads.Part> parts;
      while ((parts = lines.next()) != null) {
        if (parts.isEmpty()) {
          out.println("line " + lines.number() + ": an empty JSON array holds no lead");
        }
        for (NdjsonLeads.Part part : parts) {
          read++;
          if (part.result() instanceof ReadResult.Unreadable u) { // as route quarantines it, with the codec's words
            out.println(part.where() + ": not readable: " + u.diagnosis());
            out.println();
            clean = false;
          } else {
            clean &= print(out, part.where(), explainer.explain(((ReadResult.Readable) part.result()).lead(),
                showPii));
          }
        }
      }
      if (read == 0) {
        out.println("explain: no lead in " + input);
        return Main.FAILED;
      }
    }
    out.println("explain: nothing was sent and nothing was journaled");
    return clean ? Main.OK : Main.FAILED;
  }

  /** Largest input read: explain shows a few leads; route reads any number line by line. */
  private static final int MAX_INPUT_BYTES = 16 << 20;

  /** The input's bytes, never decoded here (a file not in UTF-8 is the codec's to diagnose), at most 16 MiB. */
  private byte[] input() throws IOException {
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
    return bytes;
  }

  /** Prints one explanation; returns whether the lead would be accepted with no failing check. */
  private static boolean print(PrintWriter out, String where, Explanation e) {
    boolean clean = e.accepted();
    out.println(where + ": lead " + e.leadId());
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
