package io.leadrouter.salesforce;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.SinkConfig;
import java.util.Optional;

/**
 * Creates {@link SalesforceSink}s: {@code type: salesforce} (REST API). Settings: {@code myDomain},
 * {@code clientId}, {@code clientSecret} (secret), {@code apiVersion}, {@code externalIdField},
 * {@code leadSourceValue}, {@code apiUsageThreshold}, {@code quotaRetryAfter}, {@code timeout},
 * {@code maxConcurrency}, {@code maxBatchSize}, {@code match}, {@code mode}, {@code fields.*}; see the module README.
 */
public final class SalesforceSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "salesforce";

  @Override
  public String type() {
    return TYPE;
  }

  /** Maps the descriptor keys onto {@link SalesforceSink.Builder}; its {@code build()} checks them. */
  @Override
  public LeadSink create(SinkConfig config) {
    SalesforceSink.Builder b = SalesforceSink.builder();
    ProviderSupport.credentials(config, true).ifPresent(c -> b.myDomain(c.myDomain()).clientId(c.clientId())
        .clientSecret(c.clientSecret()).apiVersion(c.apiVersion()));
    Optional<String> externalIdField = config.optionalString("externalIdField");
    Optional<String> leadSourceValue = config.optionalString("leadSourceValue");
    b.apiUsageThreshold(config.integer("apiUsageThreshold", SalesforceConfig.DEFAULT_API_USAGE_THRESHOLD, 1, 100));
    b.quotaRetryAfter(config.duration("quotaRetryAfter", SalesforceConfig.DEFAULT_QUOTA_RETRY_AFTER));
    b.timeout(config.duration("timeout", SalesforceConfig.DEFAULT_TIMEOUT));
    b.maxConcurrency(config.integer("maxConcurrency", SalesforceConfig.DEFAULT_MAX_CONCURRENCY, 1, 64));
    b.maxBatchSize(config.integer("maxBatchSize", SalesforceConfig.MAX_BATCH_SIZE, 1, SalesforceConfig.MAX_BATCH_SIZE));
    b.fields(ProviderSupport.fields(config, FieldMapping.restDefaults())); // before the settings that add to it
    externalIdField.ifPresent(b::externalIdField);
    leadSourceValue.ifPresent(b::leadSourceValue);
    b.matching(RecordMatching.from(config));
    ProviderSupport.httpClient(config).ifPresent(b::httpClient);
    return config.build("", b::build);
  }
}
