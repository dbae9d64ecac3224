package io.leadrouter.dynamics;

import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.SinkConfig;
import okhttp3.OkHttpClient;

/**
 * Creates {@link DynamicsSink}s for {@code type: dynamics}. Settings: {@code tenantId}, {@code clientId},
 * {@code clientSecret} (secret), {@code instanceUrl} (required); {@code authorityHost}, {@code idColumn},
 * {@code leadSourceCode}, {@code timeout}, {@code unreachableAfter}, {@code match} ({@code leadId | email}),
 * {@code mode} ({@code create | upsert | update-only}) and {@code mapping.<leadField>} (optional).
 */
public final class DynamicsSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "dynamics";

  @Override
  public String type() {
    return TYPE;
  }

  /** Maps the descriptor keys onto {@link DynamicsSink.Builder}; its {@code build()} checks them. */
  @Override
  public LeadSink create(SinkConfig config) {
    DynamicsSink.Builder b = DynamicsSink.builder();
    config.optionalString("tenantId").ifPresent(b::tenantId);
    config.optionalString("clientId").ifPresent(b::clientId);
    config.optionalSecret("clientSecret").ifPresent(b::clientSecret);
    config.optionalUri("instanceUrl").ifPresent(b::instanceUrl);
    config.optionalUri("authorityHost").ifPresent(b::authorityHost);
    config.optionalString("idColumn").ifPresent(b::idColumn);
    b.leadSourceCode(config.integer("leadSourceCode", DynamicsConfig.DEFAULT_LEAD_SOURCE_CODE, 0,
        Integer.MAX_VALUE));
    b.timeout(config.duration("timeout", DynamicsConfig.DEFAULT_TIMEOUT));
    b.unreachableAfter(config.integer("unreachableAfter", DynamicsConfig.DEFAULT_UNREACHABLE_AFTER, 1, 100));
    config.section("mapping").forEach(b::map);
    b.matching(RecordMatching.from(config));
    config.resource(OkHttpClient.class).ifPresent(b::httpClient);
    return config.build("dynamics", b::build);
  }
}
