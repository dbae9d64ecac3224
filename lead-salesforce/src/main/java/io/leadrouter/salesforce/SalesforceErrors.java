package io.leadrouter.salesforce;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.Pii;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Turns Salesforce's answers (token endpoint {@code {"error","error_description"}}, REST
 * {@code [{"message","errorCode","fields"}]}, collection records' {@code errors[{"statusCode",...}]}) into
 * {@link DeliveryException}s with stable {@link Diagnosis} codes {@code SALESFORCE_<ERRORCODE>}.
 */
public final class SalesforceErrors {
  /** The token endpoint refused the client credentials ({@code invalid_client}, {@code invalid_grant}, ...). */
  public static final String AUTH_FAILED = "SALESFORCE_AUTH_FAILED";
  /**
   * The token endpoint's {@code rate_limit_exceeded} ("number of logins exceeded"): the Run As user's logins of the
   * hour (3,600, shared with every integration signing in as that user) are spent. A quota: leads wait, never
   * dead-lettered as a sign-in failure.
   */
  public static final String LOGIN_RATE_EXCEEDED = "SALESFORCE_LOGIN_RATE_EXCEEDED";
  /**
   * How long a spent login rate holds the destination when the answer names no {@code Retry-After}: Salesforce's
   * advice for "Login Rate Exceeded" is to wait one hour (its limit counts logins per user per hour), and each earlier
   * attempt would be one more login counted.
   */
  public static final Duration LOGIN_RATE_WAIT = Duration.ofHours(1);
  /** The My Domain host does not resolve or answers 404 for the token endpoint. */
  public static final String MY_DOMAIN_UNREACHABLE = "SALESFORCE_MY_DOMAIN_UNREACHABLE";
  /** The host is, or resolves to, a cloud metadata, link-local or unspecified address (SSRF guard). */
  public static final String BLOCKED_ADDRESS = "SALESFORCE_BLOCKED_ADDRESS";
  /** A fresh token was refused with {@code INVALID_SESSION_ID} again. */
  public static final String INVALID_SESSION_ID = "SALESFORCE_INVALID_SESSION_ID";
  /** {@code REQUIRED_FIELD_MISSING}. */
  public static final String REQUIRED_FIELD_MISSING = "SALESFORCE_REQUIRED_FIELD_MISSING";
  /** {@code INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST}. */
  public static final String RESTRICTED_PICKLIST = "SALESFORCE_INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST";
  /** {@code FIELD_CUSTOM_VALIDATION_EXCEPTION}: a validation rule refused the lead. */
  public static final String VALIDATION_RULE = "SALESFORCE_FIELD_CUSTOM_VALIDATION_EXCEPTION";
  /** {@code DUPLICATES_DETECTED}: a duplicate rule blocks the lead. */
  public static final String DUPLICATES_DETECTED = "SALESFORCE_DUPLICATES_DETECTED";
  /** {@code REQUEST_LIMIT_EXCEEDED}: the org's API request limit is spent. */
  public static final String REQUEST_LIMIT_EXCEEDED = "SALESFORCE_REQUEST_LIMIT_EXCEEDED";
  /**
   * {@code REQUEST_LIMIT_EXCEEDED} for concurrency, not the daily budget ({@code ConcurrentRequests (Concurrent API
   * Requests) Limit exceeded.}, {@code ConcurrentPerOrgLongTxn Limit exceeded.}): too many of the org's API requests
   * of 20 s or more run at once; a throttle, retried within seconds, never an hour's park.
   */
  public static final String CONCURRENT_REQUEST_LIMIT = "SALESFORCE_CONCURRENT_REQUEST_LIMIT";
  /**
   * How long a lead waits after Salesforce's concurrent long-running request limit answered (without a
   * {@code Retry-After}): requests count as long-running from 20 s, so slots free up within that.
   */
  public static final Duration CONCURRENT_LIMIT_BACKOFF = Duration.ofSeconds(20);
  /** The org's API usage reached this sink's threshold ({@code Sforce-Limit-Info}). */
  public static final String API_USAGE_HIGH = "SALESFORCE_API_USAGE_HIGH";
  /** The upsert's external id matched several leads (HTTP 300). */
  public static final String EXTERNAL_ID_NOT_UNIQUE = "SALESFORCE_EXTERNAL_ID_NOT_UNIQUE";
  /** Web-to-Lead's daily limit (500 by default) is reached. */
  public static final String WEB_TO_LEAD_DAILY_LIMIT = "SALESFORCE_WEB_TO_LEAD_DAILY_LIMIT";
  /** The Web-to-Lead endpoint answered a client error (wrong endpoint URL). */
  public static final String WEB_TO_LEAD_REJECTED = "SALESFORCE_WEB_TO_LEAD_REJECTED";
  /**
   * A Web-to-Lead form went out and its answer was lost (the connection dropped or cut, no answer in time, a gateway's
   * 502/504): Salesforce may have created the Lead, and sending the form again would create a second one, so the lead
   * is dead-lettered instead of retried; replay it once the Lead is known to be missing.
   */
  public static final String WEB_TO_LEAD_OUTCOME_UNKNOWN = "SALESFORCE_WEB_TO_LEAD_OUTCOME_UNKNOWN";
  /**
   * A plain REST create (no {@code externalIdField}) went out and its answer was lost: Salesforce may have created the
   * Lead and a second create would duplicate it, so the lead is dead-lettered instead of retried.
   */
  public static final String CREATE_OUTCOME_UNKNOWN = "SALESFORCE_CREATE_OUTCOME_UNKNOWN";
  /**
   * {@code match: email}: a create went out and its answer was lost, so it may still be running in Salesforce (up to
   * its 10-minute API timeout), unseen by a lookup. The customer's leads wait until it has settled, then are looked
   * up again before anything is created (transient: no action needed).
   */
  public static final String CREATE_SETTLING = "SALESFORCE_CREATE_SETTLING";
  /** The org id is not a Salesforce organization id. */
  public static final String INVALID_ORG_ID = "SALESFORCE_INVALID_ORG_ID";
  /**
   * {@code verify()}: Lead's opt-out checkboxes a do-not-contact lead sets ({@code HasOptedOutOfEmail},
   * {@code DoNotCall}) are missing or not editable by the integration user, so such leads would be refused (REST) or
   * silently dropped (Web-to-Lead).
   */
  public static final String OPT_OUT_FIELD_MISSING = "SALESFORCE_OPT_OUT_FIELD_MISSING";
  /** Lead has required fields or restricted picklists that silently block Web-to-Lead. */
  public static final String WEB_TO_LEAD_BLOCKERS = "SALESFORCE_WEB_TO_LEAD_BLOCKERS";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern EMAIL = Pattern.compile("[^\\s@:;,'\"<>()\\[\\]]+@[^\\s@:;,'\"<>()\\[\\]]+");
  private static final Pattern CODE_CHARS = Pattern.compile("[^A-Z0-9_]");
  private static final Set<String> TRANSIENT_CODES = Set.of("UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE",
      "REQUEST_RUNNING_TOO_LONG", "QUERY_TIMEOUT", "ALL_OR_NONE_OPERATION_ROLLED_BACK");
  private static final int MAX_MESSAGE = 1000;

  private SalesforceErrors() {}

  /**
   * One error of Salesforce's error list; {@code duplicateRule} is the rule's API name of a
   * {@code DUPLICATES_DETECTED} error's {@code duplicateResult}, empty otherwise.
   */
  record ApiError(String errorCode, String message, List<String> fields, String duplicateRule) {}

  /** Most existing records a duplicate error names (Salesforce lists every match). */
  private static final int MAX_DUPLICATES_NAMED = 5;
  /** A Salesforce record id: 15 or 18 letters and digits; anything else in its place is not quoted. */
  private static final Pattern RECORD_ID = Pattern.compile("[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?");
  /** A duplicate rule's API name as Salesforce writes it; another text is not quoted in the fix. */
  private static final Pattern RULE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,79}");

  /**
   * A 200 from the token endpoint that gave no token ({@code what}, from
   * {@link io.leadrouter.http.ClientCredentialsGrant#unusable}): transient (a proxy's page may pass), naming myDomain.
   */
  public static TransientDeliveryException tokenUnusable(String what) {
    String msg = "Salesforce token endpoint answered 200 with " + what + ", not a token";
    return new TransientDeliveryException(msg, null, new Diagnosis(AUTH_FAILED, msg, "check that myDomain is the "
        + "org's My Domain URL, e.g. https://contoso.my.salesforce.com, and that no proxy or captive portal between "
        + "this server and Salesforce answers in its place; leads are retried meanwhile"), null);
  }

  /** A failure answered by the token endpoint {@code /services/oauth2/token}, at the system clock's now. */
  public static DeliveryException tokenFailure(int status, String body, Optional<Duration> retryAfter) {
    return tokenFailure(status, body, retryAfter, java.time.Clock.systemUTC());
  }

  /**
   * A failure answered by the token endpoint {@code /services/oauth2/token}; {@code clock} tells when a spent login
   * rate ({@link #LOGIN_RATE_EXCEEDED}) is tried again.
   */
  public static DeliveryException tokenFailure(int status, String body, Optional<Duration> retryAfter,
      java.time.Clock clock) {
    return tokenFailure(status, body, retryAfter, clock, "nowhere");
  }

  /**
   * {@link #tokenFailure(int, String, Optional, java.time.Clock)} knowing where a 3xx pointed
   * ({@link HttpFailures#redirectTarget}): never followed (the request carries the client secret), it names the
   * target, which is the org's new My Domain when the old one was renamed.
   */
  public static DeliveryException tokenFailure(int status, String body, Optional<Duration> retryAfter,
      java.time.Clock clock, String redirectTarget) {
    if (HttpFailures.redirected(status)) {
      return redirected("the token endpoint /services/oauth2/token", status, redirectTarget, "the client secret");
    }
    if (status == 429) {
      return TransientDeliveryException.throttled("Salesforce token endpoint answered HTTP 429",
          retryAfter.orElse(null), null);
    }
    if (status >= 500) {
      return new TransientDeliveryException("Salesforce token endpoint answered HTTP " + status,
          retryAfter.orElse(null), null, null);
    }
    if (status == 404) {
      return new PermanentDeliveryException(new Diagnosis(MY_DOMAIN_UNREACHABLE,
          "the token endpoint /services/oauth2/token answered HTTP 404",
          "set myDomain to the org's My Domain URL, e.g. https://contoso.my.salesforce.com"));
    }
    String error = "";
    String description = "";
    try {
      JsonNode json = MAPPER.readTree(body);
      error = json.path("error").asText("");
      description = json.path("error_description").asText("");
    } catch (IOException | RuntimeException e) {
      // not JSON: fall through with the status only
    }
    if (error.isEmpty()) {
      return new PermanentDeliveryException(new Diagnosis(AUTH_FAILED,
          "the token endpoint answered HTTP " + status + " without an OAuth error",
          "check myDomain and the connected app's client credentials"));
    }
    if (error.equals("rate_limit_exceeded")) {
      // Salesforce's OAuth error table: "rate_limit_exceeded - Number of logins exceeded". Read as a refusal of the
      // credentials it dead-lettered every lead due for an hour's allowance that other integrations had spent
      return new QuotaExceededException(new Diagnosis(LOGIN_RATE_EXCEEDED, mask(error + ": " + description),
          "wait: leads are held and sent when the Run As user may sign in again (Salesforce allows 3,600 logins per "
              + "user per hour); if it recurs, find what else signs in as that user (Setup > Login History) or give "
              + "this connected app its own Run As user"),
          // the limit counts logins per hour: a longer Retry-After (a gateway's day) need not be waited out, and a
          // zero one would sign in again at once, each try one more login counted
          Objects.requireNonNull(clock, "clock").instant().plus(retryAfter.filter(d -> !d.isZero()
              && d.compareTo(LOGIN_RATE_WAIT) <= 0).orElse(LOGIN_RATE_WAIT)));
    }
    return new PermanentDeliveryException(new Diagnosis(AUTH_FAILED, mask(error + ": " + description),
        authFix(error, description)));
  }

  /**
   * A redirect from myDomain, not followed. A renamed My Domain redirects its old URL to the new one for a while, and a
   * proxy may send a sign-in page: either way the fix is myDomain, and the target (its host only) says which it is.
   */
  private static PermanentDeliveryException redirected(String what, int status, String target, String carries) {
    return new PermanentDeliveryException(new Diagnosis(MY_DOMAIN_UNREACHABLE, what + " answered HTTP " + status
        + " redirecting " + target + " (not followed: the request carries " + carries + ")",
        "set myDomain to the org's current My Domain URL, https://<name>.my.salesforce.com (Setup > My Domain; a "
            + "renamed My Domain redirects its old URL to the new one); a proxy between this server and Salesforce "
            + "must not redirect; then replay the dead letters"));
  }

  private static String authFix(String error, String description) {
    String d = description.toLowerCase(Locale.ROOT);
    if (error.equals("invalid_client_id") || d.contains("client identifier invalid")) {
      return "clientId is not the Consumer Key of a connected app in this org: copy it from the connected app's "
          + "Manage Consumer Details";
    }
    if (error.equals("invalid_client")) {
      return "clientSecret does not match clientId: copy the connected app's Consumer Secret again and update the "
          + "secret";
    }
    if (d.contains("no client credentials user enabled") || error.equals("unsupported_grant_type")) {
      return "enable the Client Credentials Flow on the connected app and choose its Run As user";
    }
    if (d.contains("not supported on this domain")) {
      return "use the org's My Domain URL (https://<name>.my.salesforce.com) as myDomain, not login.salesforce.com";
    }
    if (error.equals("inactive_user")) {
      return "the connected app's Run As user is inactive: activate it (Setup > Users) or choose an active Run As "
          + "user in the connected app's Client Credentials Flow settings, then replay the dead letters";
    }
    if (error.equals("inactive_org")) {
      return "the org is locked, closed or suspended: ask its administrator or Salesforce to reactivate it (or point "
          + "myDomain at the org that should receive the leads), then replay the dead letters";
    }
    if (error.equals("invalid_grant")) {
      return "check the connected app's Run As user is active, has API Enabled, and that IP relaxation allows "
          + "this server";
    }
    return "check the connected app's client credentials settings";
  }

  /**
   * A failure answered by the REST API for a whole request. {@code quotaResumeAt} is when a spent request limit is
   * retried ({@code REQUEST_LIMIT_EXCEEDED}).
   */
  public static DeliveryException apiFailure(int status, String body, Optional<Duration> retryAfter,
      Instant quotaResumeAt) {
    return apiFailure(status, body, retryAfter, quotaResumeAt, "nowhere");
  }

  /**
   * {@link #apiFailure(int, String, Optional, Instant)} knowing where a 3xx pointed ({@link HttpFailures#redirectTarget}):
   * never followed (the request carries the access token and the customer's data), it names the target.
   */
  public static DeliveryException apiFailure(int status, String body, Optional<Duration> retryAfter,
      Instant quotaResumeAt, String redirectTarget) {
    if (HttpFailures.redirected(status) && status != 300) {
      return redirected("the REST API", status, redirectTarget, "the access token and the customer's data");
    }
    List<ApiError> errors = parse(body);
    if (status == 300) {
      return new PermanentDeliveryException(new Diagnosis(EXTERNAL_ID_NOT_UNIQUE,
          "several Leads hold this lead's id in the external id field",
          "make the external id field Unique, then merge or delete the duplicate Leads"));
    }
    if (status == 429) {
      return TransientDeliveryException.throttled("Salesforce answered HTTP 429", retryAfter.orElse(null), null);
    }
    if (errors.isEmpty()) {
      if (HttpFailures.retryLater(status)) {
        return new TransientDeliveryException("Salesforce answered HTTP " + status, retryAfter.orElse(null), null,
            null);
      }
      return new PermanentDeliveryException(new Diagnosis("SALESFORCE_HTTP_" + status,
          "Salesforce answered HTTP " + status + " without an error list",
          "check myDomain and apiVersion (e.g. v62.0)"));
    }
    if (status >= 500 && errors.stream().noneMatch(e -> e.errorCode().equals("REQUEST_LIMIT_EXCEEDED"))) {
      return new TransientDeliveryException(describe(errors) + " (HTTP " + status + ")", retryAfter.orElse(null),
          null, null);
    }
    return classify(errors, retryAfter, quotaResumeAt);
  }

  /** A failure of one record of an sObject Collections request ({@code errors[]} of its result). */
  public static DeliveryException recordFailure(JsonNode errors, Instant quotaResumeAt) {
    List<ApiError> list = parse(errors);
    if (list.isEmpty()) {
      return new PermanentDeliveryException(new Diagnosis("SALESFORCE_RECORD_FAILED",
          "Salesforce reported the record as failed without an error", "look at the Lead in Salesforce"));
    }
    return classify(list, Optional.empty(), quotaResumeAt);
  }

  /**
   * A request that got no answer (connection refused, timeout, DNS): worth retrying; unless the SSRF guard refused
   * the host's address, which is permanent until the URL or DNS changes.
   */
  public static DeliveryException unreachable(String what, IOException e) {
    Optional<BlockedAddressException> blocked = AddressGuard.blockedCause(e);
    if (blocked.isPresent()) {
      return blocked.get().toDeliveryException(BLOCKED_ADDRESS, what, "correct myDomain (or the Web-to-Lead"
          + " endpoint) or the DNS entry of " + blocked.get().host()
          + ": Salesforce is never at such an address; then replay the dead letters");
    }
    Diagnosis hint = e instanceof UnknownHostException
        ? new Diagnosis(MY_DOMAIN_UNREACHABLE, "the host " + e.getMessage() + " does not resolve",
            "check the URL: My Domain looks like https://<name>.my.salesforce.com")
        : null;
    return new TransientDeliveryException(what + " failed: " + HttpFailures.describe(e), null, hint, e);
  }

  /**
   * Classifies an error list as a whole. Salesforce may name several errors for one request or record (two required
   * fields missing, a validation rule and a picklist): each is described and each one's fix given, so one replay after
   * the fixes succeeds. A spent request limit anywhere in the list holds the lead (never dead-lettered), then a
   * transient error retries it; otherwise the first error names the diagnosis code.
   */
  private static DeliveryException classify(List<ApiError> errors, Optional<Duration> retryAfter,
      Instant quotaResumeAt) {
    String all = describe(errors);
    List<ApiError> limits = errors.stream().filter(e -> e.errorCode().equals("REQUEST_LIMIT_EXCEEDED")).toList();
    if (!limits.isEmpty() && limits.stream().allMatch(SalesforceErrors::concurrencyLimit)) {
      return TransientDeliveryException.throttled(all, retryAfter.orElse(CONCURRENT_LIMIT_BACKOFF),
          new Diagnosis(CONCURRENT_REQUEST_LIMIT, all, "none needed: leads wait seconds; if it persists, find what "
              + "runs long API requests in the org (Setup > System Overview) or lower this sink's maxConcurrency"));
    }
    if (!limits.isEmpty()) {
      return new QuotaExceededException(new Diagnosis(REQUEST_LIMIT_EXCEEDED, all,
          "wait: leads are held until the org's rolling 24-hour API limit frees up; or buy more API calls"),
          quotaResumeAt);
    }
    if (errors.stream().anyMatch(e -> TRANSIENT_CODES.contains(e.errorCode()))) {
      return new TransientDeliveryException(all, retryAfter.orElse(null), null, null);
    }
    String fixes = errors.stream().map(SalesforceErrors::fix).distinct().collect(Collectors.joining("; "));
    return new PermanentDeliveryException(new Diagnosis(diagnosisCode(errors.get(0).errorCode()), all, fixes));
  }

  /**
   * A {@code REQUEST_LIMIT_EXCEEDED} about concurrent requests ({@code ConcurrentRequests ...},
   * {@code ConcurrentPerOrgLongTxn ...}) rather than the rolling 24-hour total ({@code TotalRequests Limit
   * exceeded.}): Salesforce names the limit at the start of the message.
   */
  private static boolean concurrencyLimit(ApiError e) {
    return e.message().stripLeading().regionMatches(true, 0, "Concurrent", 0, "Concurrent".length());
  }

  /** Every error of the list, in order, as one line (masked and capped). */
  private static String describe(List<ApiError> errors) {
    return mask(errors.stream().map(SalesforceErrors::describeOne).collect(Collectors.joining("; ")));
  }

  /** {@code SALESFORCE_<ERRORCODE>}, the error code made safe for a diagnosis code. */
  static String diagnosisCode(String errorCode) {
    String c = CODE_CHARS.matcher(errorCode.toUpperCase(Locale.ROOT)).replaceAll("_");
    return "SALESFORCE_" + (c.isEmpty() ? "ERROR" : c);
  }

  private static String fix(ApiError e) {
    // the fields Salesforce listed are the peer's text: masked, one line and capped like its messages
    String fields = e.fields().isEmpty() ? "the fields named" : mask(String.join(", ", e.fields()));
    return switch (e.errorCode()) {
      case "REQUIRED_FIELD_MISSING" -> "send a value for " + fields + " (fields.<leadPart>: <ApiName>) or make "
          + fields + " not required / give it a default value on Lead";
      case "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST" -> "add the value to the picklist " + fields
          + ", set leadSourceValue to an allowed value, or remove the field from the mapping";
      case "FIELD_CUSTOM_VALIDATION_EXCEPTION" -> "a validation rule on Lead refused the lead: change the rule "
          + "(e.g. exempt the integration user) or send the field it needs";
      case "DUPLICATES_DETECTED" -> "a duplicate rule whose action is Block refused this lead"
          + (e.duplicateRule().isEmpty() ? "" : " (" + e.duplicateRule() + ")") + " (the sink already "
          + "acknowledges the alerts of Allow rules): in Setup > Duplicate Rules set "
          + (e.duplicateRule().isEmpty() ? "the rule's" : e.duplicateRule() + "'s") + " action on create to Allow, "
          + "or leave the integration user out of its conditions; or use match: email to update the customer's "
          + "existing Lead instead, or merge the lead into the existing record named; then replay the dead letters";
      case "INVALID_FIELD", "INVALID_FIELD_FOR_INSERT_UPDATE", "NOT_FOUND" -> "a mapped field or the external id "
          + "field does not exist on Lead or is not writable: check fields.* and externalIdField against Lead's "
          + "API names";
      case "INSUFFICIENT_ACCESS_OR_READONLY", "INSUFFICIENT_ACCESS", "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY" ->
          "give the connected app's Run As user create and edit on Lead and edit on the mapped fields";
      case "API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED" -> "use an edition with API access or enable API for "
          + "the Run As user's profile";
      case "STRING_TOO_LONG" -> "shorten the value or lengthen the field " + fields;
      case "INVALID_EMAIL_ADDRESS" -> "the lead's e-mail is not valid for Salesforce: correct it and replay";
      case "FIELD_INTEGRITY_EXCEPTION" -> "a value is not accepted by " + fields + " (with State and Country "
          + "picklists, map country to CountryCode)";
      default -> "see Salesforce's message and fix the Lead configuration, then replay";
    };
  }

  private static String describeOne(ApiError e) {
    String base = e.errorCode() + ": " + e.message();
    return e.fields().isEmpty() ? base : base + " (fields: " + String.join(", ", e.fields()) + ")";
  }

  /**
   * Masks e-mail addresses, makes the text one line and caps its length ({@link Bodies#quote}), so a destination's
   * message is safe to log: a line break in it (CR, LF, NEL, U+2028...) would forge a log line.
   */
  public static String mask(String text) {
    if (text == null) {
      return "";
    }
    Matcher m = EMAIL.matcher(text);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(Pii.maskEmail(m.group())));
    }
    m.appendTail(sb);
    return Bodies.quote(sb.toString(), MAX_MESSAGE);
  }

  /**
   * The existing records a duplicate rule matched ({@code matchResults[].matchRecords[].record}), e.g.
   * {@code ; existing Lead 00Q5e00000AbCdEEAZ}: what the user looks at to merge or to judge the rule. Ids only (no
   * field values: they may be the customer's), at most {@link #MAX_DUPLICATES_NAMED}, then a count.
   */
  private static String duplicatesOf(JsonNode dup) {
    List<String> named = new ArrayList<>();
    int more = 0;
    for (JsonNode match : dup.path("matchResults")) {
      String type = match.path("entityType").asText("");
      for (JsonNode r : match.path("matchRecords")) {
        String id = r.path("record").path("Id").asText("");
        if (!RECORD_ID.matcher(id).matches()) {
          continue;
        }
        String recordType = r.path("record").path("attributes").path("type").asText(type);
        if (named.size() < MAX_DUPLICATES_NAMED) {
          named.add((recordType.matches("[A-Za-z0-9_]{1,40}") ? recordType + " " : "") + id);
        } else {
          more++;
        }
      }
    }
    return named.isEmpty() ? "" : "; existing " + String.join(", ", named) + (more > 0 ? " and " + more + " more" : "");
  }

  private static List<ApiError> parse(String body) {
    try {
      return parse(MAPPER.readTree(body));
    } catch (IOException | RuntimeException e) {
      return List.of();
    }
  }

  private static List<ApiError> parse(JsonNode json) {
    List<ApiError> out = new ArrayList<>();
    if (json == null) {
      return out;
    }
    JsonNode list = json.isArray() ? json : json.path("errors");
    for (JsonNode e : list) {
      // REST errors name the code errorCode; sObject Collections results name it statusCode
      String code = e.path("errorCode").asText(e.path("statusCode").asText(""));
      if (code.isEmpty()) {
        continue;
      }
      List<String> fields = new ArrayList<>();
      e.path("fields").forEach(f -> fields.add(f.asText()));
      String message = e.path("message").asText("");
      JsonNode dup = e.path("duplicateResult");
      String rule = "";
      if (dup.isObject()) {
        // the duplicate rule's own message says which rule and why; the top message is a generic prompt
        String named = dup.path("duplicateRule").asText("");
        rule = RULE_NAME.matcher(named).matches() ? named : "";
        message = message + " (duplicate rule " + (named.isEmpty() ? "?" : named) + ": "
            + dup.path("errorMessage").asText("") + duplicatesOf(dup) + ")";
      }
      out.add(new ApiError(code, message, List.copyOf(fields), rule));
    }
    return out;
  }
}
