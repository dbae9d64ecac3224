package io.leadrouter.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.salesforce.SalesforceErrors;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Objects;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OAuth 2.0 client credentials against {@code {myDomain}/services/oauth2/token}: fetches tokens for the
 * {@link AccessTokenCache} of a {@link RestClient}. Salesforce names no lifetime, so a token is used until Salesforce
 * refuses it (401). Thread-safe.
 */
public final class TokenClient implements AccessTokenCache.Fetcher {
  private static final Logger LOG = LoggerFactory.getLogger(TokenClient.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final OkHttpClient http;
  private final HttpUrl tokenUrl;
  private final String clientId;
  private final Secret clientSecret;
  private final Clock clock;

  /** A client for the org at {@code myDomain}. */
  public TokenClient(OkHttpClient http, HttpUrl myDomain, String clientId, Secret clientSecret, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http = Objects.requireNonNull(http, "http");
    this.tokenUrl = myDomain.newBuilder().encodedPath("/services/oauth2/token").build();
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
  }

  /** A new token, used until refused. */
  @Override
  public AccessTokenCache.Token fetch(AccessTokenCache.Token previous) throws DeliveryException {
    FormBody form = new FormBody.Builder(StandardCharsets.UTF_8)
        .add("grant_type", "client_credentials")
        .add("client_id", clientId)
        .add("client_secret", clientSecret.reveal())
        .build();
    Request request = new Request.Builder().url(tokenUrl).post(form).header("Accept", "application/json").build();
    try {
      HttpAnswer answer = HttpAnswer.execute(http, request, Bodies.MAX_ERROR_BYTES, clock);
      if (answer.status() != 200) {
        throw SalesforceErrors.tokenFailure(answer.status(), answer.body(), answer.retryAfter());
      }
      JsonNode json = MAPPER.readTree(answer.body());
      String access = json.path("access_token").asText("");
      if (access.isEmpty()) {
        throw new TransientDeliveryException("Salesforce token endpoint answered 200 without access_token");
      }
      LOG.debug("fetched a Salesforce access token from {}", tokenUrl);
      return AccessTokenCache.Token.untilRefused(access);
    } catch (IOException e) {
      throw SalesforceErrors.unreachable("Salesforce token request to " + tokenUrl, e);
    }
  }
}
