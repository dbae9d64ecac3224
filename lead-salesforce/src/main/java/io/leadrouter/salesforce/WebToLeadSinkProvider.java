package io.leadrouter.salesforce;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Optional;

/**
 * Creates {@link WebToLeadSink}s: {@code type: salesforce-web2lead}. Settings: {@code orgId}, {@code endpoint},
 * {@code dailyLimit}, {@code timeZone}, {@code leadIdField}, {@code leadSourceValue}, {@code timeout},
 * {@code maxConcurrency}, {@code fields.*}, and optionally {@code myDomain}/{@code clientId}/{@code clientSecret}/
 * {@code apiVersion} for a real Lead check in verify; see the module README.
 */
public final class WebToLeadSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "salesforce-web2lead";

  @Override
  public String type() {
    return TYPE;
  }

  /** Maps the descriptor keys onto {@link WebToLeadSink.Builder}; its {@code build()} checks them. */
  @Override
  public LeadSink create(SinkConfig config) {
    WebToLeadSink.Builder b = WebToLeadSink.builder();
    config.optionalString("orgId").ifPresent(b::orgId);
    config.optionalUri("endpoint").ifPresent(b::endpoint);
    b.dailyLimit(config.integer("dailyLimit", WebToLeadConfig.DEFAULT_DAILY_LIMIT, 1, 1_000_000));
    config.optionalString("timeZone").ifPresent(zone -> {
      try {
        b.timeZone(ZoneId.of(zone));
      } catch (DateTimeException e) {
        config.problem("timeZone", "'" + zone + "' is not a time zone",
            "use an IANA zone such as America/Los_Angeles, or UTC");
      }
    });
    Optional<String> leadIdField = config.optionalString("leadIdField");
    Optional<String> leadSourceValue = config.optionalString("leadSourceValue");
    b.timeout(config.duration("timeout", SalesforceConfig.DEFAULT_TIMEOUT));
    b.maxConcurrency(config.integer("maxConcurrency", WebToLeadConfig.DEFAULT_MAX_CONCURRENCY, 1, 64));
    b.fields(ProviderSupport.fields(config, FieldMapping.webToLeadDefaults())); // before leadIdField, which adds to it
    leadIdField.ifPresent(b::leadIdField);
    leadSourceValue.ifPresent(b::leadSourceValue);
    b.matching(io.leadrouter.spi.RecordMatching.from(config)); // refused by build() unless the default
    ProviderSupport.credentials(config, false).ifPresent(b::restCredentials);
    ProviderSupport.httpClient(config).ifPresent(b::httpClient);
    return config.build("", b::build);
  }
}
