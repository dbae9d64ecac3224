package io.leadrouter.azuretable;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Creates {@link AzureTableSink}s: {@code type: azuretable}. Settings: {@code connectionString} (secret) or
 * {@code endpoint} + {@code sasToken} (secret); {@code tableName}, {@code createTableIfMissing},
 * {@code requestTimeout}, {@code connectTimeout}, {@code maxRetries}, {@code retryDelay}, {@code maxConcurrency}.
 */
public final class AzureTableSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "azuretable";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public LeadSink create(SinkConfig config) {
    Optional<Secret> connectionString = config.optionalSecret("connectionString");
    Optional<URI> endpoint = config.optionalUri("endpoint");
    Optional<Secret> sasToken = config.optionalSecret("sasToken");
    String tableName = config.string("tableName", AzureTableConfig.DEFAULT_TABLE);
    boolean create = config.bool("createTableIfMissing", false);
    Duration requestTimeout = config.duration("requestTimeout", AzureTableConfig.DEFAULT_REQUEST_TIMEOUT);
    Duration connectTimeout = config.duration("connectTimeout", AzureTableConfig.DEFAULT_CONNECT_TIMEOUT);
    int maxRetries = config.integer("maxRetries", AzureTableConfig.DEFAULT_MAX_RETRIES, 0,
        AzureTableConfig.MAX_RETRIES_LIMIT);
    Duration retryDelay = config.duration("retryDelay", AzureTableConfig.DEFAULT_RETRY_DELAY);
    int maxConcurrency = config.integer("maxConcurrency", AzureTableConfig.DEFAULT_MAX_CONCURRENCY, 1, 256);

    if (!AzureTableConfig.TABLE_NAME.matcher(tableName).matches()) {
      config.problem("tableName", "'" + tableName + "' is not a valid table name",
          "use 3 to 63 letters and digits, starting with a letter");
    }
    if (requestTimeout.isZero()) {
      config.problem("requestTimeout", "must be positive", "write e.g. 30s");
    }
    if (connectTimeout.isZero()) {
      config.problem("connectTimeout", "must be positive", "write e.g. 10s");
    }
    AzureTableAccount account = account(config, connectionString, endpoint, sasToken);
    config.validate();
    return AzureTableSink.builder().account(account).tableName(tableName).createTableIfMissing(create)
        .requestTimeout(requestTimeout).connectTimeout(connectTimeout).maxRetries(maxRetries).retryDelay(retryDelay)
        .maxConcurrency(maxConcurrency).build();
  }

  private static AzureTableAccount account(SinkConfig config, Optional<Secret> connectionString,
      Optional<URI> endpoint, Optional<Secret> sasToken) {
    boolean endpointGiven = config.optionalString("endpoint").isPresent();
    boolean sasGiven = sasToken.isPresent() || config.optionalString("sasToken").isPresent();
    try {
      if (connectionString.isPresent()) {
        if (endpointGiven || sasGiven) {
          config.problem("connectionString", "is given together with endpoint/sasToken",
              "give either connectionString, or endpoint and sasToken");
          return null;
        }
        return AzureTableAccount.connectionString(connectionString.get());
      }
      if (endpoint.isPresent() && sasToken.isPresent()) {
        return AzureTableAccount.sas(endpoint.get(), sasToken.get());
      }
      if (!endpointGiven && !sasGiven && config.optionalString("connectionString").isEmpty()) {
        config.problem("connectionString", "is required (or endpoint and sasToken)",
            "set connectionString as ${ENV_VAR}, or endpoint and sasToken");
      } else if (endpointGiven && !sasGiven) {
        config.problem("sasToken", "is required with endpoint", "set sasToken as ${ENV_VAR}");
      } else if (sasGiven && !endpointGiven) {
        config.problem("endpoint", "is required with sasToken",
            "set endpoint to https://<account>.table.core.windows.net");
      }
    } catch (IllegalArgumentException e) {
      config.problem(connectionString.isPresent() ? "connectionString" : "sasToken", e.getMessage(),
          "copy it again from the storage account in the Azure portal");
    }
    return null;
  }
}
