package io.leadrouter.azuretable;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.ExponentialBackoff;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import io.leadrouter.azuretable.internal.GuardedHttpClient;
import io.leadrouter.azuretable.internal.ScrubbingHttpClient;
import java.time.Duration;

/**
 * Builds the Azure SDK's {@link TableClient} with our timeouts, a small, bounded number of SDK retries, the SSRF
 * guard every cloud API sink has (never a metadata, link-local or unspecified address, in any spelling) and error
 * answers scrubbed before the SDK (and its own logger) reads them ({@link ScrubbingHttpClient}).
 */
final class TableClients {
  private TableClients() {}

  /**
   * A client for {@code table} of {@code account}. The SDK retries at most {@code maxRetries} times (exponential
   * from {@code retryDelay}): the router owns real retrying, so one request never hides an outage for long.
   */
  static TableClient create(AzureTableAccount account, String table, Duration requestTimeout,
      Duration connectTimeout, int maxRetries, Duration retryDelay) {
    return create(account, table, requestTimeout, connectTimeout, maxRetries, retryDelay,
        ScrubbingHttpClient.DEFAULT_MAX_ANSWER_BYTES);
  }

  /**
   * As {@link #create(AzureTableAccount, String, Duration, Duration, int, Duration)}, a success answer's body failing
   * past {@code maxAnswerBytes} (an endpoint flooding an endless answer is not read into memory until the timeout).
   */
  static TableClient create(AzureTableAccount account, String table, Duration requestTimeout,
      Duration connectTimeout, int maxRetries, Duration retryDelay, long maxAnswerBytes) {
    Duration base = retryDelay.isZero() ? Duration.ofMillis(1) : retryDelay;
    ExponentialBackoffOptions backoff = new ExponentialBackoffOptions()
        .setMaxRetries(maxRetries).setBaseDelay(base).setMaxDelay(base.multipliedBy(8));
    ExponentialBackoff sdkRule = new ExponentialBackoff(backoff);
    TableClientBuilder b = new TableClientBuilder()
        .tableName(table)
        // the SDK's own logger quotes error answers outside our scrubbing, so they are scrubbed before it reads them;
        // its HTTP logging is off whatever AZURE_HTTP_LOG_DETAIL_LEVEL says (it prints headers and bodies)
        .httpClient(new ScrubbingHttpClient(GuardedHttpClient.nettyForCloudApi(connectTimeout, requestTimeout),
            maxAnswerBytes))
        .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE))
        // An answer naming its wait (ServerBusy with Retry-After) goes to the router at once: the SDK's retry would
        // sleep whatever the service (or anything posing as it) names, unclamped, until the call's timeout, so ten
        // years read as an outage (a timeout, feeding the breaker) and Long.MAX_VALUE seconds overflowed. The router
        // reads it with RetryAfter, capped and clamped to maxRetryAfter, and holds the destination without a thread.
        .retryOptions(new RetryOptions(backoff)
            .setShouldRetryCondition(c -> !namesAWait(c.getResponse()) && sdkRule.shouldRetryCondition(c)));
    if (account.sasCredential().isEmpty() && account.keyCredential().isEmpty()) {
      // UseDevelopmentStorage=true: the SDK knows the emulator's well-known account and key
      return b.connectionString(account.connectionStringSecret().orElseThrow().reveal()).buildClient();
    }
    b.endpoint(account.endpoint().toString());
    account.sasCredential().ifPresent(b::credential);
    account.keyCredential().ifPresent(b::credential);
    return b.buildClient();
  }

  /** Whether an answer names how long to wait (the headers the SDK's own retry would honour). */
  private static boolean namesAWait(HttpResponse r) {
    return r != null && (r.getHeaderValue(HttpHeaderName.RETRY_AFTER) != null
        || r.getHeaderValue(HttpHeaderName.fromString("retry-after-ms")) != null
        || r.getHeaderValue(HttpHeaderName.fromString("x-ms-retry-after-ms")) != null);
  }

  /** Quotes a value for an OData {@code $filter}: {@code 'it''s'}. */
  static String quote(String value) {
    return "'" + value.replace("'", "''") + "'";
  }
}
