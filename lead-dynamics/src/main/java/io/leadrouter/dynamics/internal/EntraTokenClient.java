package io.leadrouter.dynamics.internal;

import io.leadrouter.dynamics.DynamicsErrors;
import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.AccessTokenCache.Token;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.ClientCredentialsGrant;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.Optional;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Microsoft Entra ID client-credentials token client
 * ({@code POST {authority}/{tenant}/oauth2/v2.0/token}, scope {@code {instance}/.default}): fetches tokens for an
 * {@link AccessTokenCache}, which caches them and refreshes them ahead of expiry by one thread at a time (while a
 * still-valid token is being refreshed, other threads keep using it; once it has expired, they wait for the one
 * refresh). A 429 from the token endpoint is honoured: no request is sent before its {@code Retry-After} has passed
 * (at most {@link #MAX_HOLD}: the router holds the leads as long as the policy allows).
 */
public final class EntraTokenClient implements AccessTokenCache.Fetcher {
  private static final Logger LOG = LoggerFactory.getLogger(EntraTokenClient.class);
  /** Refresh this long before expiry (tokens live 60 to 90 minutes), or at half-life for short-lived tokens. */
  private static final Duration REFRESH_AHEAD = Duration.ofMinutes(5);
  /** Wait this long after a 429 that names no {@code Retry-After}. */
  private static final Duration DEFAULT_THROTTLE = Duration.ofSeconds(5);
  /**
   * The longest this client refuses to ask Entra again after a 429, whatever its {@code Retry-After} said: the wait
   * asked is still passed on (the router honours it up to its {@code maxRetryAfter}), but an absurd one (a gateway's
   * {@code Retry-After: 86400}) held every delivery of the destination for a day, past the policy's bound.
   */
  static final Duration MAX_HOLD = Duration.ofMinutes(5);
  /** Most bytes read of a token answer (a JWT of a few KiB and its lifetime). */
  private static final int MAX_TOKEN_ANSWER_BYTES = 256 * 1024;

  private final Supplier<OkHttpClient> http;
  private final ClientCredentialsGrant grant;
  private final String scope;
  private final Clock clock;
  private volatile Instant throttledUntil = Instant.MIN;

  /**
   * A client for one app registration and one Dataverse instance.
   *
   * @param http the HTTP client, asked at each fetch (the sink replaces it when told the router's in-flight setting)
   * @param authorityHost e.g. {@code https://login.microsoftonline.com} (sovereign clouds have their own)
   * @param tenantId tenant GUID or verified domain
   * @param clientId the application (client) id
   * @param clientSecret the client secret
   * @param instance the Dataverse instance URL, whose {@code /.default} scope is requested
   * @param clock the time source for expiry
   */
  public EntraTokenClient(Supplier<OkHttpClient> http, HttpUrl authorityHost, String tenantId, String clientId,
      Secret clientSecret, HttpUrl instance, Clock clock) {
    this.http = Objects.requireNonNull(http, "http");
    this.grant = new ClientCredentialsGrant(authorityHost.newBuilder().addPathSegment(tenantId)
        .addPathSegments("oauth2/v2.0/token").build(), clientId, clientSecret);
    // the resource Entra knows is the instance's canonical URL: an absolute host (contoso.crm.dynamics.com.) would ask
    // for a resource principal no tenant has (AADSTS500011), although it is the same instance
    String base = instance.newBuilder().host(AddressGuard.canonicalHost(instance.host())).build().toString();
    this.scope = (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/.default";
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A new token, refreshed five minutes before it expires (at half-life if it lives less than ten). */
  @Override
  public Token fetch(Token previous) throws DeliveryException {
    Instant now = clock.instant();
    if (now.isBefore(throttledUntil)) {
      Duration wait = Duration.between(now, throttledUntil);
      // still the endpoint's throttle, not an outage: as a plain transient failure each of these refusals counted
      // toward the breaker (the deliveries in flight when the 429 came), and could open it as if Dataverse were down
      throw TransientDeliveryException.throttled("Microsoft Entra token endpoint asked to wait " + wait.toSeconds()
          + " s more (429)", wait, null);
    }
    try (Response response = http.get().newCall(grant.post(Map.of("scope", scope))).execute()) {
      if (!response.isSuccessful()) {
        Optional<Duration> retryAfter = HttpAnswer.retryAfter(response, clock);
        if (response.code() == 429) {
          Duration hold = retryAfter.orElse(DEFAULT_THROTTLE);
          throttledUntil = now.plus(hold.compareTo(MAX_HOLD) > 0 ? MAX_HOLD : hold);
        }
        throw DynamicsErrors.fromToken(response.code(), Bodies.text(response.body(), Bodies.MAX_ERROR_BYTES),
            retryAfter, HttpFailures.redirectTarget(response.request().url(), response.header("Location")));
      }
      String body = Bodies.text(response.body(), MAX_TOKEN_ANSWER_BYTES);
      ClientCredentialsGrant.Answer answer;
      try {
        answer = ClientCredentialsGrant.answer(body);
      } catch (IOException notJson) {
        answer = null;
      }
      if (answer == null || answer.accessToken().isEmpty() || answer.expiresIn() <= 0) {
        // a proxy's or captive portal's page, or not Entra: as a bare "JsonParseException" it said nothing to fix
        throw DynamicsErrors.tokenUnusable(ClientCredentialsGrant.unusable(body));
      }
      String value = answer.accessToken();
      long expiresIn = answer.expiresIn();
      Duration life = Duration.ofSeconds(expiresIn);
      Duration ahead = life.dividedBy(2).compareTo(REFRESH_AHEAD) < 0 ? life.dividedBy(2) : REFRESH_AHEAD;
      Instant expiresAt = now.plus(life);
      Token token = new Token(value, expiresAt.minus(ahead), expiresAt);
      LOG.debug("Fetched a Microsoft Entra token for {} (expires {})", scope, expiresAt);
      return token;
    } catch (IOException e) {
      Optional<BlockedAddressException> blocked = AddressGuard.blockedCause(e);
      if (blocked.isPresent()) {
        throw DynamicsErrors.blocked("Microsoft Entra authorityHost", blocked.get());
      }
      throw new TransientDeliveryException("Microsoft Entra token endpoint " + grant.tokenUrl().host() + " failed: "
          + HttpFailures.describe(e), e);
    }
  }

  /** Never shows the token or the secret. */
  @Override
  public String toString() {
    // a URL's user info may be a password or a token
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials("EntraTokenClient[" + grant.tokenUrl() + ", clientId=" + grant.clientId() + "]");
  }
}
