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
 *
 * <p><b>Rotated files.</b> The files a rotation moved the sink's file to ({@code mv leads.ndjson leads.ndjson.1},
 * logrotate's {@code leads.ndjson.1} or {@code leads.ndjson-20261204}) are found by {@link Builder#rotatedFiles}, by
 * default {@code <file name>.*} and {@code <file name>-*} beside the file. Their leads are known as written (also
 * after a restart), a fingerprint found there is confirmed by reading them as the file's is (a lead that no file holds
 * any more, its rotated file deleted, is written again rather than called written on a fingerprint alone), and
 * {@link #erase} erases the person's lines in them as in the file. A rotated file compressed with gzip is read; when it
 * holds the person the erasure fails naming it (decompress it and erase again); one in another compression cannot be
 * read and is named too.
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

  /** Which files beside the sink's file are its rotated files (paths relative to the file's folder). */
  private final java.nio.file.PathMatcher rotated;
  /** How deep below the file's folder rotated files are looked for (the pattern's folders, plus one). */
  private final int rotatedDepth;

  private FileSink(Path path, String rotatedFiles) {
    this.path = path;
    String name = path.getFileName().toString().replaceAll("([\\\\*?\\[\\]{},])", "\\\\$1");
    String glob = rotatedFiles != null ? rotatedFiles : "{" + name + ".*," + name + "-*}";
    this.rotated = path.getFileSystem().getPathMatcher("glob:" + glob);
    this.rotatedDepth = (int) glob.chars().filter(c -> c == '/').count() + 1;
  }

  /** A sink appending to {@code path} (created with its parent folders if missing); rotated files by default. */
  public static FileSink open(Path path) {
    return open(path, null);
  }

  private static FileSink open(Path path, String rotatedFiles) {
    Objects.requireNonNull(path, "path");
    FileSink sink = new FileSink(path.toAbsolutePath(), rotatedFiles);
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
    // the leads of the rotated files are written too: redelivered after a restart, one was written a second time
    for (Path file : rotatedFiles()) {
      try (BufferedReader r = reader(file)) {
        if (r != null) {
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            leadIdOf(line).ifPresent(id -> movedAway.add(fingerprint(id)));
          }
        }
      } catch (IOException e) {
        // unreadable now (a rotation compressing it meanwhile): its leads are looked for again when one comes back
      }
    }
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
      // written to a file moved away (rotated): confirmed in the rotated files as in the file, not told by its
      // fingerprint alone, which two ids may share (a lead reported written that no file holds is a lost lead)
      return movedAway.contains(fingerprint(id.value())) && inRotatedFiles(id);
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

  /**
   * Whether a rotated file holds the lead; also when one cannot be read (compressed other than with gzip, or unreadable
   * now): not written twice, as for the file. None holding it (deleted since, or two ids sharing a fingerprint): no.
   */
  private boolean inRotatedFiles(LeadId id) {
    for (Path file : rotatedFiles()) {
      try (BufferedReader r = reader(file)) {
        if (r == null) {
          return true;
        }
        for (String line = r.readLine(); line != null; line = r.readLine()) {
          if (leadIdOf(line).filter(id.value()::equals).isPresent()) {
            return true;
          }
        }
      } catch (NoSuchFileException e) {
        // removed since: whatever it held is gone
      } catch (IOException e) {
        return true;
      }
    }
    return false;
  }

  /** Suffixes of compressed files: gzip is read, the others cannot be. */
  private static final List<String> COMPRESSED = List.of(".bz2", ".xz", ".zst", ".zip", ".z", ".lz4", ".lzma", ".7z");

  private static boolean gzip(Path file) {
    return file.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gz");
  }

  private static boolean unreadable(Path file) {
    String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
    return COMPRESSED.stream().anyMatch(name::endsWith);
  }

  /** A reader of a rotated file's lines (gzip decompressed); null for a file in another compression. */
  private static BufferedReader reader(Path file) throws IOException {
    if (unreadable(file)) {
      return null;
    }
    java.io.InputStream in = Files.newInputStream(file);
    try {
      return new BufferedReader(new java.io.InputStreamReader(gzip(file) ? new java.util.zip.GZIPInputStream(in, 1 << 16)
          : in, StandardCharsets.UTF_8), 1 << 16);
    } catch (IOException e) {
      in.close();
      throw e;
    }
  }

  /**
   * The rotated files: regular files below the file's folder whose path relative to it matches
   * {@link Builder#rotatedFiles}, other than the file itself and an erasure's temporary file; sorted.
   */
  private List<Path> rotatedFiles() {
    Path folder = path.getParent();
    if (folder == null || !Files.isDirectory(folder)) {
      return List.of();
    }
    Path erasing = path.resolveSibling(path.getFileName() + ".erasing");
    try (java.util.stream.Stream<Path> files = Files.walk(folder, rotatedDepth)) {
      return files.filter(f -> !f.equals(path) && !f.equals(erasing) && rotated.matches(folder.relativize(f))
          && Files.isRegularFile(f)).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      return List.of();
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
   * Erases the person's lines from the file and from its rotated files ({@link Builder#rotatedFiles}): in each, every
   * such line is first overwritten in place with spaces of its length and forced to disk, so that the blocks that held
   * it hold it no longer (a rename alone left the old file's blocks on the disk, readable until reused); then the file
   * is rewritten without those lines, atomically: the kept lines go to a new file beside it, which is forced to disk
   * and moved over the old one, so a crash leaves either file whole (the old one with blank lines where the person
   * was). A line is the person's when it reads as a lead {@link Person#matches matching} them, or (a torn line) when
   * its raw bytes hold their e-mail, phone or lead id. Their lead ids stay known as written, so a delivery still in
   * flight is not written again. A rotated file compressed with gzip that holds the person, or one in another
   * compression (which cannot be read), is not changed: the erasure fails naming it, after erasing the others
   * (decompress it, then erase again). Rotated files elsewhere than the pattern says are not found: erase there
   * yourself. On a copy-on-write file system (btrfs, ZFS) or an SSD's remapped blocks no overwrite reaches the old
   * copies: encrypt such a disk.
   *
   * @throws UncheckedIOException when a file cannot be erased (its lines are all still there), naming it
   */
  @Override
  public synchronized OptionalLong erase(Person person) {
    Objects.requireNonNull(person, "person");
    noticeMoved();
    long count = 0;
    List<String> left = new java.util.ArrayList<>();
    for (Path file : rotatedFiles()) {
      if (unreadable(file)) {
        left.add(file + " (compressed: it cannot be read here)");
      } else if (gzip(file)) {
        if (gzipHolds(file, person)) {
          left.add(file + " (holds the person's lines, compressed: decompress it, then erase again)");
        }
      } else {
        count += eraseIn(file, person);
      }
    }
    if (Files.isRegularFile(path)) {
      closeChannel();
      count += eraseIn(path, person);
      knownFile = fileKey(path); // the sink's own rewrite: its leads are the ones known, less the person's
    }
    if (!left.isEmpty()) {
      throw new UncheckedIOException(new IOException("erased " + count + " line" + (count == 1 ? "" : "s")
          + " of the person; not erased from rotated " + (left.size() == 1 ? "file " : "files ")
          + String.join(", ", left)));
    }
    return OptionalLong.of(count);
  }

  /** Whether a gzip-compressed rotated file holds a line of the person's; yes when it cannot be read. */
  private boolean gzipHolds(Path file, Person person) {
    try (BufferedReader r = reader(file)) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (personsLine(person, line.getBytes(StandardCharsets.UTF_8))) {
          return true;
        }
      }
      return false;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /** Erases the person's lines from one uncompressed file, as {@link #erase} says; how many. */
  private long eraseIn(Path file, Person person) {
    Path tmp = file.resolveSibling(file.getFileName() + ".erasing");
    List<long[]> persons = new java.util.ArrayList<>(); // offset and length of each of the person's lines
    try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16);
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
      overwrite(file, persons);
    } catch (IOException e) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the old file is untouched, or holds blanks where the person's lines were
      }
      throw new UncheckedIOException("cannot erase from lead file " + file + " (its leads are all still there): "
          + e.getMessage(), e);
    }
    if (persons.isEmpty() && !file.equals(path)) {
      try {
        Files.deleteIfExists(tmp); // a rotated file without the person is left as it is
      } catch (IOException ignored) {
        // a leftover temporary file holds only lines the file holds too
      }
      return 0;
    }
    try {
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      forceFolder(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot replace lead file " + file + " with " + tmp + ": " + e.getMessage(), e);
    }
    return persons.size();
  }

  /** Overwrites these ranges of the file (the person's lines, without their newline) with spaces, then forces it. */
  private static void overwrite(Path file, List<long[]> ranges) throws IOException {
    if (ranges.isEmpty()) {
      return;
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      for (long[] r : ranges) {
        byte[] spaces = new byte[(int) r[1]];
        java.util.Arrays.fill(spaces, (byte) ' ');
        ByteBuffer b = ByteBuffer.wrap(spaces);
        long at = r[0];
        while (b.hasRemaining()) {
          at += channel.write(b, at);
        }
      }
      channel.force(true);
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

  private static void forceFolder(Path file) {
    Path parent = file.getParent();
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
    private String rotatedFiles;

    private Builder() {}

    /**
     * Where a rotation moves the file: a glob over paths relative to the file's folder ({@code leads.ndjson.*},
     * {@code archive/leads-*.ndjson}); default {@code <file name>.*} and {@code <file name>-*} beside the file (as
     * {@code mv}, logrotate and its {@code dateext} name them). Their leads are known as written and {@link #erase}
     * erases the person there too.
     */
    public Builder rotatedFiles(String glob) {
      Objects.requireNonNull(glob, "glob");
      this.rotatedFiles = glob;
      return this;
    }

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
      List<Problem> problems = new java.util.ArrayList<>();
      if (path == null) {
        problems.add(new Problem("path", "is required", "set path for the file sink"));
      }
      if (rotatedFiles != null) {
        try {
          java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + rotatedFiles);
          if (rotatedFiles.isBlank() || rotatedFiles.startsWith("/") || rotatedFiles.contains("..")) {
            throw new IllegalArgumentException("not inside the file's folder");
          }
        } catch (IllegalArgumentException e) {
          problems.add(new Problem("rotatedFiles", "'" + rotatedFiles + "' is no glob of files below the file's"
              + " folder (" + e.getMessage() + ")", "give a pattern relative to the file's folder, such as"
              + " leads.ndjson.* or archive/leads-*.ndjson"));
        }
      }
      if (!problems.isEmpty()) {
        throw new ConfigurationException(problems);
      }
      return open(path, rotatedFiles);
    }
  }
}
