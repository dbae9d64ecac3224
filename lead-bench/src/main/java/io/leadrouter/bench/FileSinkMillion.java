package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.file.FileSink;
import io.leadrouter.spi.DeliveryOutcome;
import java.io.BufferedOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The embedded default destination after a year of leads: writes a file of a million marketplace lines (as
 * {@link FileSink} writes them), then opens a {@link FileSink} on it three times in a JVM started with
 * {@code -Xmx64m} and prints how long opening took and the heap it keeps; then redelivers the last lead (read back
 * from the file: {@code UPDATED}) and delivers a new one. Run: {@code java -Xmx64m -cp benchmarks.jar
 * io.leadrouter.bench.FileSinkMillion [leads]}.
 */
public final class FileSinkMillion {
  private FileSinkMillion() {}

  /** Runs the scenario. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Path dir = Files2.tempDir("file-sink-million");
    Path file = dir.resolve("leads.ndjson");
    System.out.printf("max heap %d MiB, %,d leads, file %s%n", Runtime.getRuntime().maxMemory() >> 20, n, file);
    try {
      MarketplaceCodec codec = MarketplaceCodec.standard();
      Lead last = null;
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
        for (int i = 0; i < n; i++) {
          last = Leads.next();
          out.write(codec.toJson(last));
          out.write('\n');
        }
      }
      System.out.printf("file %d MiB; heap used after GC before opening %d MiB%n", Files.size(file) >> 20,
          Harness.usedHeapMib());
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        try (FileSink sink = FileSink.open(file)) {
          long opened = System.nanoTime() - start;
          System.out.printf("open %d: %.0f ms, heap used after GC with the sink open %d MiB%n", i + 1, opened / 1e6,
              Harness.usedHeapMib());
          if (i == 2) {
            long t = System.nanoTime();
            DeliveryOutcome again = sink.deliver(last).outcome();
            long redelivered = System.nanoTime() - t;
            DeliveryOutcome fresh = sink.deliver(Leads.next()).outcome();
            System.out.printf("redelivery of the last lead: %s in %.0f ms (read from the file); a new lead: %s%n",
                again, redelivered / 1e6, fresh);
          }
        }
      }
    } finally {
      Files2.deleteTree(dir);
    }
  }
}
