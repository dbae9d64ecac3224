package io.leadrouter.salesforce.internal;

import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.salesforce.SalesforceCredentials;
import io.leadrouter.salesforce.SalesforceErrors;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Supplier;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * Calls {@code {myDomain}/services/data/vXX.X/...} with a bearer token: refreshes the token once when Salesforce
 * answers 401 ({@code INVALID_SESSION_ID}), reads {@code Sforce-Limit-Info} into the {@link ApiBudget} and refuses
 * to call while the budget is paused. Thread-safe.
 */
public final class RestClient {
  private static final MediaType JSON = MediaType.get("application/json; charset=utf-8");
  /** Most bytes read of a success body (collection results, describe). */
  private static final int MAX_BODY_BYTES = 8 * 1024 * 1024;

  /** Asked at every call: the sink swaps in a client with a larger pool when told the router's in-flight setting. */
  private final Supplier<OkHttpClient> http;
  private final HttpUrl base;
  private final AccessTokenCache tokens;
  private final ApiBudget budget;
  private final Clock clock;
  private final Duration quotaRetryAfter;

  /**
   * A client for the org at {@code myDomain}, API version {@code apiVersion} (e.g. {@code v62.0}), caching the
   * tokens {@code tokens} fetches, calling with the client {@code http} gives at the time.
   */
  public RestClient(Supplier<OkHttpClient> http, HttpUrl myDomain, String apiVersion, TokenClient tokens,
      ApiBudget budget, Clock clock, Duration quotaRetryAfter) {
    this.http = Objects.requireNonNull(http, "http");
    this.base = myDomain.newBuilder().encodedPath("/services/data/").addPathSegment(apiVersion).build();
    this.tokens = new AccessTokenCache("Salesforce", clock, Objects.requireNonNull(tokens, "tokens"));
    this.budget = Objects.requireNonNull(budget, "budget");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.quotaRetryAfter = Objects.requireNonNull(quotaRetryAfter, "quotaRetryAfter");
  }

  /**
   * A client for the org {@code credentials} name, signing in with their client credentials over the client
   * {@code http} gives at the time: the one set-up of the REST sink and of Web-to-Lead's verify.
   *
   * @param usageThreshold percent of the daily API limit at which calls stop ({@link ApiBudget})
   * @param quotaRetryAfter how long a spent request limit holds calls
   */
  public static RestClient signedIn(Supplier<OkHttpClient> http, SalesforceCredentials credentials, int usageThreshold,
      Duration quotaRetryAfter, Clock clock) {
    HttpUrl domain = HttpUrl.get(credentials.myDomain().toString());
    return new RestClient(http, domain, credentials.apiVersion(), new TokenClient(http, domain,
        credentials.clientId(), credentials.clientSecret(), clock), new ApiBudget(usageThreshold, quotaRetryAfter,
        clock), clock, quotaRetryAfter);
  }

  /** The token cache (for verify's token step). */
  public AccessTokenCache tokens() {
    return tokens;
  }

  /** {@code /services/data/vXX.X/} followed by the given path segments (each encoded). */
  public HttpUrl url(String... segments) {
    HttpUrl.Builder b = base.newBuilder();
    for (String s : segments) {
      b.addPathSegment(s);
    }
    return b.build();
  }

  /** Sends one request ({@code json} null for none) and returns its answer, whatever the status. */
  public HttpAnswer send(String method, HttpUrl url, String json) throws DeliveryException {
    budget.check();
    String token = tokens.token();
    HttpAnswer r = call(method, url, json, token);
    if (r.status() == 401) {
      r = call(method, url, json, refreshed(token));
      if (r.status() == 401) {
        throw new PermanentDeliveryException(new Diagnosis(SalesforceErrors.INVALID_SESSION_ID,
            "Salesforce refused a freshly issued token: " + SalesforceErrors.mask(r.body()),
            "check that the connected app's Run As user is active and has API Enabled, and that the app's OAuth "
                + "scopes include api"));
      }
    }
    return r;
  }

  /**
   * A token in place of {@code refused}. Salesforce executed nothing it answered 401, so a fetch that got no answer (a
   * timeout, a cut connection) is the sign-in's lost answer, not the request's: its failure is no longer caused by an
   * {@link IOException}, which callers read as a request that went out and may have been applied (a plain create was
   * dead-lettered as an unknown outcome, never sent again, though Salesforce had refused it).
   */
  private String refreshed(String refused) throws DeliveryException {
    try {
      return tokens.refresh(refused);
    } catch (TransientDeliveryException e) {
      if (!(e.getCause() instanceof IOException)) {
        throw e;
      }
      throw new TransientDeliveryException("Salesforce refused the token (401) and a new one could not be fetched: "
          + e.getMessage(), e.retryAfter().orElse(null), e.diagnosis().orElse(null), new DeliveryFailedBeforeSending(
          e));
    }
  }

  /** The cause of a failure that happened before the request was (re)sent: nothing of it reached Salesforce. */
  private static final class DeliveryFailedBeforeSending extends Exception {
    private static final long serialVersionUID = 1L;

    DeliveryFailedBeforeSending(Throwable cause) {
      super("the request was not sent", cause, false, false);
    }
  }

  /** The failure for a non-2xx answer; a spent request limit resumes after {@code quotaRetryAfter}. */
  public DeliveryException failure(HttpAnswer r) {
    return SalesforceErrors.apiFailure(r.status(), r.body(), r.retryAfter(), clock.instant().plus(quotaRetryAfter),
        io.leadrouter.http.HttpFailures.redirectTarget(base, r.header("Location").orElse(null)));
  }

  /** When a spent request limit is tried again. */
  public Instant quotaResumeAt() {
    return clock.instant().plus(quotaRetryAfter);
  }

  /**
   * What every write tells Salesforce's duplicate rules: {@code allowSave=true}, so a rule whose action is Allow (with
   * an alert, as the standard Lead duplicate rule ships) lets the lead in as the rule says, as a user acknowledging
   * the alert would; the header's default is false, which refuses every API save such a rule flags
   * ({@code DUPLICATES_DETECTED}), e.g. a customer's second marketplace lead. A Block rule still refuses (Salesforce,
   * "Duplicate Rule Header", developer.salesforce.com/docs/platform/api-rest/guide/headers-duplicaterules.html;
   * API 52.0 and later, older versions ignore it).
   */
  static final String DUPLICATE_RULE_HEADER = "Sforce-Duplicate-Rule-Header";

  /** The request {@link #send} sends with this token ({@code json} null for none). */
  public Request request(String method, HttpUrl url, String json, String token) {
    RequestBody body = json == null ? null : RequestBody.create(json, JSON);
    Request.Builder b = new Request.Builder().url(url).method(method, body)
        .header("Authorization", "Bearer " + token).header("Accept", "application/json");
    if (body != null) {
      b.header(DUPLICATE_RULE_HEADER, "allowSave=true");
    }
    return b.build();
  }

  private HttpAnswer call(String method, HttpUrl url, String json, String token) throws DeliveryException {
    Request request = request(method, url, json, token);
    try {
      HttpAnswer answer = HttpAnswer.execute(http.get(), request, MAX_BODY_BYTES, clock);
      budget.record(answer.header("Sforce-Limit-Info").orElse(null));
      return answer;
    } catch (IOException e) {
      throw SalesforceErrors.unreachable("Salesforce " + method + " " + url.encodedPath(), e);
    }
  }
}
