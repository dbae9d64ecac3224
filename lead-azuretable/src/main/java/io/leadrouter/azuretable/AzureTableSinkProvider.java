package io.leadrouter.azuretable;

import io.leadrouter.spi.BuilderSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.util.Optional;

/**
 * Creates {@link AzureTableSink}s: {@code type: azuretable}. Settings: {@code connectionString} (secret) or
 * {@code endpoint} + {@code sasToken} (secret); {@code tableName}, {@code createTableIfMissing},
 * {@code requestTimeout}, {@code connectTimeout}, {@code maxRetries}, {@code retryDelay}, {@code maxConcurrency}.
 */
public final class AzureTableSinkProvider extends BuilderSinkProvider<AzureTableSink.Builder> {
  /** The type name in descriptors. */
  public static final String TYPE = "azuretable";

  /** Used by {@link java.util.ServiceLoader}. */
  public AzureTableSinkProvider() {
    super(TYPE, AzureTableSink::builder, AzureTableSinkProvider::keys, AzureTableSink.Builder::build);
  }

  /** Maps the descriptor keys onto {@link AzureTableSink.Builder}; its {@code build()} checks them. */
  private static void keys(SinkConfig config, AzureTableSink.Builder b) {
    Optional<Secret> connectionString = config.optionalSecret("connectionString");
    Optional<URI> endpoint = config.optionalUri("endpoint");
    Optional<Secret> sasToken = config.optionalSecret("sasToken");
    account(config, connectionString, endpoint, sasToken).ifPresent(b::account);
    b.tableName(config.string("tableName", AzureTableConfig.DEFAULT_TABLE));
    b.createTableIfMissing(config.bool("createTableIfMissing", false));
    b.requestTimeout(config.duration("requestTimeout", AzureTableConfig.DEFAULT_REQUEST_TIMEOUT));
    b.connectTimeout(config.duration("connectTimeout", AzureTableConfig.DEFAULT_CONNECT_TIMEOUT));
    b.maxRetries(config.integer("maxRetries", AzureTableConfig.DEFAULT_MAX_RETRIES, 0,
        AzureTableConfig.MAX_RETRIES_LIMIT));
    b.retryDelay(config.duration("retryDelay", AzureTableConfig.DEFAULT_RETRY_DELAY));
    b.maxConcurrency(config.integer("maxConcurrency", AzureTableConfig.DEFAULT_MAX_CONCURRENCY, 1, 256));
  }

  /**
   * Which account the keys name: a connection string, or an endpoint with a SAS token. Giving both kinds, or half
   * of the second, is a reading problem (the builder takes one account); none at all is left to {@code build()}.
   */
  private static Optional<AzureTableAccount> account(SinkConfig config, Optional<Secret> connectionString,
      Optional<URI> endpoint, Optional<Secret> sasToken) {
    boolean endpointGiven = config.optionalString("endpoint").isPresent();
    boolean sasGiven = sasToken.isPresent() || config.optionalString("sasToken").isPresent();
    try {
      if (connectionString.isPresent()) {
        if (endpointGiven || sasGiven) {
          config.problem("connectionString", "is given together with endpoint/sasToken",
              "give either connectionString, or endpoint and sasToken");
          return Optional.empty();
        }
        return Optional.of(AzureTableAccount.connectionString(connectionString.get()));
      }
      if (endpoint.isPresent() && sasToken.isPresent()) {
        return Optional.of(AzureTableAccount.sas(endpoint.get(), sasToken.get()));
      }
      if (endpointGiven && !sasGiven) {
        config.problem("sasToken", "is required with endpoint", "set sasToken as ${ENV_VAR}");
      } else if (sasGiven && !endpointGiven) {
        config.problem("endpoint", "is required with sasToken",
            "set endpoint to https://<account>.table.core.windows.net");
      }
    } catch (IllegalArgumentException e) {
      config.problem(connectionString.isPresent() ? "connectionString" : "sasToken", e.getMessage(),
          "copy it again from the storage account in the Azure portal");
    }
    return Optional.empty();
  }
}
