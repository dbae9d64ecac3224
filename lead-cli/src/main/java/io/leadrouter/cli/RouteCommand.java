package io.leadrouter.cli;

import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.IntakeReceipt;
import io.leadrouter.ReadResult;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.cli.internal.DeliveryTally;
import io.leadrouter.cli.internal.EventPrinter;
import io.leadrouter.cli.internal.NdjsonLeads;
import io.leadrouter.cli.internal.Progress;
import io.leadrouter.cli.internal.TimeArgument;
import io.leadrouter.journal.DeliveryRecord;
import io.leadrouter.journal.JournalException;
import io.leadrouter.spi.DeliveryResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code leadrouter route FILE|-}: routes NDJSON leads (one marketplace JSON object per line, with or without
 * {@code LeadId}), reports each line, waits a bounded time for deliveries and prints a summary.
 */
@Command(name = "route", description = {
    "Routes leads from an NDJSON file (or - for stdin): one marketplace JSON payload per line, optionally with "
        + "LeadId and CreatedTime.",
    "A line that cannot be read unambiguously is quarantined in the journal with its line number and why "
        + "(see 'inspect quarantine', 'replay --quarantined'). Exit code 1 when a line was quarantined or rejected "
        + "or a lead dead-lettered."})
final class RouteCommand extends DescriptorCommand {
  @Parameters(index = "0", paramLabel = "FILE|-", description = "the NDJSON leads; - reads stdin")
  String input;

  @Mixin
  WaitOption waitOption;

  @Override
  int run(PrintWriter out) throws IOException {
    PrintWriter err = err();
    EventPrinter printer = new EventPrinter(out);
    MarketplaceCodec codec = MarketplaceCodec.standard();
    List<RoutingReceipt> receipts = new ArrayList<>();
    List<String> rejections = new ArrayList<>();
    List<String> quarantined = new ArrayList<>();
    int read = 0;
    int duplicates = 0;
    String source = "-".equals(input) ? "stdin" : input;
    try (InputStream stream = open(); LeadRouter router = options.router(printer)) {
      NdjsonLeads lines = new NdjsonLeads(stream, codec);
      if (lines.isDocument()) {
        err.println(source + " is one JSON document over several lines, not NDJSON: read whole, as line 1");
      }
      Progress progress = Progress.auto(err);
      List<NdjsonLeads.Part> parts;
      while ((parts = lines.next()) != null) {
        if (parts.isEmpty()) {
          out.println("skipped        line " + lines.number() + ": an empty JSON array holds no lead");
          continue;
        }
        for (NdjsonLeads.Part part : parts) {
          String where = part.where();
          ReadResult result = part.result();
          read++;
          if (result instanceof ReadResult.Readable r) {
            printer.label(r.lead(), where);
          }
          try {
            IntakeReceipt taken = router.intake(result, part.bytes(), "route " + source + " " + where);
            if (taken instanceof IntakeReceipt.Quarantined q) {
              if (result instanceof ReadResult.Readable r) {
                printer.forget(r.lead().id());
              }
              quarantined.add(where + " (quarantine id " + q.quarantineId() + "): " + q.diagnosis());
              out.println("quarantined    " + where + " as " + q.quarantineId() + ": " + q.diagnosis());
            } else {
              RoutingReceipt receipt = ((IntakeReceipt.Routed) taken).receipt();
              Lead lead = ((IntakeReceipt.Routed) taken).lead();
              if (receipt.duplicate()) {
                duplicates++;
                printer.forget(lead.id());
                out.println("duplicate      " + lead.id() + "  " + where + ": already accepted, not routed again"
                    + " (" + states(router, receipt) + ")");
              } else {
                receipts.add(receipt);
              }
            }
          } catch (JournalException e) {
            throw e;
          } catch (LeadRouterException e) {
            if (result instanceof ReadResult.Readable r) {
              printer.forget(r.lead().id());
            }
            rejections.add(where + ": " + e.getMessage());
            out.println("rejected       " + where + ": " + e.getMessage());
          }
        }
        progress.step(read, status(read, receipts.size(), duplicates, quarantined.size(), rejections.size()));
      }
      progress.done(status(read, receipts.size(), duplicates, quarantined.size(), rejections.size()));
      long started = System.nanoTime();
      Duration wait = waitOption.wait;
      if (!receipts.isEmpty() && !wait.isZero()) {
        err.println("waiting up to " + TimeArgument.shown(wait) + " for " + receipts.size()
            + " leads to be delivered...");
        awaitAll(receipts, wait);
      }
      double waited = (System.nanoTime() - started) / 1e9;
      DeliveryTally tally = new DeliveryTally();
      for (RoutingReceipt r : receipts) {
        router.journal().deliveries(r.leadId()).forEach(tally::add);
      }
      out.println();
      out.println("summary: " + read + " leads read: " + receipts.size() + " accepted, " + duplicates
          + " duplicates (already accepted earlier), " + quarantined.size() + " quarantined, " + rejections.size()
          + " rejected");
      quarantined.forEach(q -> out.println("  quarantined " + q));
      rejections.forEach(r -> out.println("  rejected " + r));
      if (!quarantined.isEmpty()) {
        out.println("quarantined lines are kept in the journal: see them with 'leadrouter inspect quarantine"
            + " --descriptor " + options.descriptor + "', fix the sender or upgrade, then 'leadrouter replay"
            + " --quarantined --descriptor " + options.descriptor + "'");
      }
      if (!tally.isEmpty()) {
        out.println(String.format(java.util.Locale.ROOT, "deliveries of the %d accepted leads (after %.1fs):",
            receipts.size(), waited));
        tally.print(out, "  ");
      }
      if (tally.unsettled() > 0) {
        out.println(tally.unsettled() + " deliveries are not finished: they stay in the journal and continue with "
            + "the next 'leadrouter route' or 'leadrouter serve' on this descriptor");
      }
      if (tally.deadLettered() > 0) {
        out.println("see the dead letters with 'leadrouter inspect dead-letters --descriptor " + options.descriptor
            + "', fix the destination, then 'leadrouter replay --descriptor " + options.descriptor + "'");
      }
      out.flush();
      router.close(WaitOption.CLOSE_GRACE); // what still runs stays in the journal: --wait is the bound
      return rejections.isEmpty() && quarantined.isEmpty() && tally.deadLettered() == 0 ? Main.OK : Main.FAILED;
    }
  }

  private InputStream open() {
    if ("-".equals(input)) {
      return System.in;
    }
    if (Files.isDirectory(Path.of(input))) { // opens on Linux, and only its first read fails: "Is a directory"
      throw usage(input + " is a directory: name the NDJSON file");
    }
    try {
      return Files.newInputStream(Path.of(input));
    } catch (NoSuchFileException e) {
      throw usage("no such file: " + input);
    } catch (IOException e) {
      throw usage("cannot read " + input + ": " + e.getMessage());
    }
  }

  private static String states(LeadRouter router, RoutingReceipt receipt) {
    List<DeliveryRecord> ds = router.journal().deliveries(receipt.leadId());
    if (ds.isEmpty()) {
      return "delivered and pruned from the journal";
    }
    return ds.stream().map(d -> d.destination() + ": " + d.state().name().toLowerCase(java.util.Locale.ROOT)
        .replace('_', ' ')).collect(Collectors.joining(", "));
  }

  private static String status(int read, int accepted, int duplicates, int quarantined, int rejected) {
    return "routing: " + read + " leads read, " + accepted + " accepted, " + duplicates + " duplicates, "
        + quarantined + " quarantined, " + rejected + " rejected";
  }

  /** Waits for every destination of every receipt to settle (delivered or dead-lettered), at most {@code wait}. */
  private static void awaitAll(List<RoutingReceipt> receipts, Duration wait) {
    List<CompletableFuture<DeliveryResult>> each = new ArrayList<>();
    receipts.forEach(r -> r.deliveries().values().forEach(f -> each.add(f.exceptionally(e -> null))));
    try {
      CompletableFuture.allOf(each.toArray(CompletableFuture[]::new)).get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      // reported in the summary as pending or retrying
    } catch (ExecutionException e) {
      throw new IllegalStateException("exceptions are mapped to null above", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
