package io.leadrouter.salesforce.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
 * OAuth 2.0 client credentials against {@code {myDomain}/services/oauth2/token}. The token is cached until
 * Salesforce refuses it; {@link #refresh} fetches a new one at most once per stale token, however many threads saw
 * it refused at the same time. Thread-safe.
 */
public final class TokenClient {
  private static final Logger LOG = LoggerFactory.getLogger(TokenClient.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private final OkHttpClient http;
  private final HttpUrl tokenUrl;
  private final String clientId;
  private final Secret clientSecret;
  private final Clock clock;
  private final Object lock = new Object();
  private volatile String token;
  /** The token in use as a {@link Secret}: known to the Scrubber (any encoding) while it is referenced. */
  @SuppressWarnings("unused")
  private volatile Secret held;

  /** A client for the org at {@code myDomain}. */
  public TokenClient(OkHttpClient http, HttpUrl myDomain, String clientId, Secret clientSecret, Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.http = Objects.requireNonNull(http, "http");
    this.tokenUrl = myDomain.newBuilder().encodedPath("/services/oauth2/token").build();
    this.clientId = Objects.requireNonNull(clientId, "clientId");
    this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
  }

  /** The cached token, fetching one first if there is none. */
  public String token() throws DeliveryException {
    String t = token;
    return t != null ? t : refresh(null);
  }

  /**
   * A new token, replacing {@code stale}. If another thread already replaced it, returns that token without a new
   * request, so a burst of refused calls costs one token request.
   */
  public String refresh(String stale) throws DeliveryException {
    synchronized (lock) {
      String current = token;
      if (current != null && !current.equals(stale)) {
        return current;
      }
      token = null;
      String fresh = fetch();
      token = fresh;
      return fresh;
    }
  }

  private String fetch() throws DeliveryException {
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
      held = Secret.of(access);
      return access;
    } catch (IOException e) {
      throw SalesforceErrors.unreachable("Salesforce token request to " + tokenUrl, e);
    }
  }
}
