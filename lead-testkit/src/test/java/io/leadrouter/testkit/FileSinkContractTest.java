package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.file.FileSink;
import io.leadrouter.file.FileSinkProvider;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSinkContractTest extends LeadSinkContract {
  @TempDir Path dir;
  private Path file;

  @Override
  protected LeadSink createSink() {
    file = dir.resolve("out/leads.ndjson");
    return new FileSinkProvider().create(SinkConfig.builder("local", "file").put("path", file.toString()).build());
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    try {
      return (int) Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .filter(l -> l.contains("\"LeadId\":\"" + lead.id() + "\"")).count();
    } catch (IOException e) {
      return 0;
    }
  }

  @Override
  protected void destinationFailsTransiently() {
    // a real "disk full": /dev/full answers every write with ENOSPC
    replaceFile(() -> Files.createSymbolicLink(file, Path.of("/dev/full")));
  }

  @Override
  protected void destinationRejectsPermanently() {
    // a folder where the file should be: no retry can fix that
    replaceFile(() -> Files.createDirectories(file));
  }

  private void replaceFile(IoAction action) {
    try {
      sink().close();
      Files.createDirectories(file.getParent());
      Files.deleteIfExists(file);
      action.run();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private interface IoAction {
    void run() throws IOException;
  }

  /** What the file received: its last line, with the newline. */
  @Override
  protected Optional<ReceivedRequest> received(ExplainedRequest explained) {
    try {
      byte[] all = Files.readAllBytes(file);
      int start = all.length - 1;
      while (start > 0 && all[start - 1] != '\n') {
        start--;
      }
      return Optional.of(new ReceivedRequest("APPEND", file.toAbsolutePath().toString(), List.of(),
          Arrays.copyOfRange(all, start, all.length)));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Override
  protected List<String> secretValues() {
    return List.of("file-sink-has-no-secret");
  }

  /**
   * Erasing moved a rewritten file over the old one: the old file's blocks, the person's lines in them, stayed on the
   * disk until reused (read here through a second link to the old file, as a disk reader would find them). The
   * person's lines are now overwritten in place before the rewrite; the file the path names keeps the other leads and
   * no blank line.
   */
  @Test
  void erase_overwritesThePersonsLinesInTheOldFile_beforeReplacingIt() throws Exception {
    Lead theirs = SampleLeads.azureMarketplaceInstall().toBuilder().email("ottoline.vexcombe@contoso.com")
        .firstName("Ottoline").phone("+44 20 7946 0958").build();
    Lead other = SampleLeads.azureMarketplaceInstall();
    sink().deliver(other);
    sink().deliver(theirs);
    sink().deliver(SampleLeads.azureMarketplaceInstall());
    Path oldFile = dir.resolve("out/old-blocks");
    Files.createLink(oldFile, file); // the old file's blocks, as they stay on the disk after it is replaced

    assertThat(((FileSink) sink()).erase(io.leadrouter.Person.byEmail("Ottoline.Vexcombe@contoso.com")))
        .hasValue(1);

    String old = Files.readString(oldFile, StandardCharsets.UTF_8);
    assertThat(old).doesNotContainIgnoringCase("ottoline").doesNotContain("7946").doesNotContain(theirs.id().value())
        .contains(other.id().value());
    assertThat(old.lines().filter(String::isBlank)).as("the person's line, overwritten with spaces").hasSize(1);
    assertThat(Files.size(oldFile)).as("overwritten in place, same length").isEqualTo(old.getBytes(
        StandardCharsets.UTF_8).length);
    List<String> now = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(now).hasSize(2).noneMatch(String::isBlank).anyMatch(l -> l.contains(other.id().value()));
    assertThat(sink().deliver(theirs).outcome()).as("erased, still known: not written again")
        .isEqualTo(DeliveryOutcome.UPDATED);
  }

  /**
   * The file moved away while the sink ran (log rotation: {@code mv leads.ndjson leads.1}): the sink went on appending
   * to the moved file, so readers of the path saw no new lead (and a rotation compressing or deleting the moved file
   * took them). It now opens the path again; a lead written before the move is not written again.
   */
  @Test
  void fileMovedAwayWhileRunning_nextLeadsGoToThePath_noneLostNoneTwice() throws Exception {
    Lead before = SampleLeads.azureMarketplaceInstall();
    Lead after = SampleLeads.azureMarketplaceInstall();
    sink().deliver(before);
    Path rotated = dir.resolve("out/leads.ndjson.1");
    Files.move(file, rotated);

    assertThat(sink().deliver(after).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink().deliver(before).outcome()).as("in the moved file: not written twice")
        .isEqualTo(DeliveryOutcome.UPDATED);
    Files.move(file, dir.resolve("out/leads.ndjson.2")); // rotated again, the sink not told
    Lead third = SampleLeads.azureMarketplaceInstall();
    assertThat(sink().deliver(third).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(sink().deliver(after).outcome()).isEqualTo(DeliveryOutcome.UPDATED);

    assertThat(Files.readAllLines(rotated, StandardCharsets.UTF_8)).hasSize(1)
        .allMatch(l -> l.contains(before.id().value()));
    assertThat(Files.readAllLines(dir.resolve("out/leads.ndjson.2"), StandardCharsets.UTF_8)).hasSize(1)
        .allMatch(l -> l.contains(after.id().value()));
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).hasSize(1)
        .allMatch(l -> l.contains(third.id().value()));
  }

  /** Delivers {@code lead} through the contract's sink, closes it, and opens a new sink on the same file. */
  private FileSink reopenedAfterDelivering(Lead lead) throws Exception {
    sink().deliver(lead);
    sink().close();
    return FileSink.open(file);
  }

  @Test
  void redelivery_afterReopen_isStillIdempotent() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    try (FileSink reopened = reopenedAfterDelivering(lead)) {
      assertThat(reopened.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    }
    assertThat(recordsAtDestination(lead)).isEqualTo(1);
  }

  @Test
  void tornLastLine_fromACrash_theNextLeadGoesOnALineOfItsOwn() throws Exception {
    sink().close();
    Files.createDirectories(file.getParent());
    Lead before = SampleLeads.azureMarketplaceInstall();
    String whole;
    try (FileSink scratch = FileSink.open(dir.resolve("scratch.ndjson"))) { // the line as the sink writes it
      whole = new String(scratch.explain(before).orElseThrow().body(), StandardCharsets.UTF_8);
    }
    String torn = whole.substring(0, whole.length() / 2); // the process died in the middle of this line's write
    Files.writeString(file, whole + torn, StandardCharsets.UTF_8);
    Lead next = SampleLeads.azureMarketplaceInstall();
    try (FileSink reopened = FileSink.open(file)) {
      assertThat(reopened.deliver(next).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    assertThat(lines).hasSize(3);
    assertThat(lines.get(1)).isEqualTo(torn); // kept as it was, not guessed at
    assertThat(io.leadrouter.MarketplaceCodec.standard().read(lines.get(2).getBytes(StandardCharsets.UTF_8)))
        .isInstanceOfSatisfying(io.leadrouter.ReadResult.Readable.class,
            r -> assertThat(r.lead().id()).isEqualTo(next.id()));
    try (FileSink again = FileSink.open(file)) { // the lead is known as written: not appended twice
      assertThat(again.deliver(next).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    }
    assertThat(recordsAtDestination(next)).isEqualTo(1);
  }

  @Test
  void fileEndingInANewline_getsNoEmptyLine() throws Exception {
    Lead first = SampleLeads.azureMarketplaceInstall();
    try (FileSink reopened = reopenedAfterDelivering(first)) {
      reopened.deliver(SampleLeads.azureMarketplaceInstall());
    }
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).hasSize(2).noneMatch(String::isEmpty);
  }

  @Test
  void redelivery_isToldByTheFile_notByWhatTheSinkRemembers() throws Exception {
    Lead kept = SampleLeads.azureMarketplaceInstall();
    Lead removed = SampleLeads.azureMarketplaceInstall();
    sink().deliver(kept);
    sink().deliver(removed);
    // the line taken out of the file behind the sink's back (an operator's edit): the sink remembers only a
    // fingerprint of each id, and looks in the file before it calls a lead written
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    Files.write(file, lines.subList(0, 1), StandardCharsets.UTF_8);
    assertThat(sink().deliver(kept).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(sink().deliver(removed).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    assertThat(recordsAtDestination(kept)).isEqualTo(1);
    assertThat(recordsAtDestination(removed)).isEqualTo(1);
  }

  @Test
  void reopen_aFileOfManyLeads_knowsEachAsWritten_andNoOtherLead() throws Exception {
    sink().close();
    List<Lead> leads = new java.util.ArrayList<>();
    StringBuilder text = new StringBuilder();
    try (FileSink scratch = FileSink.open(dir.resolve("scratch.ndjson"))) {
      for (int i = 0; i < 3000; i++) { // past the fingerprint table's first growths
        Lead lead = SampleLeads.azureMarketplaceInstall();
        leads.add(lead);
        text.append(new String(scratch.explain(lead).orElseThrow().body(), StandardCharsets.UTF_8));
      }
    }
    Files.createDirectories(file.getParent());
    Files.writeString(file, text, StandardCharsets.UTF_8);
    try (FileSink reopened = FileSink.open(file)) {
      for (int i = 0; i < leads.size(); i += 97) { // a redelivery reads the file: a sample of them, first to last
        Lead lead = leads.get(i);
        assertThat(reopened.deliver(lead).outcome()).as(lead.id().value()).isEqualTo(DeliveryOutcome.UPDATED);
      }
      assertThat(reopened.deliver(leads.get(leads.size() - 1)).outcome()).isEqualTo(DeliveryOutcome.UPDATED);
      assertThat(reopened.deliver(SampleLeads.azureMarketplaceInstall()).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
      assertThat(reopened.verify().toString()).contains("3001 leads written");
    }
    assertThat(Files.readAllLines(file, StandardCharsets.UTF_8)).hasSize(3001);
  }

  @Test
  void create_missingPathAndUnknownKey_reportsBoth() {
    SinkConfig config = SinkConfig.builder("local", "file").put("pth", "x").secret("token", Secret.of("s")).build();
    assertThatThrownBy(() -> new FileSinkProvider().create(config))
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration (3 problems):\n"
            + "  - sinks.local.path: is required (set path for the file sink)\n"
            + "  - sinks.local.pth: is not a setting of the file sink (did you mean 'path'? otherwise remove it)\n"
            + "  - sinks.local.token: is not a setting of the file sink (remove it or check its spelling)");
  }

  @Test
  void builder_withoutPath_failsInBuildNamingThePath() {
    assertThatThrownBy(() -> FileSink.builder().build())
        .isInstanceOf(ConfigurationException.class)
        .hasMessage("invalid configuration: path: is required (set path for the file sink)");
  }

  @Test
  void builder_withPath_opensTheSameSinkAsOpen() throws Exception {
    Path out = dir.resolve("built/leads.ndjson");
    try (FileSink built = FileSink.builder().path(out).build()) {
      assertThat(built.path()).isEqualTo(out.toAbsolutePath());
      assertThat(built.deliver(io.leadrouter.testkit.SampleLeads.azureMarketplaceInstall()).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
    }
    assertThat(Files.readAllLines(out, StandardCharsets.UTF_8)).hasSize(1);
  }
}
