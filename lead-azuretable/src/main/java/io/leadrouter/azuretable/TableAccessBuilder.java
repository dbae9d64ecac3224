package io.leadrouter.azuretable;

import com.azure.data.tables.TableClient;
import io.leadrouter.Problem;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What the sink's and the poller's builders both set ({@link AzureTableSink.Builder},
 * {@link AzureTableLeadPoller.Builder}): the account, the table, how its requests run (timeouts and the SDK's own
 * retries) and the clock. Written once so both accept, default and check these settings alike.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class TableAccessBuilder<B extends TableAccessBuilder<B>> {
  AzureTableAccount account;
  int maxRetries = AzureTableConfig.DEFAULT_MAX_RETRIES;
  String tableName = AzureTableConfig.DEFAULT_TABLE;
  Duration requestTimeout = AzureTableConfig.DEFAULT_REQUEST_TIMEOUT;
  Duration connectTimeout = AzureTableConfig.DEFAULT_CONNECT_TIMEOUT;
  Duration retryDelay = AzureTableConfig.DEFAULT_RETRY_DELAY;
  Clock clock = Clock.systemUTC();

  TableAccessBuilder() {}

  /** This builder, as its own type. */
  abstract B self();

  /** The storage account and its credential (required). */
  public B account(AzureTableAccount account) {
    this.account = Objects.requireNonNull(account, "account");
    return self();
  }

  /** How often the Azure SDK itself retries a request (0 to 5); 1 by default, the router retries later anyway. */
  public B maxRetries(int retries) {
    this.maxRetries = retries;
    return self();
  }

  /** The table; {@code MarketplaceLeads} by default. */
  public B tableName(String tableName) {
    this.tableName = Objects.requireNonNull(tableName, "tableName");
    return self();
  }

  /** How long one request may take, the Azure SDK's own retries included; 30 s by default. */
  public B requestTimeout(Duration timeout) {
    this.requestTimeout = Objects.requireNonNull(timeout, "timeout");
    return self();
  }

  /** How long connecting may take; 10 s by default. */
  public B connectTimeout(Duration timeout) {
    this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
    return self();
  }

  /** The SDK's first retry delay (doubled per retry); 200 ms by default. */
  public B retryDelay(Duration delay) {
    this.retryDelay = Objects.requireNonNull(delay, "delay");
    return self();
  }

  /** The clock for the sink's publish-check test lead and the poller's settle delay; system UTC by default. */
  public B clock(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return self();
  }

  /** Adds the problems with the table and request settings (the account is each builder's own to report). */
  void addTableProblems(List<Problem> out) {
    AzureTableConfig.addTableProblems(out, tableName, requestTimeout, connectTimeout, maxRetries, retryDelay);
  }

  /**
   * A client for the table, the SDK retrying after {@code retryDelay} (doubled per retry), a success answer's body
   * failing past {@code maxAnswerBytes}.
   */
  TableClient client(long maxAnswerBytes) {
    return TableClients.create(account, tableName, requestTimeout, connectTimeout, maxRetries, retryDelay,
        maxAnswerBytes);
  }
}
