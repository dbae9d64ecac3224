package io.leadrouter.marketo;

import io.leadrouter.http.Bodies;
import io.leadrouter.LeadFlag;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
import io.leadrouter.spi.TransientDeliveryException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Objects;
import java.util.Optional;

/**
 * Turns Marketo's answers into {@link DeliveryException}s with stable {@link Diagnosis} codes. Marketo reports most
 * errors inside HTTP 200 bodies ({@code "success":false, "errors":[{"code","message"}]}) and per record
 * ({@code "status":"skipped", "reasons":[...]}); see
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes. The codes are listed in the
 * module's README.
 */
public final class MarketoErrors {
  /** The identity endpoint refused the client id or secret (HTTP 401 and other 4xx of the identity endpoint). */
  public static final String AUTH_FAILED = "MARKETO_AUTH_FAILED";
  /** 601/602 again right after a token refresh. */
  public static final String TOKEN_REJECTED = "MARKETO_TOKEN_REJECTED";
  /** 603: the API-only user lacks a permission, or the caller's IP is not allowlisted. */
  public static final String ACCESS_DENIED = "MARKETO_ACCESS_DENIED";
  /** 606: more than 100 calls in 20 seconds. */
  public static final String RATE_LIMITED = "MARKETO_RATE_LIMITED";
  /** 607: the subscription's daily API quota is spent. */
  public static final String DAILY_QUOTA = "MARKETO_DAILY_QUOTA";
  /** This sink's own {@code dailyCallLimit} is spent for the day (a quota: leads wait). */
  public static final String DAILY_CALL_CAP = "MARKETO_DAILY_CALL_CAP";
  /** 615: more than 10 calls in flight. */
  public static final String CONCURRENCY_LIMIT = "MARKETO_CONCURRENCY_LIMIT";
  /** 604, 608, 611, 614, 713, 719, 502, HTTP 5xx or no answer: Marketo is busy or down. */
  public static final String UNAVAILABLE = "MARKETO_UNAVAILABLE";
  /** The host is, or resolves to, a cloud metadata, link-local or unspecified address (SSRF guard). */
  public static final String BLOCKED_ADDRESS = "MARKETO_BLOCKED_ADDRESS";
  /** 610, HTTP 404 or a redirect (3xx, never followed): the endpoint or identity URL is wrong. */
  public static final String ENDPOINT_NOT_FOUND = "MARKETO_ENDPOINT_NOT_FOUND";
  /** Another response-level error (605, 609, 612, 7xx...): the request itself was refused. */
  public static final String REQUEST_REJECTED = "MARKETO_REQUEST_REJECTED";
  /** HTTP 413 for a single lead: the lead alone exceeds Marketo's 1 MB request limit. */
  public static final String LEAD_TOO_LARGE = "MARKETO_LEAD_TOO_LARGE";
  /** The lead has no value for the lookup field (e.g. an anonymous lead under lookup {@code email}). */
  public static final String NO_LOOKUP_VALUE = "MARKETO_NO_LOOKUP_VALUE";
  /** The lookup field is the e-mail and the lead's e-mail is no address (intake's {@code EMAIL_INVALID} flag). */
  public static final String INVALID_EMAIL = "MARKETO_INVALID_EMAIL";
  /** 1003: invalid data for the field or the action. */
  public static final String INVALID_DATA = "MARKETO_INVALID_DATA";
  /**
   * 1004 "Lead not found": mode {@code update-only} (Sync Leads {@code updateOnly}) and no Marketo lead has this
   * lead's lookup value; the diagnosis names the match key and the value (an e-mail masked).
   */
  public static final String NO_MATCHING_RECORD = "MARKETO_NO_MATCHING_RECORD";
  /**
   * 1004 before sync modes; Marketo answers 1004 only to {@code updateOnly}, now reported as
   * {@link #NO_MATCHING_RECORD}.
   *
   * @deprecated no failure carries this code any more; match on {@link #NO_MATCHING_RECORD}
   */
  @Deprecated
  public static final String LEAD_NOT_FOUND = "MARKETO_LEAD_NOT_FOUND";
  /**
   * 1005 "Lead already exists" outside mode {@code create} (Marketo sends it only to {@code createOnly}, where it means
   * "delivered, unchanged": {@link io.leadrouter.spi.DeliveryOutcome#UNCHANGED}, no failure).
   */
  public static final String LEAD_ALREADY_EXISTS = "MARKETO_LEAD_ALREADY_EXISTS";
  /**
   * Marketo's record-level reason for {@code updateOnly} finding no lead: "1004 Lead not found" (Adobe, Marketo REST
   * API "Error Codes" > "Record-Level Errors",
   * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes).
   */
  static final String LEAD_NOT_FOUND_CODE = "1004";
  /**
   * Marketo's record-level reason for {@code createOnly} finding the lead already there: "1005 Lead already exists"
   * (same table).
   */
  static final String LEAD_EXISTS_CODE = "1005";
  /** 1006: a mapped Marketo field does not exist (also reported by {@code verify()}). */
  public static final String FIELD_NOT_FOUND = "MARKETO_FIELD_NOT_FOUND";
  /**
   * {@code verify()}: Marketo's {@code unsubscribed} field, which a do-not-contact lead sets, is missing or read-only
   * for the API user, so such leads would be skipped.
   */
  public static final String OPT_OUT_FIELD_MISSING = "MARKETO_OPT_OUT_FIELD_MISSING";
  /** 1007: several Marketo leads match the lookup value. */
  public static final String MULTIPLE_LEADS_MATCH = "MARKETO_MULTIPLE_LEADS_MATCH";
  /**
   * Response-level 1016 "Too many imports", 1019 "Import in progress" or 1029 "Too many jobs in queue" / "Job already
   * queued": the subscription's queue is full for now (Adobe's record-level table: "A maximum of 10 is allowed",
   * "a maximum of 10 bulk extract jobs in the queue"); a throttle, leads wait and are sent when it drains.
   */
  public static final String QUEUE_FULL = "MARKETO_QUEUE_FULL";
  /**
   * Response-level 1029 "Export daily quota exceeded" or 1020 "Too many clones to program": a daily allowance that
   * "resets daily at 12:00AM CST"; a quota, leads wait for the reset.
   */
  public static final String DAILY_ALLOWANCE = "MARKETO_DAILY_ALLOWANCE";
  /** Another record-level reason: the lead was skipped. */
  public static final String RECORD_SKIPPED = "MARKETO_RECORD_SKIPPED";
  /** Marketo's answer could not be understood (not JSON, results missing). */
  public static final String UNEXPECTED_RESPONSE = "MARKETO_UNEXPECTED_RESPONSE";

  /**
   * Marketo's daily quota resets "at midnight central time": Adobe's knowledge-base answer "Daily API Limit Has Been
   * Reached and Need to Know When It Will Reset"
   * (https://experienceleague.adobe.com/en/docs/experience-cloud-kcs/kbarticles/ka-29461) gives the reset as 10:00 PM
   * Pacific, 11:00 PM Mountain, 12:00 AM Central, 01:00 AM Eastern, wall-clock times that hold all year only in the
   * US zones with daylight saving time: the Central zone's midnight, 06:00 UTC in winter (CST) and 05:00 UTC in
   * summer (CDT). (The REST API page's "12:00AM CST" names the zone by its winter abbreviation.) Should a subscription
   * reset an hour later in summer, the probe at 05:00 UTC meets a 607 and the next one comes an hour later
   * ({@link #QUOTA_REPROBE}): one call, and no lead waits longer than needed.
   */
  public static final ZoneId QUOTA_TIME_ZONE = ZoneId.of("America/Chicago");
  /**
   * Central Standard Time, UTC-6: the quota's reset in winter only.
   *
   * @deprecated the quota resets at the Central zone's midnight, which is UTC-5 in summer: use
   *     {@link #QUOTA_TIME_ZONE}
   */
  @Deprecated
  public static final ZoneOffset QUOTA_ZONE = ZoneOffset.ofHours(-6);
  /**
   * A spent quota is probed again at least this often, not parked a whole day: an administrator may raise the
   * quota, and a 607 just after the reset (Marketo's clock, ours) is only late.
   */
  public static final Duration QUOTA_REPROBE = Duration.ofHours(1);
  /** Marketo's rate-limit window: at most 100 calls in any 20 s (a rolling window). */
  public static final Duration RATE_WINDOW = Duration.ofSeconds(20);
  /** How long to wait after a 615 before trying again (calls finish within seconds). */
  public static final Duration CONCURRENCY_BACKOFF = Duration.ofSeconds(2);

  private static final String CREDENTIALS_FIX = "check clientId and clientSecret: copy them from Admin > Integration"
      + " > LaunchPoint > (the custom service) > View Details, and check that its API-only user is active";

  private MarketoErrors() {}

  /**
   * The next midnight in {@link #QUOTA_TIME_ZONE} (America/Chicago) after {@code clock}'s now: when Marketo's daily
   * quota resets. Days of 23 and 25 hours (March, November) come from the zone's rules; midnight itself always
   * exists there (the clocks change at 2:00 AM).
   */
  public static Instant nextQuotaReset(Clock clock) {
    Objects.requireNonNull(clock, "clock");
    LocalDate today = clock.instant().atZone(QUOTA_TIME_ZONE).toLocalDate();
    return today.plusDays(1).atStartOfDay(QUOTA_TIME_ZONE).toInstant();
  }

  /**
   * When to try again after a 607: the next reset, or {@link #QUOTA_REPROBE} from now if that comes first (one
   * probe call an hour costs nothing against a quota of thousands, and finds a raised or late-reset quota).
   */
  public static Instant quotaResume(Clock clock) {
    Instant reset = nextQuotaReset(clock);
    Instant probe = clock.instant().plus(QUOTA_REPROBE);
    return probe.isBefore(reset) ? probe : reset;
  }

  /**
   * A response-level error ({@code "success":false}) as a delivery failure. {@code 601}/{@code 602} reach here only
   * after the one refresh-and-retry, and become transient.
   *
   * @param code Marketo's error code, e.g. {@code 606}
   * @param message Marketo's message
   * @param clock tells when a spent daily quota resets
   */
  public static DeliveryException responseError(String code, String message, Clock clock) {
    Objects.requireNonNull(code, "code");
    String msg = "Marketo error " + code + ": " + Objects.requireNonNullElse(message, "");
    return switch (code) {
      case "601", "602" -> new TransientDeliveryException(msg + " (again after a token refresh)", null,
          new Diagnosis(TOKEN_REJECTED, msg, "if this persists, " + CREDENTIALS_FIX), null);
      case "603" -> new PermanentDeliveryException(new Diagnosis(ACCESS_DENIED, msg,
          "give the API-only user's role the 'Read-Write Lead' permission (Admin > Users & Roles), and if 'IP"
              + " Restrictions' are on, allowlist this server's IP"));
      // No wait is named: the limit is a rolling window (100 calls in any 20 s, Adobe's "Error Codes" and "Rate
      // Limits" pages), so slots free up continuously. Naming the whole window as a wait held every call of the
      // destination for it (clamped to maxRetryAfter), and the paced-by-holds drain reached 47 % of what the
      // subscription allowed; unnamed, the router finds the pace the subscription accepts (AdaptiveRate).
      case "606" -> TransientDeliveryException.throttled(msg, null, new Diagnosis(RATE_LIMITED, msg,
          "Marketo allows 100 calls per 20 s per subscription; lower this sink's rate limit if other integrations"
              + " share the subscription"));
      case "607" -> new QuotaExceededException(new Diagnosis(DAILY_QUOTA, msg,
          "wait for the reset at midnight US Central time (held leads are delivered then), or ask Marketo for a higher"
              + " daily API quota"), quotaResume(clock));
      case "615" -> TransientDeliveryException.throttled(msg, CONCURRENCY_BACKOFF, new Diagnosis(CONCURRENCY_LIMIT,
          msg, "Marketo allows 10 concurrent calls per subscription; lower this sink's concurrency if other"
              + " integrations share the subscription"));
      case "502", "604", "608", "611", "614", "713", "719" -> new TransientDeliveryException(msg, null,
          new Diagnosis(UNAVAILABLE, msg, "none needed if it passes; if it persists, check https://status.adobe.com"),
          null);
      case "610" -> new PermanentDeliveryException(new Diagnosis(ENDPOINT_NOT_FOUND, msg, urlFix("endpoint")));
      // 1xxx are record-level codes (Adobe, "Error Codes" > "Record-Level Error Codes"); in the errors array they refuse
      // the whole call. The subscription's queues and daily allowances clear by themselves: no lead is at fault
      case "1016", "1019" -> queueFull(msg);
      case "1029" -> Objects.requireNonNullElse(message, "").toLowerCase(java.util.Locale.ROOT).contains("quota")
          ? dailyAllowance(msg, clock) : queueFull(msg);
      case "1020" -> dailyAllowance(msg, clock);
      default -> code.startsWith("1") ? callRefused(code, message)
          : new PermanentDeliveryException(new Diagnosis(REQUEST_REJECTED, msg,
              "Marketo refused the request; check the sink's settings (mode, formId, lookupField, mapping) and"
                  + " report it if they are right"));
    };
  }

  private static TransientDeliveryException queueFull(String msg) {
    return TransientDeliveryException.throttled(msg, null, new Diagnosis(QUEUE_FULL, msg, "none needed: leads are "
        + "sent when the subscription's queue drains; if it lasts, check which integration fills Marketo's import or "
        + "export queue"));
  }

  private static QuotaExceededException dailyAllowance(String msg, Clock clock) {
    return new QuotaExceededException(new Diagnosis(DAILY_ALLOWANCE, msg, "wait for the reset at midnight US Central "
        + "time (held leads are delivered then), or ask Marketo to raise the allowance"), quotaResume(clock));
  }

  /**
   * A record-level code (1003, 1006, 1007...) in the response's errors array: Marketo refused the whole call, and no
   * lead of it was written. Permanent for a call of one lead, with the record-level code's diagnosis; a call of several
   * is split by the sink so that one lead's fault fails that lead alone.
   */
  public static PermanentDeliveryException callRefused(String code, String message) {
    Objects.requireNonNull(code, "code");
    Diagnosis d = recordSkipped(code, message).diagnosisValue();
    String msg = "Marketo refused the call: " + code + " " + Objects.requireNonNullElse(message, "")
        + " (a response-level error: no lead of the call was written)";
    return new PermanentDeliveryException(new Diagnosis(d.code(), msg, d.remediation()));
  }

  /** A record-level {@code skipped} reason for one lead, as a permanent failure of that lead alone. */
  public static PermanentDeliveryException recordSkipped(String code, String message) {
    Objects.requireNonNull(code, "code");
    String msg = "Marketo skipped the lead: " + code + " " + Objects.requireNonNullElse(message, "");
    Diagnosis d = switch (code) {
      case "1003" -> new Diagnosis(INVALID_DATA, msg,
          "a mapped value does not fit its Marketo field's type or the action; check the field types in Admin >"
              + " Field Management and the mapping");
      case LEAD_NOT_FOUND_CODE -> new Diagnosis(NO_MATCHING_RECORD, msg,
          "no Marketo lead matched the lookup value; use mode upsert, which creates missing leads");
      case LEAD_EXISTS_CODE -> new Diagnosis(LEAD_ALREADY_EXISTS, msg,
          "a Marketo lead already has this lookup value; use mode upsert, which updates it");
      case "1006" -> new Diagnosis(FIELD_NOT_FOUND, msg,
          "create the field in Marketo (Admin > Field Management) or fix the mapping / leadIdField setting;"
              + " run verify to list every missing field");
      case "1007" -> new Diagnosis(MULTIPLE_LEADS_MATCH, msg,
          "several Marketo leads share this lookup value: merge the duplicates in Marketo, or look leads up by a"
              + " unique field (leadIdField + lookupField)");
      default -> new Diagnosis(RECORD_SKIPPED, msg, "see Marketo's error-code list for " + code
          + " and correct the lead's data or the mapping");
    };
    return new PermanentDeliveryException(d);
  }

  /**
   * Marketo skipped a lead with 1004 "Lead not found": mode {@code update-only} and no Marketo lead has this lookup
   * value. Permanent for this lead (a retry finds nothing either); replayable once the person exists.
   *
   * @param mode the sink's mode (update-only when Marketo sends 1004)
   * @param lookupName the match key as shown to users, e.g. {@code e-mail (email)}
   * @param shownValue the lookup value as it may be shown (an e-mail masked), if it may be shown
   * @param message Marketo's message, already masked
   */
  public static PermanentDeliveryException noMatchingRecord(MarketoConfig.Mode mode, String lookupName,
      Optional<String> shownValue, String message) {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(lookupName, "lookupName");
    String detail = "no Marketo lead has this lead's " + lookupName + shownValue.map(v -> " " + v).orElse("")
        + " and mode " + mode.key() + " never creates one (Marketo " + LEAD_NOT_FOUND_CODE + " "
        + Objects.requireNonNullElse(message, "") + ")";
    return new PermanentDeliveryException(new Diagnosis(NO_MATCHING_RECORD, detail,
        "create the person in Marketo first (or let another integration do it), or set mode: upsert so missing"
            + " people are created; check that match (the lookup field) names the key your Marketo leads carry;"
            + " then replay the dead letter"));
  }

  /** A lead without a value for the lookup field; Marketo would reject or mis-merge it. */
  public static PermanentDeliveryException noLookupValue(String lookupField) {
    return new PermanentDeliveryException(new Diagnosis(NO_LOOKUP_VALUE,
        "the lead has no value for the lookup field '" + lookupField + "' (anonymous leads, e.g. from .edu"
            + " customers, carry no e-mail)",
        "set leadIdField to a custom Marketo field and lookupField to the same field, so leads without e-mail are"
            + " matched by their lead id; or accept that anonymous leads are not sent to Marketo"));
  }

  /**
   * The lookup field is the e-mail and intake flagged this lead's e-mail as no address ({@code EMAIL_INVALID}): it
   * cannot identify the person in Marketo. Fails this destination only; the lead is kept as received.
   */
  public static PermanentDeliveryException invalidLookupEmail(String lookupField, LeadFlag flag) {
    return new PermanentDeliveryException(new Diagnosis(INVALID_EMAIL,
        flag.path() + " cannot be the lookup value '" + lookupField + "': " + flag.message(),
        "the address cannot be corrected here (the marketplace does not resend): contact the customer through the "
            + "marketplace, or set leadIdField and lookupField to a custom field so such leads are matched by their "
            + "lead id, then replay the dead letters"));
  }

  /** HTTP 413 for a lone lead: it cannot be split further. */
  public static PermanentDeliveryException leadTooLarge(int status) {
    return new PermanentDeliveryException(new Diagnosis(LEAD_TOO_LARGE,
        "Marketo answered HTTP " + status + " for a single lead (requests are limited to 1 MB)",
        "shorten the lead's longest values (usually description) or unmap that field"));
  }

  /**
   * A non-200 HTTP answer from the REST endpoint (413/414 are handled by splitting before this).
   *
   * @param status the HTTP status
   * @param snippet the start of the body, already free of secrets
   * @param retryAfter the {@code Retry-After} header, if sent
   */
  public static DeliveryException httpStatus(int status, String snippet, Optional<Duration> retryAfter) {
    if (status == 401 || status == 403) {
      // the sign-in worked (the call carries the identity endpoint's token), and Marketo's REST API answers token and
      // permission problems as 601/602/603 inside an HTTP 200 (Adobe, "Error Codes": in normal operation its only
      // HTTP errors are 413 and 414): an HTTP refusal comes from something else at that URL. "Check clientId and
      // clientSecret" sent users to settings the identity endpoint had just accepted
      String msg = "Marketo REST endpoint answered HTTP " + status + (snippet.isBlank() ? "" : ": " + snippet);
      return new PermanentDeliveryException(new Diagnosis(REQUEST_REJECTED, msg, "the credentials were accepted "
          + "(the identity endpoint gave a token) and Marketo reports its own refusals inside an HTTP 200, so this "
          + "came from something else: set endpoint to the REST API endpoint from Admin > Integration > Web Services, "
          + "e.g. https://123-ABC-456.mktorest.com/rest, check that no proxy or firewall between this server and "
          + "Marketo refuses the request; then replay the dead letters"));
    }
    return statusError("Marketo", "endpoint", status, snippet, retryAfter, REQUEST_REJECTED);
  }

  /**
   * A non-200 answer from the identity endpoint: 401 (Marketo's answer to bad credentials, body
   * {@code {"error":"unauthorized","error_description":"Bad client credentials"}}) and other 4xx are permanent.
   */
  public static DeliveryException identityStatus(int status, String error, Optional<Duration> retryAfter) {
    return statusError("Marketo identity endpoint", "identity", status, error, retryAfter, AUTH_FAILED);
  }

  private static DeliveryException statusError(String who, String setting, int status, String detail,
      Optional<Duration> retryAfter, String otherwise) {
    String msg = who + " answered HTTP " + status + (detail.isBlank() ? "" : ": " + detail);
    if (status == 404) {
      return new PermanentDeliveryException(new Diagnosis(ENDPOINT_NOT_FOUND, msg, urlFix(setting)));
    }
    if (status == 429) {
      return TransientDeliveryException.throttled(msg, retryAfter.orElse(null), new Diagnosis(RATE_LIMITED, msg,
          "none needed: the sink slows down; lower its rate limit if other integrations share the subscription"));
    }
    if (HttpFailures.retryLater(status)) {
      return new TransientDeliveryException(msg, retryAfter.orElse(null), new Diagnosis(UNAVAILABLE, msg,
          "none needed if it passes; if it persists, check https://status.adobe.com"), null);
    }
    return new PermanentDeliveryException(new Diagnosis(otherwise, msg, otherwise.equals(AUTH_FAILED)
        ? CREDENTIALS_FIX : "Marketo refused the request; check the " + setting + " setting and report it if it is"
            + " right"));
  }

  /**
   * A 3xx from the identity or REST endpoint: never followed (the identity request carries the client secret, a REST
   * call the token and the customer's data); the URL setting is wrong, or a proxy answers for Marketo.
   *
   * @param who e.g. {@code "Marketo identity endpoint"}
   * @param setting {@code identity} or {@code endpoint}
   * @param status the 3xx status
   * @param target where it pointed, from {@link HttpFailures#redirectTarget} (the host only)
   */
  public static PermanentDeliveryException redirected(String who, String setting, int status, String target) {
    return new PermanentDeliveryException(new Diagnosis(ENDPOINT_NOT_FOUND, who + " answered HTTP " + status
        + " redirecting " + target + " (redirects are not followed)", urlFix(setting)
        + "; a proxy between this server and Marketo must not redirect; then replay the dead letters"));
  }

  private static String urlFix(String setting) {
    return "set " + setting + " to the " + (setting.equals("identity") ? "Identity URL" : "REST API endpoint")
        + " from Admin > Integration > Web Services, e.g. https://123-ABC-456.mktorest.com/"
        + (setting.equals("identity") ? "identity" : "rest");
  }

  /** An answer that is not the JSON Marketo documents; transient, as the upsert is safe to repeat. */
  public static TransientDeliveryException unexpected(String what) {
    String msg = "unexpected answer from Marketo: " + what;
    return new TransientDeliveryException(msg, null, new Diagnosis(UNEXPECTED_RESPONSE, msg,
        "check that endpoint points at Marketo's REST API; report it if it persists"), null);
  }

  /**
   * A 200 from the identity endpoint without a usable token ({@code what}: {@code ClientCredentialsGrant.unusable}),
   * transient. As {@link #unexpected} it told the reader to check {@code endpoint}, the REST setting, and quoted the
   * body, which may be a token answer.
   */
  public static TransientDeliveryException identityUnusable(String what) {
    String msg = "Marketo identity endpoint answered 200 with " + what + ", not a token";
    return new TransientDeliveryException(msg, null, new Diagnosis(UNEXPECTED_RESPONSE, msg,
        urlFix("identity") + "; check that no proxy or captive portal between this server and Marketo answers in"
            + " its place; leads are retried meanwhile"), null);
  }

  /**
   * No answer (connection refused, timeout...), transient; or the SSRF guard refused the address of
   * {@code setting}, permanent. {@code detail} must already be free of secrets.
   */
  public static DeliveryException unreachable(String what, String setting, String detail, Throwable safeCause) {
    Optional<BlockedAddressException> blocked = AddressGuard.blockedCause(safeCause);
    if (blocked.isPresent()) {
      return blocked.get().toDeliveryException(BLOCKED_ADDRESS, what, "correct " + setting + " or the DNS entry of "
          + blocked.get().host() + ": Marketo is never at such an address; then replay the dead letters");
    }
    // one bounded line: OkHttp quotes the peer's own text in some failures (a garbage status line, up to 256 KiB)
    String msg = what + " unreachable: " + Bodies.quote(detail);
    return new TransientDeliveryException(msg, null, new Diagnosis(UNAVAILABLE, msg,
        "check the network and the " + what + " URL; none needed if it passes"), safeCause);
  }
}
