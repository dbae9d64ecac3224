package io.leadrouter.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.Person;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.SinkConfig;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file sink's file rotated ({@code mv leads.ndjson leads.ndjson.1}, logrotate's {@code dateext}): the erasure
 * erased only the current file, so the person's lines stayed in the rotated ones; a restarted sink did not know the
 * rotated leads and wrote a redelivered one twice; and a lead was called written on a 64-bit fingerprint alone, held by
 * no file.
 */
class FileSinkRotationTest {
  private static final String EMAIL = "ottoline.vexcombe@contoso.com";

  @TempDir Path dir;

  private static Lead lead(String id, String email) {
    return Lead.builder().id(id).email(email).firstName("Ottoline").phone("+1 425 555 0177").build();
  }

  @Test
  void erase_findsThePersonInTheRotatedFilesToo_andLeavesTheOthersLines() throws Exception {
    Path file = dir.resolve("leads.ndjson");
    try (FileSink sink = FileSink.open(file)) {
      sink.deliver(lead("a", EMAIL));
      sink.deliver(lead("b", "bob@contoso.com"));
      Files.move(file, dir.resolve("leads.ndjson.1"));
      sink.deliver(lead("c", EMAIL));
      Files.move(file, dir.resolve("leads.ndjson-20261204"));
      sink.deliver(lead("d", EMAIL));
      sink.deliver(lead("e", "eve@contoso.com"));

      assertThat(sink.erase(Person.byEmail(EMAIL))).hasValue(3);

      assertThat(found(EMAIL)).isEmpty();
      assertThat(Files.readAllLines(dir.resolve("leads.ndjson.1"))).hasSize(1).allMatch(l -> l.contains("bob@"));
      assertThat(Files.readAllLines(dir.resolve("leads.ndjson-20261204"))).isEmpty();
      assertThat(Files.readAllLines(file)).hasSize(1).allMatch(l -> l.contains("eve@"));
      assertThat(sink.deliver(lead("c", EMAIL)).outcome()).as("erased, still known").isEqualTo(DeliveryOutcome.UPDATED);
    }
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("leads.ndjson",
          "leads.ndjson.1", "leads.ndjson-20261204");
    }
  }

  @Test
  void erase_aGzipRotatedFileHoldingThePerson_isNamed_theOthersAreErased() throws Exception {
    Path file = dir.resolve("leads.ndjson");
    try (FileSink sink = FileSink.open(file)) {
      sink.deliver(lead("a", EMAIL));
      sink.deliver(lead("b", "bob@contoso.com"));
      gzip(file, dir.resolve("leads.ndjson.2.gz")); // logrotate's compress
      Files.delete(file);
      sink.deliver(lead("c", "carol@contoso.com"));
      gzip(file, dir.resolve("leads.ndjson.3.gz"));
      Files.delete(file);
      sink.deliver(lead("d", EMAIL));

      assertThatThrownBy(() -> sink.erase(Person.byEmail(EMAIL))).isInstanceOf(UncheckedIOException.class)
          .hasMessageContaining("erased 1 line of the person; not erased from rotated file")
          .hasMessageContaining("leads.ndjson.2.gz (holds the person's lines, compressed: decompress it, then erase"
              + " again)")
          .hasMessageNotContaining("leads.ndjson.3.gz").hasMessageNotContaining("ottoline");
      assertThat(Files.readAllLines(file)).isEmpty();

      // decompressed, as the message says: erased
      try (var in = new java.util.zip.GZIPInputStream(Files.newInputStream(dir.resolve("leads.ndjson.2.gz")))) {
        Files.write(dir.resolve("leads.ndjson.2"), in.readAllBytes());
      }
      Files.delete(dir.resolve("leads.ndjson.2.gz"));
      assertThat(sink.erase(Person.byEmail(EMAIL))).hasValue(1);
    }
    assertThat(found(EMAIL)).isEmpty();
  }

  @Test
  void afterARestart_aLeadInARotatedFile_isNotWrittenAgain() throws Exception {
    Path file = dir.resolve("leads.ndjson");
    try (FileSink sink = FileSink.open(file)) {
      sink.deliver(lead("a", EMAIL));
    }
    Files.move(file, dir.resolve("leads.ndjson.1"));
    try (FileSink sink = FileSink.open(file)) {
      assertThat(sink.deliver(lead("a", EMAIL)).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(sink.deliver(lead("b", EMAIL)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
    assertThat(Files.readAllLines(file)).hasSize(1).allMatch(l -> l.contains("\"LeadId\":\"b\""));
  }

  /**
   * A lead whose fingerprint is that of a lead in a rotated file is looked up there, as in the file: held by none of
   * them (its rotated file deleted, or another id sharing the fingerprint), it is written, not called written on the
   * fingerprint alone and kept nowhere.
   */
  @Test
  void aLeadKnownOnlyByTheFingerprintOfARotatedFile_thatNoFileHolds_isWritten() throws Exception {
    Path file = dir.resolve("leads.ndjson");
    try (FileSink sink = FileSink.open(file)) {
      sink.deliver(lead("a", EMAIL));
      Files.move(file, dir.resolve("leads.ndjson.1"));
      sink.deliver(lead("b", EMAIL));
      assertThat(sink.deliver(lead("a", EMAIL)).outcome()).as("in the rotated file").isEqualTo(DeliveryOutcome.UPDATED);
      Files.delete(dir.resolve("leads.ndjson.1"));

      assertThat(sink.deliver(lead("a", EMAIL)).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
    assertThat(Files.readAllLines(file)).hasSize(2).anyMatch(l -> l.contains("\"LeadId\":\"a\""));
  }

  @Test
  void rotatedFiles_setting_findsFilesARotationMovesElsewhere_andABadPatternIsRefused() throws Exception {
    Path file = dir.resolve("leads.ndjson");
    try (var sink = new FileSinkProvider().create(SinkConfig.builder("local", "file").put("path", file.toString())
        .put("rotatedFiles", "archive/leads-*.ndjson").build())) {
      sink.deliver(lead("a", EMAIL));
      Files.createDirectories(dir.resolve("archive"));
      Files.move(file, dir.resolve("archive/leads-2026-12-04.ndjson"));
      sink.deliver(lead("b", "bob@contoso.com"));

      assertThat(sink.erase(Person.byEmail(EMAIL))).hasValue(1);
    }
    assertThat(found(EMAIL)).isEmpty();
    assertThatThrownBy(() -> FileSink.builder().path(file).rotatedFiles("../other/*").build())
        .isInstanceOf(ConfigurationException.class).hasMessageContaining("rotatedFiles");
  }

  private static void gzip(Path from, Path to) throws Exception {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(to))) {
      out.write(Files.readAllBytes(from));
    }
  }

  /** The files below {@link #dir} holding {@code text} (uncompressed). */
  private List<String> found(String text) throws Exception {
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        if (new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(text)) {
          out.add(f.toString());
        }
      }
    }
    return out;
  }
}
