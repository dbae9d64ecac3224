package io.leadrouter.salesforce;

import io.leadrouter.salesforce.internal.Urls;
import io.leadrouter.spi.Secret;
import java.net.URI;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How to reach an org's REST API: its My Domain and a connected app's client credentials (OAuth 2.0 client
 * credentials flow with a Run As user).
 *
 * @param myDomain the org's My Domain URL, e.g. {@code https://contoso.my.salesforce.com}
 * @param clientId the connected app's Consumer Key
 * @param clientSecret the connected app's Consumer Secret
 * @param apiVersion the REST API version, e.g. {@code v62.0}
 */
public record SalesforceCredentials(URI myDomain, String clientId, Secret clientSecret, String apiVersion) {
  /** The API version used when none is configured. */
  public static final String DEFAULT_API_VERSION = "v62.0";
  /** The form of an API version: {@code v} followed by {@code NN.N}. */
  public static final Pattern API_VERSION = Pattern.compile("v\\d{2,3}\\.\\d");

  /** Validates the parts. */
  public SalesforceCredentials {
    Objects.requireNonNull(myDomain, "myDomain");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(clientSecret, "clientSecret");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Urls.requireAbsolute(myDomain, "myDomain");
    if (clientId.isBlank()) {
      throw new IllegalArgumentException("clientId must not be blank");
    }
    if (!API_VERSION.matcher(apiVersion).matches()) {
      throw new IllegalArgumentException("apiVersion must look like v62.0: " + apiVersion);
    }
  }

  /** Shows the org and client id; never the secret, nor a password or token in the URL's user info. */
  @Override
  public String toString() {
    return "SalesforceCredentials[myDomain=" + io.leadrouter.spi.Scrubber.standard().scrubCredentials(
        String.valueOf(myDomain)) + ", clientId=" + clientId + ", clientSecret=" + clientSecret + ", apiVersion="
        + apiVersion + "]";
  }

  /** Credentials with the default API version. */
  public static SalesforceCredentials of(URI myDomain, String clientId, Secret clientSecret) {
    return new SalesforceCredentials(myDomain, clientId, clientSecret, DEFAULT_API_VERSION);
  }
}
