package io.leadrouter.dynamics;

import io.leadrouter.Problem;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;

/**
 * Creates {@link DynamicsSink}s for {@code type: dynamics}. Settings: {@code tenantId}, {@code clientId},
 * {@code clientSecret} (secret), {@code instanceUrl} (required); {@code authorityHost}, {@code idColumn},
 * {@code leadSourceCode}, {@code timeout}, {@code unreachableAfter} and {@code mapping.<leadField>} (optional).
 */
public final class DynamicsSinkProvider implements LeadSinkProvider {
  /** The type name in descriptors. */
  public static final String TYPE = "dynamics";

  @Override
  public String type() {
    return TYPE;
  }

  @Override
  public LeadSink create(SinkConfig config) {
    String tenantId = config.string("tenantId");
    String clientId = config.string("clientId");
    Secret clientSecret = config.secret("clientSecret");
    boolean instanceGiven = config.optionalString("instanceUrl").isPresent();
    URI instanceUrl = config.uri("instanceUrl");
    boolean authorityGiven = config.optionalString("authorityHost").isPresent();
    URI authorityHost = config.optionalUri("authorityHost").orElse(DynamicsConfig.DEFAULT_AUTHORITY);
    Optional<String> idColumn = config.optionalString("idColumn");
    int leadSourceCode = config.integer("leadSourceCode", DynamicsConfig.DEFAULT_LEAD_SOURCE_CODE, 0,
        Integer.MAX_VALUE);
    Duration timeout = config.duration("timeout", DynamicsConfig.DEFAULT_TIMEOUT);
    int unreachableAfter = config.integer("unreachableAfter", DynamicsConfig.DEFAULT_UNREACHABLE_AFTER, 1, 100);
    Map<String, String> mapping = new LinkedHashMap<>(DynamicsConfig.DEFAULT_MAPPING);
    mapping.putAll(config.section("mapping"));

    DynamicsConfig settings = new DynamicsConfig(tenantId, clientId, clientSecret, instanceUrl, authorityHost,
        idColumn, mapping, leadSourceCode, timeout, unreachableAfter);
    for (Problem p : settings.problems()) {
      boolean alreadyReported = p.path().equals("tenantId") && tenantId.isEmpty()
          || p.path().equals("clientId") && clientId.isEmpty()
          || p.path().equals("clientSecret")
          || p.path().equals("instanceUrl") && !instanceGiven
          || p.path().equals("authorityHost") && !authorityGiven;
      if (!alreadyReported && !isInvalidUriReported(p, instanceUrl)) {
        config.problem(p.path(), p.message(), p.fix());
      }
    }
    config.validate();
    DynamicsSink.Builder builder = DynamicsSink.builder().config(settings);
    config.resource(OkHttpClient.class).ifPresent(builder::httpClient);
    return builder.build();
  }

  /** SinkConfig already reported a URL it could not parse; its placeholder must not be reported again. */
  private static boolean isInvalidUriReported(Problem p, URI instanceUrl) {
    return p.path().equals("instanceUrl") && "invalid.invalid".equals(instanceUrl.getHost());
  }
}
