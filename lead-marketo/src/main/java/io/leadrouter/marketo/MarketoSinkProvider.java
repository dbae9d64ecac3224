package io.leadrouter.marketo;

import io.leadrouter.marketo.MarketoConfig.LeadField;
import io.leadrouter.marketo.MarketoConfig.Mode;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.LeadSinkProvider;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.SinkConfig;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;

/**
 * Creates {@link MarketoSink}s from descriptor settings ({@code type: marketo}): {@code endpoint}, {@code identity},
 * {@code clientId}, {@code clientSecret} (required), {@code match} ({@code leadId | email}), {@code mode}
 * ({@code create | upsert | update-only | submitForm}; {@code createOrUpdate}, its older name for upsert, still works),
 * {@code lookupField}, {@code formId}, {@code leadIdField}, {@code timeout}, {@code dailyCallLimit} and
 * {@code mapping.<leadField>} (see the module README).
 */
public final class MarketoSinkProvider implements LeadSinkProvider {

  @Override
  public String type() {
    return MarketoSink.TYPE;
  }

  /** Maps the descriptor keys onto {@link MarketoSink.Builder}; its {@code build()} checks them. */
  @Override
  public LeadSink create(SinkConfig config) {
    MarketoSink.Builder b = MarketoSink.builder();
    config.optionalUri("endpoint").ifPresent(b::endpoint);
    config.optionalUri("identity").ifPresent(b::identity);
    config.optionalString("clientId").ifPresent(b::clientId);
    config.optionalSecret("clientSecret").ifPresent(b::clientSecret);
    // Not RecordMatching.from(config): Marketo's mode also takes submitForm and the older createOrUpdate (= upsert),
    // and its match defaults to email (what this sink did before sync modes; Marketo keys people on it), so an unset
    // match leaves the lookup field to lookupField or its default
    Mode.fromKey(config.choice(RecordMatching.MODE_KEY, Mode.CREATE_OR_UPDATE.key(), Mode.keys())).ifPresent(b::mode);
    config.optionalString(RecordMatching.MATCH_KEY).flatMap(m -> Match.of(config.choice(RecordMatching.MATCH_KEY, m,
        Match.spellings()))).ifPresent(b::match);
    config.optionalString("lookupField").ifPresent(b::lookupField);
    int form = config.integer("formId", -1, 1, Integer.MAX_VALUE);
    if (form > 0) {
      b.formId(form);
    }
    config.optionalString("leadIdField").ifPresent(b::leadIdField);
    b.timeout(config.duration("timeout", MarketoConfig.DEFAULT_TIMEOUT));
    b.dailyCallLimit(config.integer("dailyCallLimit", 0, 0, Integer.MAX_VALUE));
    mapping(config, b);
    config.resource(OkHttpClient.class).ifPresent(b::httpClient);
    return config.build("", b::build);
  }

  /** {@code mapping.<leadField>} overrides of the default mapping; an empty value unmaps the field. */
  private static void mapping(SinkConfig config, MarketoSink.Builder b) {
    String known = Arrays.stream(LeadField.values()).map(LeadField::key).collect(Collectors.joining(", "));
    config.section("mapping").forEach((key, marketoField) -> {
      Optional<LeadField> field = LeadField.fromKey(key);
      if (field.isEmpty()) {
        config.problem("mapping." + key, "'" + key + "' is not a lead field", "use one of " + known);
      } else if (marketoField.isBlank()) {
        b.unmap(field.get());
      } else {
        b.map(field.get(), marketoField.strip());
      }
    });
  }
}
