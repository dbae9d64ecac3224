package io.leadrouter.marketo.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.AccessTokenCache.Token;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.ClientCredentialsGrant;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.marketo.MarketoErrors;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Secret;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches Marketo access tokens from the identity endpoint
 * ({@code GET {identity}/oauth/token?grant_type=client_credentials&client_id=..&client_secret=..}, answering
 * {@code {"access_token","token_type":"bearer","expires_in":3599,"scope"}}; see
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication) for an
 * {@link AccessTokenCache}, which caches them and refreshes them a margin ahead of expiry and after a 601/602.
 *
 * <p>Marketo hands out the same token until it expires (with a shorter {@code expires_in}), so when a refresh
 * returns the token already held, it is kept to its real expiry instead of being refreshed again and again; a call
 * that meets the expiry gets a 602 and refreshes once.
 *
 * <p>{@code expires_in} counts whole seconds, and in a token's last second Marketo answers {@code 0} (Adobe: "the
 * remaining lifespan of the current token in seconds"). Taken as "expires now", every delivery fetched a token
 * again, one after another, each answered with the same token, until Marketo rolled to a new one: a loop of identity
 * calls, one per lead, each holding up the next delivery. Such a token is kept for {@link #LAST_SECOND}: the call in
 * hand and those beside it use it, and the next identity call comes a second later, however often the same expiring
 * token comes back; should Marketo expire it sooner, the call meets a 602 and refreshes once, as any call at the
 * expiry does.
 */
public final class IdentityClient implements AccessTokenCache.Fetcher {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** The least a token is kept: {@code expires_in: 0} is a token in its last second, not one already expired. */
  static final Duration LAST_SECOND = Duration.ofSeconds(1);

  private final OkHttpClient http;
  private final ClientCredentialsGrant grant;
  private final Redactor redactor;
  private final Clock clock;
  private final Duration margin;

  /**
   * A client for one LaunchPoint service.
   *
   * @param http the client (redirects off: the secret must not follow a redirect elsewhere)
   * @param identity the Identity URL, {@code https://<munchkin>.mktorest.com/identity}
   * @param clientId the client id
   * @param clientSecret the client secret
   * @param clock the time source
   * @param margin how long before expiry to refresh
   */
  public IdentityClient(OkHttpClient http, HttpUrl identity, String clientId, Secret clientSecret, Clock clock,
      Duration margin) {
    this.http = Objects.requireNonNull(http, "http");
    this.grant = new ClientCredentialsGrant(Objects.requireNonNull(identity, "identity").newBuilder()
        .addPathSegments("oauth/token").build(), clientId, clientSecret);
    this.redactor = new Redactor(clientSecret);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.margin = Objects.requireNonNull(margin, "margin");
  }

  /** A new token from the identity endpoint; kept to its expiry when it is the {@code previous} one again. */
  @Override
  public Token fetch(Token previous) throws DeliveryException {
    HttpAnswer answer;
    try {
      answer = HttpAnswer.execute(http, grant.get(), Bodies.MAX_ERROR_BYTES, clock);
    } catch (IOException | RuntimeException e) {
      throw MarketoErrors.unreachable("Marketo identity endpoint", "identity", redactor.scrub(e.toString()),
          AddressGuard.blockedCause(e).<Throwable>map(b -> b).orElseGet(() -> redactor.safeCopy(e)));
    }
    String body = redactor.scrub(answer.body());
    if (HttpFailures.redirected(answer.status())) {
      throw MarketoErrors.redirected("Marketo identity endpoint", "identity", answer.status(),
          HttpFailures.redirectTarget(grant.tokenUrl(), answer.header("Location").orElse(null)));
    }
    if (answer.status() != 200) {
      throw MarketoErrors.identityStatus(answer.status(), describeError(body), answer.retryAfter());
    }
    ClientCredentialsGrant.Answer token;
    try {
      token = ClientCredentialsGrant.answer(body);
    } catch (IOException e) {
      throw MarketoErrors.identityUnusable(ClientCredentialsGrant.unusable(body));
    }
    String value = token.accessToken();
    long expiresIn = token.expiresIn();
    if (value.isEmpty() || expiresIn < 0) {
      throw MarketoErrors.identityUnusable(ClientCredentialsGrant.unusable(body));
    }
    Instant now = clock.instant();
    Instant expiresAt = expiresIn < LAST_SECOND.toSeconds() ? now.plus(LAST_SECOND) : now.plusSeconds(expiresIn);
    Instant refreshAt = previous != null && previous.value().equals(value) || expiresIn * 2 <= margin.toSeconds()
        ? expiresAt : expiresAt.minus(margin);
    LOG.debug("Marketo access token obtained, valid for {} s", expiresIn);
    return new Token(value, refreshAt, expiresAt);
  }

  private static String describeError(String body) {
    try {
      JsonNode json = JSON.readTree(body);
      String error = json.path("error").asText("");
      String description = json.path("error_description").asText("");
      if (!error.isEmpty() || !description.isEmpty()) {
        return Bodies.quote(error + (description.isEmpty() ? "" : " (" + description + ")")); // one bounded line
      }
    } catch (IOException e) {
      // not JSON: quote the start of the body instead
    }
    return Bodies.quote(body);
  }
}
