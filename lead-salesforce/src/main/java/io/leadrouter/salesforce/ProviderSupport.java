package io.leadrouter.salesforce;

import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;

/** Reading settings both Salesforce providers share. */
final class ProviderSupport {
  private ProviderSupport() {}

  /** {@code fields.<part>: <name>} entries applied over {@code defaults}; an empty name unmaps the part. */
  static FieldMapping fields(SinkConfig config, FieldMapping defaults) {
    FieldMapping mapping = defaults;
    for (Map.Entry<String, String> e : config.section("fields").entrySet()) {
      Optional<LeadField> field = LeadField.fromKey(e.getKey());
      if (field.isEmpty()) {
        List<String> parts = Arrays.stream(LeadField.values()).map(LeadField::key).toList();
        String oneOf = "use one of " + String.join(", ", parts);
        config.problem("fields." + e.getKey(), "is not a lead part",
            SinkConfig.didYouMean(e.getKey(), parts).map(s -> s + " otherwise " + oneOf).orElse(oneOf));
        continue;
      }
      mapping = e.getValue().isBlank() ? mapping.without(field.get()) : mapping.with(field.get(), e.getValue());
    }
    return mapping;
  }

  /** The URL as an error may show it: a password in its user info and a secret query value removed. */
  private static String shown(Object url) {
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials(String.valueOf(url));
  }

  /** The REST credentials {@code myDomain}, {@code clientId}, {@code clientSecret}, {@code apiVersion}. */
  static Optional<SalesforceCredentials> credentials(SinkConfig config, boolean required) {
    boolean given = required || config.optionalString("myDomain").isPresent()
        || config.optionalString("clientId").isPresent() || config.keys().contains("clientSecret");
    String apiVersion = config.string("apiVersion", SalesforceCredentials.DEFAULT_API_VERSION);
    if (!SalesforceCredentials.API_VERSION.matcher(apiVersion).matches()) {
      config.problem("apiVersion", "'" + apiVersion + "' is not an API version", "write it like v62.0");
      apiVersion = SalesforceCredentials.DEFAULT_API_VERSION;
    }
    if (!given) {
      return Optional.empty();
    }
    String domainText = config.string("myDomain");
    Optional<URI> myDomain = domainText.isEmpty() ? Optional.empty() : absoluteUrl(config, domainText);
    String clientId = config.string("clientId");
    Secret secret = config.secret("clientSecret");
    if (myDomain.isEmpty() || clientId.isEmpty() || secret.isEmpty()) {
      return Optional.empty(); // validate() reports why
    }
    return Optional.of(new SalesforceCredentials(myDomain.get(), clientId, secret, apiVersion));
  }

  private static Optional<URI> absoluteUrl(SinkConfig config, String text) {
    try {
      URI uri = new URI(text);
      if (uri.isAbsolute() && uri.getHost() != null) {
        return Optional.of(uri);
      }
    } catch (URISyntaxException e) {
      // reported below
    }
    config.problem("myDomain", "'" + shown(text) + "' is not an absolute URL",
        "write the org's My Domain URL, e.g. https://contoso.my.salesforce.com");
    return Optional.empty();
  }

  /** The application's shared client, if registered. */
  static Optional<OkHttpClient> httpClient(SinkConfig config) {
    return config.resource(OkHttpClient.class);
  }
}
