package io.leadrouter.azuretable;

import com.azure.core.util.Context;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import io.leadrouter.azuretable.internal.CheckpointJson;
import io.leadrouter.spi.Diagnosis;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Keeps the checkpoint as one entity (PartitionKey {@code poller}, RowKey = the poller's name) in a table of the
 * same storage account, {@code LeadRouterCheckpoints} by default, created when missing. The checkpoint's JSON is
 * split over string properties {@code Checkpoint0..n} of at most 30,000 characters (the service allows 32 K).
 */
public final class TableCheckpointStore implements CheckpointStore {
  /** The default checkpoint table. */
  public static final String DEFAULT_TABLE = "LeadRouterCheckpoints";
  private static final String PARTITION = "poller";
  private static final int CHUNK_CHARS = 30_000;
  /** 16 x 30,000 UTF-16 characters stay under the service's 1 MiB per entity. */
  private static final int MAX_CHUNKS = 16;

  private final TableClient table;
  private final String name;
  private final Duration timeout;
  private volatile boolean tableReady;

  private TableCheckpointStore(TableClient table, String name, Duration timeout) {
    this.table = table;
    this.name = name;
    this.timeout = timeout;
  }

  /** A store for the poller called {@code name} in {@code tableName} of {@code account}. */
  public static TableCheckpointStore create(AzureTableAccount account, String tableName, String name) {
    return create(account, tableName, name, AzureTableConfig.DEFAULT_REQUEST_TIMEOUT);
  }

  /** As {@link #create(AzureTableAccount, String, String)}, with a request timeout. */
  public static TableCheckpointStore create(AzureTableAccount account, String tableName, String name,
      Duration timeout) {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(tableName, "tableName");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(timeout, "timeout");
    if (!AzureTableConfig.TABLE_NAME.matcher(tableName).matches()) {
      throw new IllegalArgumentException("'" + tableName + "' is not a valid table name");
    }
    if (!name.matches("[A-Za-z0-9._~:@+=-]{1,128}")) {
      throw new IllegalArgumentException("'" + name + "' is not a valid poller name: use 1 to 128 letters, digits "
          + "and . _ ~ : @ + = -");
    }
    return new TableCheckpointStore(TableClients.create(account, tableName, timeout, AzureTableConfig
        .DEFAULT_CONNECT_TIMEOUT, AzureTableConfig.DEFAULT_MAX_RETRIES, AzureTableConfig.DEFAULT_RETRY_DELAY),
        name, timeout);
  }

  @Override
  public Optional<PollerCheckpoint> load() {
    TableEntity e;
    try {
      e = table.getEntityWithResponse(PARTITION, name, null, timeout, Context.NONE).getValue();
    } catch (RuntimeException ex) {
      if (AzureTableErrors.status(ex) == 404) { // no table or no entity yet: no checkpoint
        return Optional.empty();
      }
      throw failed("read", ex);
    }
    StringBuilder json = new StringBuilder();
    for (int i = 0; e.getProperty("Checkpoint" + i) instanceof String part; i++) {
      json.append(part);
    }
    return Optional.of(CheckpointJson.read(json.toString(), "table " + table.getTableName() + " row " + name));
  }

  @Override
  public void save(PollerCheckpoint checkpoint) {
    String json = CheckpointJson.write(Objects.requireNonNull(checkpoint, "checkpoint"));
    int chunks = (json.length() + CHUNK_CHARS - 1) / CHUNK_CHARS;
    if (chunks > MAX_CHUNKS) {
      throw new IllegalStateException("the poller checkpoint holds " + checkpoint.seenKeys().size() + " keys at one "
          + "timestamp, too many for one entity: use a FileCheckpointStore");
    }
    TableEntity e = new TableEntity(PARTITION, name);
    for (int i = 0; i < chunks; i++) {
      e.addProperty("Checkpoint" + i, json.substring(i * CHUNK_CHARS, Math.min(json.length(), (i + 1) * CHUNK_CHARS)));
    }
    try {
      ensureTable();
      try {
        table.upsertEntityWithResponse(e, TableEntityUpdateMode.REPLACE, timeout, Context.NONE);
      } catch (RuntimeException ex) {
        if (AzureTableErrors.status(ex) != 404) {
          throw ex;
        }
        // the table was deleted since this store created it: created again. Before, every save failed until the
        // application restarted, and each poll offered its first row again
        tableReady = false;
        ensureTable();
        table.upsertEntityWithResponse(e, TableEntityUpdateMode.REPLACE, timeout, Context.NONE);
      }
    } catch (RuntimeException ex) {
      throw failed("save", ex);
    }
  }

  /** Creates the table unless this store did already (or found it there). */
  private void ensureTable() {
    if (tableReady) {
      return;
    }
    try {
      table.createTableWithResponse(timeout, Context.NONE);
    } catch (RuntimeException ex) {
      if (AzureTableErrors.status(ex) != 409 // 409: it exists, unless it is being deleted (then not yet again)
          || AzureTableErrors.serviceCode(ex).filter("TableBeingDeleted"::equals).isPresent()) {
        throw ex;
      }
    }
    tableReady = true;
  }

  /**
   * A failed request as what the operator reads: this store's table and row, the service's answer and the fix. A
   * credential refused here may well read the leads' table: a table SAS covers only its own table.
   */
  private IllegalStateException failed(String doing, RuntimeException ex) {
    Diagnosis d = AzureTableErrors.classify(ex, table.getTableName()).diagnosis().orElseThrow();
    String fix = !AzureTableErrors.AUTH_FAILED.equals(d.code()) ? d.remediation()
        : "the credential must also create table " + table.getTableName() + " and read, insert and replace its "
            + "rows, which a table SAS (one with tn=) for the leads' table cannot: sign in with the connection string "
            + "or an account SAS for the Table service (ss=t, srt=so, sp=rwacu), or give the poller a "
            + "FileCheckpointStore (checkpointStore(FileCheckpointStore.at(path)))";
    return new IllegalStateException("cannot " + doing + " the poller checkpoint in " + this + ": " + d.code() + ": "
        + d.message() + ". Fix: " + fix, ex);
  }

  @Override
  public String toString() {
    return "TableCheckpointStore[" + table.getTableName() + "/" + PARTITION + "/" + name + "]";
  }
}
