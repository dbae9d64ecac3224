package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link FileCheckpointStore} on a real file system. */
class FileCheckpointStoreTest {
  @TempDir Path dir;

  @Test
  void twoStoresOnOneFile_savingAtOnce_neverFailNorLeaveATornCheckpoint() throws Exception {
    Path file = dir.resolve("poller.json"); // two pollers of one application on one machine, one checkpoint file
    List<FileCheckpointStore> stores = List.of(FileCheckpointStore.at(file), FileCheckpointStore.at(file));
    ExecutorService threads = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> saving = new ArrayList<>();
      for (int s = 0; s < 2; s++) {
        FileCheckpointStore store = stores.get(s);
        int writer = s;
        saving.add(threads.submit(() -> {
          for (int i = 0; i < 300; i++) {
            Set<String> keys = new TreeSet<>();
            // checkpoints of different lengths, so an interleaved write would show
            IntStream.range(0, 1 + (i * 7 + writer * 13) % 200).forEach(k -> keys.add("11:2F25:2F2026/lead-" + k));
            store.save(new PollerCheckpoint(Instant.parse("2026-11-25T10:15:31Z").plusSeconds(i), keys));
          }
          return null;
        }));
      }
      for (Future<?> f : saving) {
        f.get(60, TimeUnit.SECONDS); // throws if a save failed
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(stores.get(0).load()).get().satisfies(cp -> assertThat(cp.timestamp())
        .isEqualTo(Instant.parse("2026-11-25T10:15:31Z").plusSeconds(299)));
    try (var left = Files.list(dir)) {
      assertThat(left).as("no temporary file left behind").containsExactly(file);
    }
  }
}
