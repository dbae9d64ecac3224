package io.leadrouter.azuretable;

import java.util.Optional;

/**
 * Keeps an {@link AzureTableLeadPoller}'s checkpoint durably, so a restart neither skips nor repeats rows.
 * Implementations: {@link TableCheckpointStore} (an entity in the same storage account) and
 * {@link FileCheckpointStore}. Failures are thrown as unchecked exceptions.
 */
public interface CheckpointStore {
  /** The saved checkpoint, if any. */
  Optional<PollerCheckpoint> load();

  /** Saves the checkpoint; when this returns, it survives a crash. */
  void save(PollerCheckpoint checkpoint);
}
