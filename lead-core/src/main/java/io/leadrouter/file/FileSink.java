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
  /**
   * Fingerprints of the leads written to files moved away from {@link #path} while the sink ran (log rotation:
   * {@code mv leads.ndjson leads.1}): known as written, so that a redelivery is not written again into the new file.
   */
  private final Fingerprints movedAway = new Fingerprints();
  private final MarketplaceCodec codec = MarketplaceCodec.standard();
  private FileChannel channel;
  /**
   * The identity (device and inode) of the file whose leads {@link #written} holds: the one read at open, or the one
   * created since; null before there is one.
   */
  private Object knownFile;

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
    knownFile = fileKey(path);
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
      // written to a file moved away meanwhile, which can no longer be read here: told by its fingerprint alone
      return movedAway.contains(fingerprint(id.value()));
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
    noticeMoved();
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
    noticeMoved();
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
    noticeMoved();
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
      if (knownFile == null) {
        knownFile = fileKey(path);
      }
    }
    return channel;
  }

  /**
   * Whether the file was moved away (log rotation: {@code mv leads.ndjson leads.1}), deleted or replaced since the sink
   * read or created it; if so, the path is opened again at the next append (appending on went into a file no reader of
   * the path sees, and that a rotation may compress or delete), and the leads written before stay known as written
   * (by their fingerprints: the moved file can no longer be read here), so none is written twice. Checked before each
   * delivery: one {@code stat} beside the delivery's {@code fsync}.
   */
  private void noticeMoved() {
    if (knownFile == null) {
      return;
    }
    Object now = fileKey(path);
    if (!knownFile.equals(now)) {
      written.forEach(movedAway::add);
      written.clear();
      closeChannel();
      knownFile = now;
    }
  }

  /** The identity of the file {@code file} names now (links followed), or null when there is none. */
  private static Object fileKey(Path file) {
    try {
      return Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();
    } catch (IOException e) {
      return null;
    }
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
   * Erases the person's lines: each is first overwritten in place, in the file itself, with spaces of its length and
   * forced to disk, so that the blocks that held it hold it no longer (a rename alone left the old file's blocks on the
   * disk, readable until reused); then the file is rewritten without those lines, atomically: the kept lines go to a
   * new file beside it, which is forced to disk and moved over the old one, so a crash leaves either file whole (the
   * old one with blank lines where the person was). A line is the person's when it reads as a lead
   * {@link Person#matches matching} them, or (a torn line) when its raw bytes hold their e-mail, phone or lead id.
   * Their lead ids stay known as written, so a delivery still in flight is not written again. Files moved away from the
   * path (rotated) are not the sink's any more: erase there yourself. On a copy-on-write file system (btrfs, ZFS) or an
   * SSD's remapped blocks no overwrite reaches the old copies: encrypt such a disk.
   */
  @Override
  public synchronized OptionalLong erase(Person person) {
    Objects.requireNonNull(person, "person");
    noticeMoved();
    if (!Files.isRegularFile(path)) {
      return OptionalLong.of(0);
    }
    closeChannel();
    Path tmp = path.resolveSibling(path.getFileName() + ".erasing");
    List<long[]> persons = new java.util.ArrayList<>(); // offset and length of each of the person's lines
    try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(path), 1 << 16);
        FileChannel out = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
            StandardOpenOption.WRITE)) {
      java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(1024);
      long offset = 0;
      long start = 0;
      for (int b = in.read(); ; b = in.read()) {
        if (b != '\n' && b != -1) {
          line.write(b);
          offset++;
          continue;
        }
        byte[] bytes = line.toByteArray();
        int length = bytes.length;
        if (length > 0 && bytes[length - 1] == '\r') {
          length--; // a CRLF file: the line without its CR, as it was read before
        }
        byte[] text = length == bytes.length ? bytes : java.util.Arrays.copyOf(bytes, length);
        if (personsLine(person, text)) {
          persons.add(new long[] {start, bytes.length});
        } else if (b != -1 || bytes.length > 0) {
          ByteBuffer kept = ByteBuffer.allocate(length + 1).put(text).put((byte) '\n').flip();
          while (kept.hasRemaining()) {
            out.write(kept);
          }
        }
        if (b == -1) {
          break;
        }
        offset++;
        start = offset;
        line.reset();
      }
      out.force(true);
      overwrite(persons);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the old file is untouched, or holds blanks where the person's lines were
      }
      throw new UncheckedIOException("cannot erase from lead file " + path + " (its leads are all still there): "
          + e.getMessage(), e);
    }
    try {
      Files.move(tmp, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      knownFile = fileKey(path); // the sink's own rewrite: its leads are the ones known, less the person's
      forceFolder();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace lead file " + path + " with " + tmp + ": " + e.getMessage(), e);
    }
    return OptionalLong.of(persons.size());
  }

  /** Overwrites these ranges of the file (the person's lines, without their newline) with spaces, then forces it. */
  private void overwrite(List<long[]> ranges) throws IOException {
    if (ranges.isEmpty()) {
      return;
    }
    try (FileChannel file = FileChannel.open(path, StandardOpenOption.WRITE)) {
      for (long[] r : ranges) {
        byte[] spaces = new byte[(int) r[1]];
        java.util.Arrays.fill(spaces, (byte) ' ');
        ByteBuffer b = ByteBuffer.wrap(spaces);
        long at = r[0];
        while (b.hasRemaining()) {
          at += file.write(b, at);
        }
      }
      file.force(true);
    }
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

    /** Passes each fingerprint held to {@code action}. */
    void forEach(java.util.function.LongConsumer action) {
      if (hasZero) {
        action.accept(0);
      }
      for (long f : slots) {
        if (f != 0) {
          action.accept(f);
        }
      }
    }

    /** Holds nothing again. */
    void clear() {
      slots = new long[1024];
      size = 0;
      hasZero = false;
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
