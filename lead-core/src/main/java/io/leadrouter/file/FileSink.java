package io.leadrouter.file;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.Person;
import io.leadrouter.Problem;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The built-in, embedded default destination: appends each lead as one line of the marketplace's JSON to a file,
 * forced to disk before {@link #deliver} returns. Idempotent by {@link LeadId}: a redelivered lead is reported
 * {@code UPDATED} and not written again. Thread-safe within one process.
 *
 * <p>What the sink keeps of the file is small: a 64-bit fingerprint of each lead id in it (some 16 bytes a lead, so a
 * year of leads, a million lines, opens in seconds within a 64 MB heap). A lead whose fingerprint is known is looked
 * up in the file itself before it is called written, so two ids sharing a fingerprint never cost a lead.
 */
public final class FileSink implements LeadSink {
  private static final JsonFactory JSON = new JsonFactory();
  private final Path path;
  private final Fingerprints written = new Fingerprints();
  /** The ids of leads erased from the file: known as written, though the file no longer holds them. */
  private final Set<LeadId> erased = new HashSet<>();
  private final MarketplaceCodec codec = MarketplaceCodec.standard();
  private FileChannel channel;

  private FileSink(Path path) {
    this.path = path;
  }

  /** A sink appending to {@code path} (created with its parent folders if missing). */
  public static FileSink open(Path path) {
    Objects.requireNonNull(path, "path");
    FileSink sink = new FileSink(path.toAbsolutePath());
    sink.loadExisting();
    return sink;
  }

  /** A builder; {@link Builder#path} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The file written to. */
  public Path path() {
    return path;
  }

  private void loadExisting() {
    if (!Files.isRegularFile(path)) {
      return; // missing, or not a file (e.g. a folder): verify() and deliver() report FILE_NOT_WRITABLE
    }
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        // a torn line from a crash has no id: its lead was not acknowledged, so it is delivered again
        leadIdOf(line).ifPresent(id -> written.add(fingerprint(id)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read lead file " + path + ": " + e.getMessage(), e);
    }
  }

  /** The top-level {@code LeadId} of a line, read without building the rest; empty for a line that is no lead. */
  private static Optional<String> leadIdOf(String line) {
    if (line.isBlank()) {
      return Optional.empty();
    }
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        if (name.equals("LeadId") && value != null && value.isScalarValue()) {
          return Optional.of(p.getText());
        }
        p.skipChildren();
      }
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Whether the file holds the lead (or held it before an erasure). */
  private boolean isWritten(LeadId id) {
    if (erased.contains(id)) {
      return true;
    }
    if (!written.contains(fingerprint(id.value()))) {
      return false;
    }
    // known by its fingerprint: read the file to tell the lead from another sharing it (2^-64 per pair, but a lost
    // lead is not a price worth a guess); only a redelivery gets here
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (leadIdOf(line).filter(id.value()::equals).isPresent()) {
          return true;
        }
      }
      return false;
    } catch (NoSuchFileException e) {
      return false; // removed since: whatever it held is gone
    } catch (IOException e) {
      return true; // unreadable now: not written twice; the delivery is reported UPDATED as before
    }
  }

  /** A 64-bit fingerprint of a lead id (FNV-1a over its characters, then SplitMix64's finaliser to spread it). */
  private static long fingerprint(String id) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < id.length(); i++) {
      h = (h ^ id.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  @Override
  public synchronized DeliveryResult deliver(Lead lead) throws DeliveryException {
    if (isWritten(lead.id())) {
      return DeliveryResult.updated(lead.id().value());
    }
    ByteBuffer line = ByteBuffer.wrap(line(lead));
    try {
      FileChannel ch = channel();
      while (line.hasRemaining()) {
        ch.write(line);
      }
      ch.force(false);
    } catch (IOException e) {
      closeChannel();
      throw classify(e);
    }
    written.add(fingerprint(lead.id().value()));
    return DeliveryResult.created(lead.id().value());
  }

  /** The bytes appended for a lead: its marketplace JSON and a newline. */
  private byte[] line(Lead lead) {
    byte[] json = codec.toJson(lead);
    byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
    line[json.length] = '\n';
    return line;
  }

  /** {@code APPEND <path>} with the line {@link #deliver} would append; nothing is written. */
  @Override
  public synchronized Optional<ExplainedRequest> explain(Lead lead) {
    ExplainedRequest.Builder r = ExplainedRequest.builder("APPEND", path.toString()).body(line(lead));
    if (isWritten(lead.id())) {
      r.note("lead " + lead.id() + " is already in the file: it would be reported UPDATED and not written again");
    }
    return Optional.of(r.build());
  }

  /** Permission and path errors need the operator; anything else (disk full, I/O error) may pass. */
  private DeliveryException classify(IOException e) {
    String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : "";
    if (e instanceof AccessDeniedException || e instanceof NoSuchFileException
        || e instanceof FileAlreadyExistsException || reason.contains("directory")
        || reason.contains("Read-only")) {
      return new PermanentDeliveryException(new Diagnosis("FILE_NOT_WRITABLE",
          "cannot write " + path + ": " + e.getClass().getSimpleName() + (reason.isEmpty() ? "" : " (" + reason + ")"),
          "make " + path + " a writable file path (its folder must exist or be creatable)"), e);
    }
    return new TransientDeliveryException("cannot write " + path + ": " + e.getMessage(), e);
  }

  private FileChannel channel() throws IOException {
    if (channel == null || !channel.isOpen()) {
      Path parent = path.getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        Files.createDirectories(parent);
      }
      FileChannel opened = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.APPEND);
      try {
        endTornLine(path, opened);
      } catch (IOException e) {
        opened.close();
        throw e;
      }
      channel = opened;
    }
    return channel;
  }

  /**
   * Ends a last line a crash (or a full disk) left without its newline, before anything is appended: the next lead
   * would otherwise be glued onto it, one unreadable line, and lost to whoever reads the file. The torn line stays as
   * it is (its lead was not acknowledged, so it is delivered again, whole, on a line of its own).
   */
  private static void endTornLine(Path path, FileChannel append) throws IOException {
    long size = append.size();
    if (size == 0) {
      return;
    }
    ByteBuffer last = ByteBuffer.allocate(1);
    try (FileChannel read = FileChannel.open(path, StandardOpenOption.READ)) { // Java opens none for both
      read.read(last, size - 1);
    }
    if (last.position() == 1 && last.get(0) != '\n') {
      ByteBuffer newline = ByteBuffer.wrap(new byte[] {'\n'});
      while (newline.hasRemaining()) {
        append.write(newline);
      }
      append.force(false);
    }
  }

  private void closeChannel() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // already failing; the next delivery reopens
      }
      channel = null;
    }
  }

  /**
   * Rewrites the file without the person's lines, atomically: the kept lines go to a new file beside it, which is
   * forced to disk and then moved over the old one, so a crash leaves either file whole. A line is the person's when
   * it reads as a lead {@link Person#matches matching} them, or (a torn line) when its raw bytes hold their e-mail,
   * phone or lead id. Their lead ids stay known as written, so a delivery still in flight is not written again.
   */
  @Override
  public synchronized OptionalLong erase(Person person) {
    Objects.requireNonNull(person, "person");
    if (!Files.isRegularFile(path)) {
      return OptionalLong.of(0);
    }
    closeChannel();
    Path tmp = path.resolveSibling(path.getFileName() + ".erasing");
    long removed = 0;
    try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.UTF_8);
        FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      String line;
      while ((line = r.readLine()) != null) {
        byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
        if (personsLine(person, bytes)) {
          removed++;
          continue;
        }
        ByteBuffer b = ByteBuffer.allocate(bytes.length + 1).put(bytes).put((byte) '\n').flip();
        while (b.hasRemaining()) {
          out.write(b);
        }
      }
      out.force(true);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the old file is untouched
      }
      throw new UncheckedIOException("cannot erase from lead file " + path + " (it is unchanged): " + e.getMessage(),
          e);
    }
    try {
      Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      forceFolder();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace lead file " + path + " with " + tmp + ": " + e.getMessage(), e);
    }
    return OptionalLong.of(removed);
  }

  private boolean personsLine(Person person, byte[] line) {
    if (line.length == 0) {
      return false;
    }
    if (codec.read(line) instanceof io.leadrouter.ReadResult.Readable readable) {
      if (person.matches(readable.lead())) {
        erased.add(readable.lead().id()); // a delivery in flight now finds it written, and writes nothing
        return true;
      }
      return false;
    }
    return person.appearsIn(line);
  }

  private void forceFolder() {
    Path parent = path.getParent();
    if (parent == null) {
      return;
    }
    try (FileChannel dir = FileChannel.open(parent, StandardOpenOption.READ)) {
      dir.force(true);
    } catch (IOException e) {
      // not every file system lets a folder be opened; the rename is done either way
    }
  }

  @Override
  public synchronized VerificationReport verify() {
    VerificationReport.Builder r = VerificationReport.builder(FileSinkProvider.TYPE);
    try {
      channel();
      r.passed("writable", path + " is writable (" + written.size() + " leads written)");
    } catch (IOException e) {
      closeChannel();
      DeliveryException d = classify(e);
      r.failed("writable", d.diagnosis().orElse(new Diagnosis("FILE_NOT_WRITABLE", d.getMessage(),
          "check the disk and the path")));
    }
    return r.build();
  }

  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().maxConcurrency(1).upsert(true).confirmsDelivery(true).build();
  }

  @Override
  public synchronized void close() {
    closeChannel();
  }

  @Override
  public String toString() {
    return "FileSink[" + path + "]";
  }

  /**
   * A set of 64-bit fingerprints, open addressing with linear probing, at most half full: 16 bytes a lead where a set
   * of ids took some 140. Zero, the empty slot, stands for itself in a flag of its own.
   */
  private static final class Fingerprints {
    private long[] slots = new long[1024];
    private int size;
    private boolean hasZero;

    boolean contains(long fingerprint) {
      if (fingerprint == 0) {
        return hasZero;
      }
      int mask = slots.length - 1;
      for (int i = (int) fingerprint & mask; slots[i] != 0; i = (i + 1) & mask) {
        if (slots[i] == fingerprint) {
          return true;
        }
      }
      return false;
    }

    void add(long fingerprint) {
      if (fingerprint == 0) {
        size += hasZero ? 0 : 1;
        hasZero = true;
        return;
      }
      if (2 * (size + 1) > slots.length) {
        long[] old = slots;
        slots = new long[old.length * 2];
        for (long f : old) {
          if (f != 0) {
            place(f);
          }
        }
      }
      if (place(fingerprint)) {
        size++;
      }
    }

    private boolean place(long fingerprint) {
      int mask = slots.length - 1;
      int i = (int) fingerprint & mask;
      for (; slots[i] != 0; i = (i + 1) & mask) {
        if (slots[i] == fingerprint) {
          return false;
        }
      }
      slots[i] = fingerprint;
      return true;
    }

    int size() {
      return size;
    }
  }

  /** Builds a {@link FileSink}: the settings shape every sink shares (setters, then one checking {@code build()}). */
  public static final class Builder {
    private Path path;

    private Builder() {}

    /** The JSON-lines file to append to, created with its parent folders if missing (required). */
    public Builder path(Path path) {
      this.path = Objects.requireNonNull(path, "path");
      return this;
    }

    /**
     * Opens the sink: the one place the settings are checked.
     *
     * @throws ConfigurationException when the path is missing
     */
    public FileSink build() {
      if (path == null) {
        throw new ConfigurationException(List.of(new Problem("path", "is required", "set path for the file sink")));
      }
      return open(path);
    }
  }
}
