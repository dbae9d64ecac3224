package io.leadrouter.salesforce;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import java.time.Duration;
import java.util.Optional;

/**
 * Creates {@link SalesforceSink}s: {@code type: salesforce} (REST API). Settings: {@code myDomain},
 * {@code clientId}, {@code clientSecret} (secret), {@code apiVersion}, {@code externalIdField},
 * {@code leadSourceValue}, {@code apiUsageThreshold}, {@code quotaRetryAfter}, {@code timeout},
 * {@code maxConcurrency}, {@code maxBatchSize}, {@code fields.*}; see the module README.
 */
public final class SalesforceSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "salesforce";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public LeadSink create(SinkConfig config) {
    Optional<SalesforceCredentials> credentials = ProviderSupport.credentials(config, true);
    Optional<String> externalIdField = config.optionalString("externalIdField");
    Optional<String> leadSourceValue = config.optionalString("leadSourceValue");
    int threshold = config.integer("apiUsageThreshold", SalesforceConfig.DEFAULT_API_USAGE_THRESHOLD, 1, 100);
    Duration quotaRetryAfter = config.duration("quotaRetryAfter", SalesforceConfig.DEFAULT_QUOTA_RETRY_AFTER);
    Duration timeout = config.duration("timeout", SalesforceConfig.DEFAULT_TIMEOUT);
    int maxConcurrency = config.integer("maxConcurrency", SalesforceConfig.DEFAULT_MAX_CONCURRENCY, 1, 64);
    int maxBatchSize = config.integer("maxBatchSize", SalesforceConfig.MAX_BATCH_SIZE, 1,
        SalesforceConfig.MAX_BATCH_SIZE);
    FieldMapping fields = ProviderSupport.fields(config, FieldMapping.restDefaults());
    if (quotaRetryAfter.isZero()) {
      config.problem("quotaRetryAfter", "must be positive", "write e.g. 1h");
    }
    if (timeout.isZero()) {
      config.problem("timeout", "must be positive", "write e.g. 30s");
    }
    config.validate();
    SalesforceCredentials c = credentials.orElseThrow();
    SalesforceSink.Builder b = SalesforceSink.builder().myDomain(c.myDomain()).clientId(c.clientId())
        .clientSecret(c.clientSecret()).apiVersion(c.apiVersion()).fields(fields).apiUsageThreshold(threshold)
        .quotaRetryAfter(quotaRetryAfter).timeout(timeout).maxConcurrency(maxConcurrency).maxBatchSize(maxBatchSize);
    externalIdField.ifPresent(b::externalIdField);
    leadSourceValue.ifPresent(b::leadSourceValue);
    ProviderSupport.httpClient(config).ifPresent(b::httpClient);
    return b.build();
  }
}
