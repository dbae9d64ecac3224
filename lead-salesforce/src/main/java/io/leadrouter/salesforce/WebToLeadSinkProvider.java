package io.leadrouter.salesforce;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
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

  @Override
  public LeadSink create(SinkConfig config) {
    String orgId = config.string("orgId");
    if (!orgId.isEmpty()) {
      WebToLeadConfig.orgIdProblem(orgId).ifPresent(p ->
          config.problem("orgId", p, "copy the Organization ID from Setup > Company Information"));
    }
    URI endpoint = config.optionalUri("endpoint").orElse(WebToLeadConfig.DEFAULT_ENDPOINT);
    int dailyLimit = config.integer("dailyLimit", WebToLeadConfig.DEFAULT_DAILY_LIMIT, 1, 1_000_000);
    ZoneId zone = ZoneOffset.UTC;
    Optional<String> zoneText = config.optionalString("timeZone");
    if (zoneText.isPresent()) {
      try {
        zone = ZoneId.of(zoneText.get());
      } catch (DateTimeException e) {
        config.problem("timeZone", "'" + zoneText.get() + "' is not a time zone",
            "use an IANA zone such as America/Los_Angeles, or UTC");
      }
    }
    Optional<String> leadIdField = config.optionalString("leadIdField");
    Optional<String> leadSourceValue = config.optionalString("leadSourceValue");
    Duration timeout = config.duration("timeout", SalesforceConfig.DEFAULT_TIMEOUT);
    int maxConcurrency = config.integer("maxConcurrency", WebToLeadConfig.DEFAULT_MAX_CONCURRENCY, 1, 64);
    FieldMapping fields = ProviderSupport.fields(config, FieldMapping.webToLeadDefaults());
    Optional<SalesforceCredentials> credentials = ProviderSupport.credentials(config, false);
    if (timeout.isZero()) {
      config.problem("timeout", "must be positive", "write e.g. 30s");
    }
    config.validate();
    WebToLeadSink.Builder b = WebToLeadSink.builder().orgId(orgId).endpoint(endpoint).dailyLimit(dailyLimit)
        .timeZone(zone).fields(fields).timeout(timeout).maxConcurrency(maxConcurrency);
    leadIdField.ifPresent(b::leadIdField);
    leadSourceValue.ifPresent(b::leadSourceValue);
    credentials.ifPresent(b::restCredentials);
    ProviderSupport.httpClient(config).ifPresent(b::httpClient);
    return b.build();
  }
}
