package io.leadrouter.salesforce;

import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.Require;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * The settings of a {@link SalesforceSink} (type {@code salesforce}, REST API).
 *
 * @param credentials My Domain, connected app and API version
 * @param externalIdField the Lead field (External ID, Unique) holding the {@code LeadId}; upsert when present,
 *     plain create (not idempotent) when empty
 * @param fields which Lead field receives each part of a lead
 * @param leadSourceValue a fixed LeadSource value instead of the descriptor (for restricted picklists)
 * @param apiUsageThreshold percent of the daily API limit at which the sink stops and answers quota
 * @param quotaRetryAfter how long to park after {@code REQUEST_LIMIT_EXCEEDED} or a reached threshold
 * @param timeout per-request timeout (connect, read, write, whole call)
 * @param maxConcurrency most requests in flight
 * @param maxBatchSize most leads per sObject Collections request (at most 200)
 * @param matching how a lead finds its Lead ({@code match: leadId | email}) and what it may do with it
 *     ({@code mode: create | upsert | update-only}); {@link RecordMatching#DEFAULT} = by lead id, upsert
 */
public record SalesforceConfig(
    SalesforceCredentials credentials,
    Optional<String> externalIdField,
    FieldMapping fields,
    Optional<String> leadSourceValue,
    int apiUsageThreshold,
    Duration quotaRetryAfter,
    Duration timeout,
    int maxConcurrency,
    int maxBatchSize,
    RecordMatching matching) {

  /** Default threshold: stop at 95 % of the org's daily API requests. */
  public static final int DEFAULT_API_USAGE_THRESHOLD = 95;
  /** Default pause after the request limit is reached. */
  public static final Duration DEFAULT_QUOTA_RETRY_AFTER = Duration.ofHours(1);
  /** Default per-request timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** Default concurrency. */
  public static final int DEFAULT_MAX_CONCURRENCY = 4;
  /** sObject Collections take at most 200 records. */
  public static final int MAX_BATCH_SIZE = 200;

  /** Validates the parts. */
  public SalesforceConfig {
    Objects.requireNonNull(credentials, "credentials");
    Objects.requireNonNull(externalIdField, "externalIdField");
    Objects.requireNonNull(fields, "fields");
    Objects.requireNonNull(leadSourceValue, "leadSourceValue");
    if (apiUsageThreshold < 1 || apiUsageThreshold > 100) {
      throw new IllegalArgumentException("apiUsageThreshold must be 1..100: " + apiUsageThreshold);
    }
    Require.positive(quotaRetryAfter, "quotaRetryAfter"); // and present
    Require.positive(timeout, "timeout");
    Require.atLeast(maxConcurrency, 1, "maxConcurrency");
    if (maxBatchSize < 1 || maxBatchSize > MAX_BATCH_SIZE) {
      throw new IllegalArgumentException("maxBatchSize must be 1..200: " + maxBatchSize);
    }
    Objects.requireNonNull(matching, "matching");
    externalIdField.ifPresent(f -> {
      if (f.isBlank()) {
        throw new IllegalArgumentException("externalIdField must not be blank");
      }
    });
  }

  /** The settings as before matching was configurable: by lead id, upsert ({@link RecordMatching#DEFAULT}). */
  public SalesforceConfig(SalesforceCredentials credentials, Optional<String> externalIdField, FieldMapping fields,
      Optional<String> leadSourceValue, int apiUsageThreshold, Duration quotaRetryAfter, Duration timeout,
      int maxConcurrency, int maxBatchSize) {
    this(credentials, externalIdField, fields, leadSourceValue, apiUsageThreshold, quotaRetryAfter, timeout,
        maxConcurrency, maxBatchSize, RecordMatching.DEFAULT);
  }
}
