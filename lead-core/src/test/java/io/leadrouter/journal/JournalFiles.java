package io.leadrouter.journal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Reads the files of a SQLite journal (the file itself, its -wal and -shm) as raw bytes, as a forensic reader would. */
final class JournalFiles {
  private JournalFiles() {}

  /**
   * Which of {@code texts} (lower case) the files beside {@code db} whose names start with its name hold, in any
   * case, each as "text in file".
   */
  static List<String> holding(Path db, String... texts) throws Exception {
    String name = db.getFileName().toString();
    List<String> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(db.getParent())) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith(name) && Files.isRegularFile(p))
          .toList()) {
        String text = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
        for (String v : texts) {
          if (text.contains(v)) {
            out.add(v + " in " + f.getFileName());
          }
        }
      }
    }
    return out;
  }
}
