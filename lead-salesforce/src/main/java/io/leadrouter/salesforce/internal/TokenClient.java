package io.leadrouter.salesforce.internal;

import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.ClientCredentialsGrant;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.salesforce.SalesforceErrors;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth 2.0 client credentials against {@code {myDomain}/services/oauth2/token}: fetches tokens for the
 * {@link AccessTokenCache} of a {@link RestClient}. Salesforce names no lifetime, so a token is used until Salesforce
 * refuses it (401). Thread-safe.
 */
public final class TokenClient implements AccessTokenCache.Fetcher {
  private static final Logger LOG = LoggerFactory.getLogger(TokenClient.class);
  private final Supplier<OkHttpClient> http;
  private final ClientCredentialsGrant grant;
  private final Clock clock;

  /** A client for the org at {@code myDomain}, calling with the client {@code http} gives at the time. */
  public TokenClient(Supplier<OkHttpClient> http, HttpUrl myDomain, String clientId, Secret clientSecret, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http = Objects.requireNonNull(http, "http");
    this.grant = new ClientCredentialsGrant(myDomain.newBuilder().encodedPath("/services/oauth2/token").build(),
        clientId, clientSecret);
  }

  /** A new token, used until refused. */
  @Override
  public AccessTokenCache.Token fetch(AccessTokenCache.Token previous) throws DeliveryException {
    try {
      HttpAnswer answer = HttpAnswer.execute(http.get(), grant.post(Map.of()), Bodies.MAX_ERROR_BYTES, clock);
      if (answer.status() != 200) {
        throw SalesforceErrors.tokenFailure(answer.status(), answer.body(), answer.retryAfter(), clock,
            HttpFailures.redirectTarget(grant.tokenUrl(), answer.header("Location").orElse(null)));
      }
      String access;
      try {
        access = ClientCredentialsGrant.answer(answer.body()).accessToken();
      } catch (IOException notJson) {
        access = "";
      }
      if (access.isEmpty()) {
        // a proxy's or captive portal's page: as a bare "JsonParseException" it said nothing to fix
        throw SalesforceErrors.tokenUnusable(ClientCredentialsGrant.unusable(answer.body()));
      }
      LOG.debug("fetched a Salesforce access token from {}", grant.tokenUrl());
      return AccessTokenCache.Token.untilRefused(access);
    } catch (IOException e) {
      throw SalesforceErrors.unreachable("Salesforce token request to " + grant.tokenUrl(), e);
    }
  }
}
