package io.leadrouter.azuretable;

import io.leadrouter.Problem;
import io.leadrouter.ConfigurationException;
import com.azure.core.util.Context;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import com.azure.data.tables.models.TableEntityUpdateMode;
import com.azure.data.tables.models.TableTransactionAction;
import com.azure.data.tables.models.TableTransactionActionType;
import com.azure.data.tables.models.TableTransactionFailedException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.Pii;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.azuretable.internal.EntityLimits;
import io.leadrouter.azuretable.internal.StoredRow;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.VerificationReport;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each lead as the exact entity the marketplace writes to its {@code MarketplaceLeads} table (built by
 * {@link MarketplaceCodec#toTableEntity}), so publishers' existing queries and alerts keep working.
 *
 * <p>Idempotent by {@link LeadId}: the entity's key is (creation date, lead id). A delivery first <em>inserts</em>
 * the entity; if the service answers 409 {@code EntityAlreadyExists} it reads the row: a row holding the lead's
 * columns already is not written again (its {@code Timestamp} stays, so publishers' hourly {@code Timestamp gt}
 * alerts do not report the lead twice), any other is <em>replaced</em> by the lead's columns plus every column a
 * publisher added to the row, conditionally on its ETag. So a first delivery costs one request and is reported
 * {@code CREATED}, and a redelivery is reported {@code UPDATED} and still leaves exactly one entity. Batches use entity-group transactions per partition (at most 100 entities and
 * under 4 MiB each). Thread-safe.
 */
public final class AzureTableSink implements LeadSink {
  private static final Logger LOG = LoggerFactory.getLogger(AzureTableSink.class);
  /** Row-key prefix of the publish check's test entity (the poller passes over such rows). */
  static final String VERIFY_ROW_PREFIX = "leadrouter-verify-";
  /** Reads and conditional replaces of a row that changes in between, before falling back to a merge. */
  private static final int UPDATE_ATTEMPTS = 3;
  /** Row keys read in one query: with the partition's, 15 comparisons, the most a filter may hold. */
  private static final int KEYS_PER_READ = 14;

  private final AzureTableConfig config;
  private final Clock clock;
  private final TableClient table;
  private final MarketplaceCodec codec = MarketplaceCodec.standard();
  private static final ObjectMapper EXPLAIN_JSON = new ObjectMapper();

  private AzureTableSink(AzureTableConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.table = TableClients.create(config.account(), config.tableName(), config.requestTimeout(),
        config.connectTimeout(), config.maxRetries(), config.retryDelay());
  }

  /** A sink with these settings and the system UTC clock. */
  public static AzureTableSink create(AzureTableConfig config) {
    return new AzureTableSink(Objects.requireNonNull(config, "config"), Clock.systemUTC());
  }

  /** A builder; {@link Builder#account} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings this sink runs with. */
  public AzureTableConfig config() {
    return config;
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    Objects.requireNonNull(lead, "lead");
    TableEntity entity = entity(lead);
    return call(() -> insertOrUpdate(entity));
  }

  private DeliveryResult insertOrUpdate(TableEntity entity) {
    try {
      table.createEntityWithResponse(entity, config.requestTimeout(), Context.NONE);
      return DeliveryResult.created(recordId(entity));
    } catch (RuntimeException e) {
      if (!alreadyExists(e)) {
        throw e;
      }
    }
    for (int attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      TableEntity stored;
      try {
        stored = table.getEntityWithResponse(entity.getPartitionKey(), entity.getRowKey(), null,
            config.requestTimeout(), Context.NONE).getValue();
      } catch (RuntimeException e) {
        if (AzureTableErrors.status(e) != 404) {
          throw e;
        }
        break; // deleted since the insert met it: the upsert below writes it again
      }
      if (StoredRow.holds(stored, entity)) {
        // a redelivery of what the row holds (a retry after a lost answer, a replay): nothing is written, so the row's
        // Timestamp stays and the publishers' hourly "Timestamp gt <now-1h>" alert does not report the lead again
        return DeliveryResult.updated(recordId(entity));
      }
      try {
        // replace, not merge: a column the lead no longer has (Attributes) must go; the publisher's columns (a
        // status, an owner) are carried over, and the ETag makes a change in between read again, never lost
        table.updateEntityWithResponse(StoredRow.replacement(stored, entity), TableEntityUpdateMode.REPLACE, true,
            config.requestTimeout(), Context.NONE);
        return DeliveryResult.updated(recordId(entity));
      } catch (RuntimeException e) {
        int status = AzureTableErrors.status(e);
        if (status != 412 && status != 404) {
          throw e;
        }
      }
    }
    // the row keeps changing (or went away) under us: merge, which keeps every column and never fails on a race
    table.upsertEntityWithResponse(entity, TableEntityUpdateMode.MERGE, config.requestTimeout(), Context.NONE);
    return DeliveryResult.updated(recordId(entity));
  }

  /**
   * Delivers leads with one entity-group transaction per partition (creation day), at most 100 entities and under
   * 4 MiB each. A lead over the size limits fails alone; a lead the service rejects is taken out of its transaction
   * and the rest are sent again. A transient or whole-request failure (auth, missing table) is reported for its
   * transaction and every later one, so a down service is not hammered.
   */
  @Override
  public List<BatchItemResult> deliverBatch(List<Lead> leads) throws DeliveryException {
    Objects.requireNonNull(leads, "leads");
    BatchItemResult[] results = new BatchItemResult[leads.size()];
    TableEntity[] entities = new TableEntity[leads.size()];
    Map<String, List<Integer>> partitions = new LinkedHashMap<>();
    for (int i = 0; i < leads.size(); i++) {
      try {
        entities[i] = entity(leads.get(i));
        partitions.computeIfAbsent(entities[i].getPartitionKey(), k -> new ArrayList<>()).add(i);
      } catch (PermanentDeliveryException e) {
        results[i] = BatchItemResult.failure(leads.get(i).id(), e);
      }
    }
    DeliveryException stop = null;
    for (List<Integer> partition : partitions.values()) {
      for (List<Integer> chunk : chunks(partition, entities)) {
        if (stop == null) {
          try {
            call(() -> submit(chunk, entities, leads, results));
            continue;
          } catch (PermanentDeliveryException e) {
            if (chunk.size() > 1 && refusedAsAWhole(e)) {
              // the service refused the transaction without naming an entity (413 RequestBodyTooLarge when our size
              // estimate fell short, a 400 without an index): each lead goes alone, so one lead's fault never
              // dead-letters the others
              LOG.warn("Azure Table refused a transaction of {} leads as a whole ({}): sending them one by one",
                  chunk.size(), e.diagnosisValue().code());
              stop = deliverEach(chunk, entities, leads, results);
            } else {
              stop = e;
            }
          } catch (DeliveryException e) {
            stop = e;
          }
        }
        for (int i : chunk) {
          if (results[i] == null) {
            results[i] = BatchItemResult.failure(leads.get(i).id(), stop);
          }
        }
      }
    }
    return Arrays.asList(results);
  }

  /** Whether a transaction's permanent failure may be one entity's (not the credential's or the table's). */
  private static boolean refusedAsAWhole(PermanentDeliveryException e) {
    String code = e.diagnosisValue().code();
    return code.equals(AzureTableErrors.ENTITY_TOO_LARGE) || code.equals(AzureTableErrors.REJECTED);
  }

  /**
   * Delivers the chunk's leads not yet settled one request each; returns the transient failure that stopped it
   * (the rest of the batch then fails with it), or null.
   */
  private DeliveryException deliverEach(List<Integer> chunk, TableEntity[] entities, List<Lead> leads,
      BatchItemResult[] results) {
    for (int i : chunk) {
      if (results[i] != null) {
        continue;
      }
      TableEntity entity = entities[i];
      try {
        results[i] = BatchItemResult.success(leads.get(i).id(), call(() -> insertOrUpdate(entity)));
      } catch (PermanentDeliveryException p) {
        results[i] = BatchItemResult.failure(leads.get(i).id(), p);
      } catch (DeliveryException e) {
        return e;
      }
    }
    return null;
  }

  /** Splits one partition's entities into transactions of at most 100 entities and under 4 MiB. */
  private static List<List<Integer>> chunks(List<Integer> partition, TableEntity[] entities) {
    List<List<Integer>> chunks = new ArrayList<>();
    List<Integer> current = new ArrayList<>();
    long bytes = 0;
    for (int i : partition) {
      long size = EntityLimits.payloadBytes(entities[i].getProperties());
      if (!current.isEmpty()
          && (current.size() == EntityLimits.MAX_BATCH_ENTITIES || bytes + size > EntityLimits.MAX_BATCH_BYTES)) {
        chunks.add(current);
        current = new ArrayList<>();
        bytes = 0;
      }
      current.add(i);
      bytes += size;
    }
    if (!current.isEmpty()) {
      chunks.add(current);
    }
    return chunks;
  }

  /**
   * Sends one partition's chunk as a transaction: inserts for entities not known to exist; for those that do, nothing
   * when the row holds the lead already, else a conditional replace keeping the publisher's columns. On 409
   * {@code EntityAlreadyExists} it reads the chunk's existing rows and sends again; on a rejected entity it fails that
   * lead alone and sends the rest again. Whole-request failures are thrown.
   */
  private Void submit(List<Integer> chunk, TableEntity[] entities, List<Lead> leads, BatchItemResult[] results)
      throws DeliveryException {
    List<Integer> pending = new ArrayList<>(chunk);
    Map<String, TableEntity> stored = new HashMap<>();
    Set<String> existing = new HashSet<>(); // known to exist, not read: merged into
    boolean asked = false;
    // each round either succeeds, learns which keys exist, or removes a rejected lead: bounded by the chunk's size
    for (int round = 0; round <= chunk.size() + 2 && !pending.isEmpty(); round++) {
      List<TableTransactionAction> actions = new ArrayList<>(pending.size());
      for (java.util.Iterator<Integer> it = pending.iterator(); it.hasNext(); ) {
        int i = it.next();
        TableEntity row = stored.get(entities[i].getRowKey());
        if (row != null && StoredRow.holds(row, entities[i])) {
          // the row holds the lead already: not written again, so its Timestamp stays (hourly alerts)
          results[i] = BatchItemResult.success(leads.get(i).id(), DeliveryResult.updated(recordId(entities[i])));
          it.remove();
        } else if (row != null) {
          actions.add(new TableTransactionAction(TableTransactionActionType.UPDATE_REPLACE,
              StoredRow.replacement(row, entities[i]), true));
        } else {
          actions.add(new TableTransactionAction(existing.contains(entities[i].getRowKey())
              ? TableTransactionActionType.UPSERT_MERGE : TableTransactionActionType.CREATE, entities[i]));
        }
      }
      if (actions.isEmpty()) {
        return null;
      }
      try {
        table.submitTransactionWithResponse(actions, config.requestTimeout(), Context.NONE);
        for (int i : pending) {
          String id = recordId(entities[i]);
          String rk = entities[i].getRowKey();
          results[i] = BatchItemResult.success(leads.get(i).id(), stored.containsKey(rk) || existing.contains(rk)
              ? DeliveryResult.updated(id) : DeliveryResult.created(id));
        }
        return null;
      } catch (TableTransactionFailedException e) {
        Integer failed = e.getFailedTransactionActionIndex();
        boolean knownIndex = failed != null && failed >= 0 && failed < pending.size();
        int status = AzureTableErrors.status(e);
        if (alreadyExists(e) || status == 412 || (status == 404 && !tableMissing(e))) {
          // an entity met, or a row changed or went away since it was read: read the chunk's rows (again)
          boolean again = asked;
          stored.clear();
          stored.putAll(storedRows(pending, entities));
          asked = true;
          if (alreadyExists(e) && knownIndex && !stored.containsKey(entities[pending.get(failed)].getRowKey())) {
            existing.add(entities[pending.get(failed)].getRowKey());
          } else if (alreadyExists(e) && again && !knownIndex) { // the service did not say which: merge into them all
            pending.forEach(i -> existing.add(entities[i].getRowKey()));
          }
          continue;
        }
        DeliveryException classified = classify(e, false);
        if (knownIndex && classified instanceof PermanentDeliveryException p && isEntityLevel(e)) {
          int i = pending.remove((int) failed);
          LOG.warn("Azure Table rejected lead {} in a transaction: {}", Pii.maskLeadId(leads.get(i).id().value()),
              p.diagnosisValue().code());
          results[i] = BatchItemResult.failure(leads.get(i).id(), p);
          continue;
        }
        throw e;
      }
    }
    throw new IllegalStateException("transaction for partition " + entities[chunk.get(0)].getPartitionKey()
        + " did not settle");
  }

  /**
   * The chunk's rows the service already holds, by row key: one keys-only range query on the partition finds them,
   * then they are read whole, {@value #KEYS_PER_READ} keys a query (the service takes at most 15 comparisons in a
   * filter), so a day's partition is never read whole.
   */
  private Map<String, TableEntity> storedRows(List<Integer> pending, TableEntity[] entities) {
    String pk = entities[pending.get(0)].getPartitionKey();
    Set<String> wanted = new HashSet<>();
    String min = null;
    String max = null;
    for (int i : pending) {
      String rk = entities[i].getRowKey();
      wanted.add(rk);
      min = min == null || rk.compareTo(min) < 0 ? rk : min;
      max = max == null || rk.compareTo(max) > 0 ? rk : max;
    }
    String partition = "PartitionKey eq " + TableClients.quote(pk);
    List<String> existing = new ArrayList<>();
    table.listEntities(new ListEntitiesOptions().setFilter(partition + " and RowKey ge " + TableClients.quote(min)
        + " and RowKey le " + TableClients.quote(max)).setSelect(List.of("RowKey")), config.requestTimeout(),
        Context.NONE).forEach(e -> {
          if (wanted.contains(e.getRowKey())) {
            existing.add(e.getRowKey());
          }
        });
    Map<String, TableEntity> found = new HashMap<>();
    for (int from = 0; from < existing.size(); from += KEYS_PER_READ) {
      StringBuilder keys = new StringBuilder();
      for (String rk : existing.subList(from, Math.min(existing.size(), from + KEYS_PER_READ))) {
        keys.append(keys.length() == 0 ? "" : " or ").append("RowKey eq ").append(TableClients.quote(rk));
      }
      table.listEntities(new ListEntitiesOptions().setFilter(partition + " and (" + keys + ")"),
          config.requestTimeout(), Context.NONE).forEach(e -> found.put(e.getRowKey(), e));
    }
    return found;
  }

  private static boolean isEntityLevel(TableTransactionFailedException e) {
    int status = AzureTableErrors.status(e);
    return status == 400 || status == 413;
  }

  private static boolean alreadyExists(RuntimeException e) {
    return AzureTableErrors.status(e) == 409
        && AzureTableErrors.serviceCode(e).filter("EntityAlreadyExists"::equals).isPresent();
  }

  private static boolean tableMissing(RuntimeException e) {
    return AzureTableErrors.status(e) == 404
        && AzureTableErrors.serviceCode(e).filter("TableNotFound"::equals).isPresent();
  }

  /** Runs a request; creates the table once and runs it again if it is missing and creation is on. */
  private <T> T call(Request<T> request) throws DeliveryException {
    try {
      return request.run();
    } catch (RuntimeException e) {
      if (!config.createTableIfMissing() || !tableMissing(e)) {
        throw classify(e, false);
      }
    }
    createTable();
    try {
      return request.run();
    } catch (RuntimeException e) {
      throw classify(e, false);
    }
  }

  /** A failure as a delivery exception; a 401/403 says which part of this sink's credential to fix. */
  private DeliveryException classify(RuntimeException e, boolean creatingTable) {
    return AzureTableErrors.classify(e, config.tableName(), config.account(), clock.instant(), creatingTable);
  }

  private void createTable() throws DeliveryException {
    try {
      table.createTableWithResponse(config.requestTimeout(), Context.NONE);
      LOG.info("created Azure table {} in account {}", config.tableName(), config.account().accountName());
    } catch (RuntimeException e) {
      // 409 TableAlreadyExists: another instance created it. 409 TableBeingDeleted: the table was deleted and its name
      // stays taken for at least 40 s; before, it read as "exists", the request met TableNotFound again and the lead
      // was dead-lettered AZURETABLE_TABLE_NOT_FOUND (fix: set createTableIfMissing, which was set). Now transient
      if (AzureTableErrors.status(e) != 409
          || AzureTableErrors.serviceCode(e).filter("TableBeingDeleted"::equals).isPresent()) {
        throw classify(e, true);
      }
    }
  }

  private TableEntity entity(Lead lead) throws PermanentDeliveryException {
    Map<String, Object> properties = codec.toTableEntity(lead);
    String pk = (String) properties.get("PartitionKey");
    String rk = (String) properties.get("RowKey");
    Optional<EntityLimits.Violation> violation = EntityLimits.violation(pk, rk, properties);
    if (violation.isPresent()) {
      throw new PermanentDeliveryException(AzureTableErrors.overLimit(lead, violation.get()));
    }
    TableEntity entity = new TableEntity(pk, rk);
    properties.forEach((k, v) -> {
      if (!k.equals("PartitionKey") && !k.equals("RowKey")) {
        entity.addProperty(k, v);
      }
    });
    return entity;
  }

  /**
   * The insert {@link #deliver} sends first: {@code POST <endpoint>/<table>} with the entity as OData JSON (the
   * Azure SDK adds its own date, version and signature headers). A lead over the entity limits is the check that
   * fails.
   */
  @Override
  public Optional<ExplainedRequest> explain(Lead lead) throws PermanentDeliveryException {
    Objects.requireNonNull(lead, "lead");
    TableEntity entity = entity(lead);
    ObjectNode json = EXPLAIN_JSON.createObjectNode();
    json.put("PartitionKey", entity.getPartitionKey()).put("RowKey", entity.getRowKey());
    entity.getProperties().forEach((k, v) -> {
      if (k.equals("PartitionKey") || k.equals("RowKey") || k.equals("odata.etag") || k.equals("Timestamp")) {
        return;
      }
      if (v instanceof OffsetDateTime t) {
        json.put(k + "@odata.type", "Edm.DateTime");
        json.put(k, DateTimeFormatter.ISO_INSTANT.format(t.toInstant()));
      } else {
        json.putPOJO(k, v);
      }
    });
    String base = config.account().endpoint().toString().replaceAll("/+$", "");
    ExplainedRequest.Builder r = ExplainedRequest.builder("POST", base + "/" + config.tableName())
        .header("Content-Type", "application/json")
        .header("Accept", "application/json;odata=minimalmetadata")
        .header("Prefer", "return-no-content");
    if (!config.account().authentication().equals("SAS token")) {
      r.secretHeader("Authorization");
    }
    try {
      r.body(EXPLAIN_JSON.writeValueAsBytes(json));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an entity of strings and dates always serialises", e);
    }
    return Optional.of(r
        .note("signed in with " + config.account().authentication() + " (redacted)")
        .note("when the entity exists (409 EntityAlreadyExists) it is read: a row holding these columns already is "
            + "left as it is; otherwise it is replaced (If-Match its ETag), keeping the columns the publisher added: "
            + "PUT " + config.tableName()
            + "(PartitionKey='" + entity.getPartitionKey() + "',RowKey='" + entity.getRowKey() + "')")
        .note("leads of one creation day due together go as one entity-group transaction of up to "
            + EntityLimits.MAX_BATCH_ENTITIES)
        .build());
  }

  private String recordId(TableEntity e) {
    return config.tableName() + "(PartitionKey='" + e.getPartitionKey() + "',RowKey='" + e.getRowKey() + "')";
  }

  /**
   * The publish check: reads the table (auth and existence; creates it when allowed), writes a marketplace-style
   * test lead, reads it back comparing every column, and deletes it again.
   */
  @Override
  public VerificationReport verify() {
    VerificationReport.Builder report = VerificationReport.builder(AzureTableSinkProvider.TYPE);
    if (!checkTable(report)) {
      report.skipped("write test entity", "the table step failed");
      report.skipped("read back", "the table step failed");
      report.skipped("delete test entity", "the table step failed");
      return report.build();
    }
    Lead test = testLead();
    TableEntity entity;
    try {
      entity = entity(test);
      table.upsertEntityWithResponse(entity, TableEntityUpdateMode.REPLACE, config.requestTimeout(), Context.NONE);
      report.passed("write test entity", "wrote " + recordId(entity));
    } catch (PermanentDeliveryException e) {
      report.failed("write test entity", e.diagnosisValue());
      return report.build();
    } catch (RuntimeException e) {
      report.failed("write test entity", diagnosis(e));
      report.skipped("read back", "the test entity was not written");
      report.skipped("delete test entity", "the test entity was not written");
      return report.build();
    }
    try {
      TableEntity read = table.getEntityWithResponse(entity.getPartitionKey(), entity.getRowKey(), null,
          config.requestTimeout(), Context.NONE).getValue();
      Optional<String> difference = difference(entity.getProperties(), read.getProperties());
      if (difference.isPresent()) {
        report.failed("read back", new Diagnosis("AZURETABLE_READBACK_MISMATCH", difference.get(),
            "the table returned another value than was written: check for a proxy or a non-Azure endpoint"));
      } else {
        report.passed("read back", "every column reads back as written");
      }
    } catch (RuntimeException e) {
      report.failed("read back", diagnosis(e));
    }
    try {
      table.deleteEntity(entity.getPartitionKey(), entity.getRowKey());
      report.passed("delete test entity", "deleted " + recordId(entity));
    } catch (RuntimeException e) {
      report.failed("delete test entity", diagnosis(e));
    }
    return report.build();
  }

  private boolean checkTable(VerificationReport.Builder report) {
    try {
      table.listEntities(new ListEntitiesOptions().setTop(1).setSelect(List.of("RowKey")),
          config.requestTimeout(), Context.NONE).stream().findFirst();
      report.passed("table", "signed in to " + config.account().accountName() + " and read table "
          + config.tableName());
      return true;
    } catch (RuntimeException e) {
      if (!tableMissing(e)) {
        report.failed("table", diagnosis(e));
        return false;
      }
      if (!config.createTableIfMissing()) {
        report.failed("table", AzureTableErrors.tableNotFound(config.tableName(),
            "table " + config.tableName() + " does not exist in account " + config.account().accountName()));
        return false;
      }
    }
    try {
      createTable();
      report.passed("table", "created table " + config.tableName() + " in " + config.account().accountName());
      return true;
    } catch (DeliveryException e) {
      report.failed("table", e.diagnosis().orElseThrow());
      return false;
    }
  }

  private Diagnosis diagnosis(RuntimeException e) {
    DeliveryException d = classify(e, false);
    return d.diagnosis().orElseGet(() -> new Diagnosis(AzureTableErrors.UNAVAILABLE, d.getMessage(),
        "try again later"));
  }

  private static Optional<String> difference(Map<String, Object> written, Map<String, Object> read) {
    for (Map.Entry<String, Object> w : written.entrySet()) {
      Object r = read.get(w.getKey());
      boolean same = w.getValue() instanceof OffsetDateTime t && r instanceof OffsetDateTime rt
          ? t.isEqual(rt) : Objects.equals(w.getValue(), r);
      if (!same) {
        return Optional.of("column " + w.getKey() + " reads back " + (r == null ? "missing" : "different"));
      }
    }
    return Optional.empty();
  }

  /** The marketplace's publish-time test lead ({@link Lead#marketplaceTestLead}), with a row key no real lead has. */
  private Lead testLead() {
    return Lead.marketplaceTestLead(clock, "LeadRouter verify").toBuilder().id(VERIFY_ROW_PREFIX + UUID.randomUUID())
        .build();
  }

  /** Batches of up to 100 (one transaction), the configured concurrency, 2,000 entities/s (one partition's limit). */
  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().maxBatchSize(EntityLimits.MAX_BATCH_ENTITIES)
        .maxConcurrency(config.maxConcurrency()).rateLimit(2000, Duration.ofSeconds(1))
        .upsert(true).confirmsDelivery(true).build();
  }

  /** Shows the table and account; never a credential. */
  @Override
  public String toString() {
    return "AzureTableSink[table=" + config.tableName() + ", " + config.account() + "]";
  }

  @FunctionalInterface
  private interface Request<T> {
    T run() throws DeliveryException;
  }

  /** Builds an {@link AzureTableSink}; usable without configuration strings. */
  public static final class Builder extends TableAccessBuilder<Builder> {
    private boolean createTableIfMissing;
    private int maxConcurrency = AzureTableConfig.DEFAULT_MAX_CONCURRENCY;

    private Builder() {}

    @Override
    Builder self() {
      return this;
    }

    /** Whether a missing table is created; off by default (then {@code AZURETABLE_TABLE_NOT_FOUND}). */
    public Builder createTableIfMissing(boolean create) {
      this.createTableIfMissing = create;
      return this;
    }

    /** Most deliveries in flight; 8 by default. */
    public Builder maxConcurrency(int concurrency) {
      this.maxConcurrency = concurrency;
      return this;
    }

    /** The settings as a record. */
    public AzureTableConfig config() {
      List<Problem> problems = AzureTableConfig.problems(account, tableName, requestTimeout, connectTimeout,
          maxRetries, retryDelay, maxConcurrency);
      if (!problems.isEmpty()) {
        throw new ConfigurationException(problems);
      }
      return new AzureTableConfig(account, tableName, createTableIfMissing, requestTimeout, connectTimeout,
          maxRetries, retryDelay, maxConcurrency);
    }

    /**
     * Builds the sink: the one place the settings are checked.
     *
     * @throws ConfigurationException listing every missing or invalid setting
     */
    public AzureTableSink build() {
      return new AzureTableSink(config(), clock);
    }
  }
}
