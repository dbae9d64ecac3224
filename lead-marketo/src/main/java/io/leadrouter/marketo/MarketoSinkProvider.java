package io.leadrouter.marketo;

import io.leadrouter.Problem;
import io.leadrouter.marketo.MarketoConfig.LeadField;
import io.leadrouter.marketo.MarketoConfig.Mode;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;

/**
 * Creates {@link MarketoSink}s from descriptor settings ({@code type: marketo}): {@code endpoint}, {@code identity},
 * {@code clientId}, {@code clientSecret} (required), {@code mode}, {@code lookupField}, {@code formId},
 * {@code leadIdField}, {@code timeout}, {@code dailyCallLimit} and {@code mapping.<leadField>} (see the module
 * README).
 */
public final class MarketoSinkProvider implements LeadSinkProvider {

  @Override
  public String type() {
    return MarketoSink.TYPE;
  }

  @Override
  public LeadSink create(SinkConfig config) {
    URI endpoint = config.uri("endpoint");
    URI identity = config.uri("identity");
    String clientId = config.string("clientId");
    Secret clientSecret = config.secret("clientSecret");
    List<String> modes = Arrays.stream(Mode.values()).map(Mode::key).toList();
    Mode mode = Mode.fromKey(config.choice("mode", Mode.CREATE_OR_UPDATE.key(), modes)).orElseThrow();
    String lookupField = config.string("lookupField", MarketoConfig.DEFAULT_LOOKUP_FIELD);
    int form = config.integer("formId", -1, 1, Integer.MAX_VALUE);
    OptionalInt formId = form > 0 ? OptionalInt.of(form) : OptionalInt.empty();
    Optional<String> leadIdField = config.optionalString("leadIdField");
    Duration timeout = config.duration("timeout", MarketoConfig.DEFAULT_TIMEOUT);
    int dailyCallLimit = config.integer("dailyCallLimit", 0, 0, Integer.MAX_VALUE);
    Map<LeadField, String> mapping = mapping(config);

    MarketoConfig marketo = new MarketoConfig(endpoint, identity, clientId, clientSecret, mode, lookupField, formId,
        mapping, leadIdField, timeout);
    // cross-field checks, except on keys already reported (a missing endpoint need not also be "not https")
    Set<String> reported = config.problems().stream().map(Problem::path).collect(Collectors.toSet());
    for (Problem p : marketo.problems()) {
      if (!reported.contains(config.path(p.path()))) {
        config.problem(p.path(), p.message(), p.fix());
      }
    }
    config.validate();
    MarketoSink.Builder builder = MarketoSink.builder().config(marketo).dailyCallLimit(dailyCallLimit);
    config.resource(OkHttpClient.class).ifPresent(builder::httpClient);
    return builder.build();
  }

  /** The default mapping with {@code mapping.<leadField>} overrides applied; an empty value unmaps the field. */
  private static Map<LeadField, String> mapping(SinkConfig config) {
    Map<LeadField, String> mapping = new EnumMap<>(MarketoConfig.defaultMapping());
    String known = Arrays.stream(LeadField.values()).map(LeadField::key).collect(Collectors.joining(", "));
    config.section("mapping").forEach((key, marketoField) -> {
      Optional<LeadField> field = LeadField.fromKey(key);
      if (field.isEmpty()) {
        config.problem("mapping." + key, "'" + key + "' is not a lead field", "use one of " + known);
      } else if (marketoField.isBlank()) {
        mapping.remove(field.get());
      } else {
        mapping.put(field.get(), marketoField.strip());
      }
    });
    return mapping;
  }
}
