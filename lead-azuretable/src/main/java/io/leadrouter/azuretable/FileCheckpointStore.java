package io.leadrouter.azuretable;

import io.leadrouter.azuretable.internal.CheckpointJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the checkpoint in a small JSON file, replaced atomically (written to a temporary file of its own, forced to
 * disk, then renamed), so a crash, or another store saving to the same file, leaves either the old or the new
 * checkpoint, never a torn one.
 */
public final class FileCheckpointStore implements CheckpointStore {
  private final Path file;

  private FileCheckpointStore(Path file) {
    this.file = file;
  }

  /** A store at {@code file} (its folder is created when missing). */
  public static FileCheckpointStore at(Path file) {
    return new FileCheckpointStore(Objects.requireNonNull(file, "file").toAbsolutePath());
  }

  @Override
  public Optional<PollerCheckpoint> load() {
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(CheckpointJson.read(Files.readString(file, StandardCharsets.UTF_8), file.toString()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the poller checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void save(PollerCheckpoint checkpoint) {
    Objects.requireNonNull(checkpoint, "checkpoint");
    Path tmp = null;
    try {
      Files.createDirectories(file.getParent());
      // a temporary file of its own: another store on the same file (a second poller) cannot write into it or move it
      tmp = Files.createTempFile(file.getParent(), file.getFileName() + ".", ".tmp");
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer bytes = ByteBuffer.wrap(CheckpointJson.write(checkpoint).getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          ch.write(bytes);
        }
        ch.force(true);
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      deleteQuietly(tmp);
      throw new UncheckedIOException("cannot write the poller checkpoint " + file + ": " + e.getMessage(), e);
    }
  }

  private static void deleteQuietly(Path tmp) {
    if (tmp != null) {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the save's own failure is what the caller needs
      }
    }
  }

  @Override
  public String toString() {
    return "FileCheckpointStore[" + file + "]";
  }
}
