package io.leadrouter.azuretable;

import com.azure.core.http.HttpClient;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.HttpClientOptions;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import io.leadrouter.azuretable.internal.GuardedHttpClient;
import java.time.Duration;

/**
 * Builds the Azure SDK's {@link TableClient} with our timeouts, a small, bounded number of SDK retries and the SSRF
 * guard every cloud API sink has (never a metadata, link-local or unspecified address, in any spelling).
 */
final class TableClients {
  private TableClients() {}

  /**
   * A client for {@code table} of {@code account}. The SDK retries at most {@code maxRetries} times (exponential
   * from {@code retryDelay}): the router owns real retrying, so one request never hides an outage for long.
   */
  static TableClient create(AzureTableAccount account, String table, Duration requestTimeout,
      Duration connectTimeout, int maxRetries, Duration retryDelay) {
    HttpClientOptions http = new HttpClientOptions()
        .setConnectTimeout(connectTimeout)
        .setResponseTimeout(requestTimeout)
        .setReadTimeout(requestTimeout)
        .setWriteTimeout(requestTimeout);
    Duration base = retryDelay.isZero() ? Duration.ofMillis(1) : retryDelay;
    TableClientBuilder b = new TableClientBuilder()
        .tableName(table)
        .httpClient(GuardedHttpClient.forCloudApi(HttpClient.createDefault(http)))
        .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
        .retryOptions(new RetryOptions(new ExponentialBackoffOptions()
            .setMaxRetries(maxRetries).setBaseDelay(base).setMaxDelay(base.multipliedBy(8))));
    if (account.connectionStringSecret().isPresent()) {
      return b.connectionString(account.connectionStringSecret().get().reveal()).buildClient();
    }
    b.endpoint(account.endpoint().toString());
    account.sasCredential().ifPresent(b::credential);
    account.keyCredential().ifPresent(b::credential);
    return b.buildClient();
  }

  /** Quotes a value for an OData {@code $filter}: {@code 'it''s'}. */
  static String quote(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
