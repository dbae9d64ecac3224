package io.leadrouter.azuretable;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The settings of an {@link AzureTableSink}.
 *
 * @param account the storage account and its credential
 * @param tableName the table written to; the marketplace's is {@code MarketplaceLeads}
 * @param createTableIfMissing whether a missing table is created (otherwise {@code AZURETABLE_TABLE_NOT_FOUND})
 * @param requestTimeout how long one request (including the SDK's own retries) may take
 * @param connectTimeout how long opening a connection may take
 * @param maxRetries how often the Azure SDK itself retries a failed request (the router retries later anyway)
 * @param retryDelay the SDK's first retry delay (doubled per retry)
 * @param maxConcurrency most deliveries in flight at once
 */
public record AzureTableConfig(
    AzureTableAccount account,
    String tableName,
    boolean createTableIfMissing,
    Duration requestTimeout,
    Duration connectTimeout,
    int maxRetries,
    Duration retryDelay,
    int maxConcurrency) {

  /** The marketplace's table name. */
  public static final String DEFAULT_TABLE = "MarketplaceLeads";
  /** Default for {@link #requestTimeout()}. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** Default for {@link #connectTimeout()}. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default for {@link #maxRetries()}: one quick retry in the SDK, the rest is the router's job. */
  public static final int DEFAULT_MAX_RETRIES = 1;
  /** Most SDK retries allowed, so a request never hides a long outage from the router. */
  public static final int MAX_RETRIES_LIMIT = 5;
  /** Default for {@link #retryDelay()}. */
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(200);
  /** Default for {@link #maxConcurrency()}. */
  public static final int DEFAULT_MAX_CONCURRENCY = 8;

  /** Azure's rule: 3 to 63 letters and digits, starting with a letter. */
  static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]{2,62}");

  /** Validates every part. */
  public AzureTableConfig {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(tableName, "tableName");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(retryDelay, "retryDelay");
    if (!TABLE_NAME.matcher(tableName).matches() || tableName.equalsIgnoreCase("tables")) {
      throw new IllegalArgumentException("'" + tableName + "' is not a valid table name: use 3 to 63 letters and "
          + "digits, starting with a letter");
    }
    requirePositive(requestTimeout, "requestTimeout");
    requirePositive(connectTimeout, "connectTimeout");
    if (retryDelay.isNegative()) {
      throw new IllegalArgumentException("retryDelay must not be negative: " + retryDelay);
    }
    if (maxRetries < 0 || maxRetries > MAX_RETRIES_LIMIT) {
      throw new IllegalArgumentException("maxRetries must be 0 to " + MAX_RETRIES_LIMIT + ": " + maxRetries);
    }
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency must be >= 1: " + maxConcurrency);
    }
  }

  private static void requirePositive(Duration d, String name) {
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
