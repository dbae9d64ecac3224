package io.leadrouter.dynamics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.dynamics.internal.LeadMapper;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns answers of the Microsoft Entra token endpoint and of the Dataverse Web API into {@link DeliveryException}s
 * with the stable {@link Diagnosis} codes of DOMAIN.md's Dynamics table. Entra errors look like
 * {@code {"error":"invalid_client","error_description":"AADSTS7000215: ...","error_codes":[7000215]}}; Dataverse
 * errors like {@code {"error":{"code":"0x80042F09","message":"SecLib::RetrievePrivilegeForUser failed ..."}}}.
 */
public final class DynamicsErrors {
  /** Sign-in failed for the app, or the app is not a user of the instance. */
  public static final String SIGN_IN_FAILED = "DYNAMICS_SIGN_IN_FAILED";
  /** The host is, or resolves to, a cloud metadata, link-local or unspecified address (SSRF guard). */
  public static final String BLOCKED_ADDRESS = "DYNAMICS_BLOCKED_ADDRESS";
  /** The application user may not create leads (or set {@code leadsourcecode}). */
  public static final String NO_CREATE_PRIVILEGE = "DYNAMICS_NO_CREATE_PRIVILEGE";
  /** {@code AADSTS90002}: the tenant does not exist. */
  public static final String TENANT_NOT_FOUND = "DYNAMICS_TENANT_NOT_FOUND";
  /** {@code 0x80042F09}: the application user has no security role. */
  public static final String NO_ROLES = "DYNAMICS_NO_ROLES";
  /** {@code AADSTS700016}: the client id is not registered in the tenant. */
  public static final String APP_NOT_FOUND = "DYNAMICS_APP_NOT_FOUND";
  /** {@code AADSTS900023}: the tenant is neither a GUID nor a domain. */
  public static final String INVALID_TENANT_FORMAT = "DYNAMICS_INVALID_TENANT_FORMAT";
  /** {@code AADSTS7000215} / {@code AADSTS7000222}: the client secret is wrong or expired. */
  public static final String INVALID_CLIENT_SECRET = "DYNAMICS_INVALID_CLIENT_SECRET";
  /**
   * {@code AADSTS500011}: Entra knows no resource for the scope {@code <instanceUrl>/.default} in the tenant, so the
   * instance URL names no Dataverse environment of that tenant (a mistyped org name, another tenant's environment).
   */
  public static final String INSTANCE_NOT_IN_TENANT = "DYNAMICS_INSTANCE_NOT_IN_TENANT";
  /** {@code AADSTS7000112}: the app registration (its enterprise application) is disabled in the tenant. */
  public static final String APP_DISABLED = "DYNAMICS_APP_DISABLED";
  /** Requests to the instance keep timing out: the instance URL is probably wrong. */
  public static final String INSTANCE_UNREACHABLE = "DYNAMICS_INSTANCE_UNREACHABLE";
  /** Dataverse rejected the lead for another reason (a mapped column that does not exist, a bad value...). */
  public static final String REQUEST_REJECTED = "DYNAMICS_REQUEST_REJECTED";
  /**
   * {@code verify()}: the Lead table lacks an opt-out column a do-not-contact lead sets ({@code donotemail},
   * {@code donotphone}, {@code donotbulkemail}), so such leads would be refused.
   */
  public static final String OPT_OUT_COLUMN_MISSING = "DYNAMICS_OPT_OUT_COLUMN_MISSING";
  /**
   * A value of this lead is longer than its Lead column allows (Dataverse's "The length of the '...' attribute of the
   * 'lead' entity exceeded the maximum allowed length"); this destination only fails, the value is never cut.
   */
  public static final String VALUE_TOO_LONG = "DYNAMICS_VALUE_TOO_LONG";
  /** Dataverse throttled the application user (429); attached to the transient failure. */
  public static final String THROTTLED = "DYNAMICS_THROTTLED";

  static final String FIX_OPT_OUT = "restore the standard opt-out columns (donotemail, donotphone, donotbulkemail) "
      + "on Lead and make them writable by the application user, then replay the dead letters";
  static final String FIX_SIGN_IN = "check the account and that the app is granted access to the instance: add it "
      + "as an application user of the environment (Power Platform admin center > Users > App users)";
  static final String FIX_NO_CREATE = "give the application user a security role with create on Lead (the "
      + "documented \"Microsoft Marketplace Lead Writer\" role)";
  static final String FIX_NO_ROLES = "assign a security role to the application user (Power Platform admin center "
      + "> Users > App users > Manage roles)";
  static final String FIX_SECRET = "create a new client secret (Certificates & secrets; copy its Value, not its "
      + "ID) and update the config";
  static final String FIX_UNREACHABLE = "the instance URL is wrong or unreachable: use https://<org>.crm.dynamics.com";
  static final String FIX_REJECTED = "check the column mapping and the lead's values against the Lead table";
  static final String FIX_NOT_DATAVERSE = "the answer did not come from Dataverse, which answers errors as JSON: "
      + "check that instanceUrl is https://<org>.crm.dynamics.com and that no proxy or firewall between this server "
      + "and it refuses the request; then replay the dead letters";

  /** The Entra sign-in errors told apart, by AADSTS number; any other is {@link #SIGN_IN_FAILED}. */
  private static final Map<Long, Known> SIGN_IN_ERRORS = Map.of(
      90002L, new Known(TENANT_NOT_FOUND, "the tenant id is wrong or deleted: copy it from the Microsoft Entra ID "
          + "overview page (Directory (tenant) ID)"),
      700016L, new Known(APP_NOT_FOUND, "the client id is not registered in that tenant: copy the Application "
          + "(client) ID of the app registration in this tenant"),
      900023L, new Known(INVALID_TENANT_FORMAT, "the tenant must be a GUID or a verified domain, e.g. "
          + "contoso.onmicrosoft.com"),
      7000215L, new Known(INVALID_CLIENT_SECRET, FIX_SECRET),
      7000222L, new Known(INVALID_CLIENT_SECRET, FIX_SECRET),
      // "InvalidResourceServicePrincipalNotFound": the scope is <instanceUrl>/.default, so the resource Entra did not
      // find is the instance; the general fix (add an application user) sent users to a setting that was right
      500011L, new Known(INSTANCE_NOT_IN_TENANT, "instanceUrl names no Dataverse environment of this tenant: copy "
          + "the Environment URL (Power Platform admin center > Environments > the environment), e.g. "
          + "https://contoso.crm.dynamics.com, and check that tenantId is the tenant that environment belongs to; "
          + "then replay the dead letters"),
      // "UnauthorizedClientApplicationDisabled - The application is disabled."
      7000112L, new Known(APP_DISABLED, "enable the app in this tenant (Microsoft Entra admin center > Enterprise "
          + "applications > the app > Properties > Enabled for users to sign in: Yes), then replay the dead letters"));

  /**
   * AADSTS numbers Entra's error reference describes as temporary, whatever OAuth {@code error} and status carry them
   * (learn.microsoft.com/entra/identity-platform/reference-error-codes): 90006 "ExternalServerRetryableError - The
   * service is temporarily unavailable", 90033 "MsodsServiceUnavailable", and the two that ask for fewer requests,
   * {@link #THROTTLING_AADSTS}. Read as permanent sign-in failures, one hiccup of Entra dead-lettered every lead due.
   */
  private static final java.util.Set<Long> TRANSIENT_AADSTS = java.util.Set.of(90006L, 90033L, 90055L, 50196L);
  /**
   * 90055 "TenantThrottlingError - There are too many incoming requests" and 50196 "LoopDetected" (too many of the
   * same request in too short a period): Entra is up and asks for fewer token requests.
   */
  private static final java.util.Set<Long> THROTTLING_AADSTS = java.util.Set.of(90055L, 50196L);

  /**
   * OAuth {@code error} values Entra documents as temporary, to be retried: {@code temporarily_unavailable} ("The server
   * is temporarily too busy to handle the request") and {@code server_error} ("The server encountered an unexpected
   * error").
   */
  private static final java.util.Set<String> RETRY_ERRORS = java.util.Set.of("temporarily_unavailable",
      "server_error");
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern AADSTS = Pattern.compile("AADSTS(\\d+)");
  private static final Pattern TOO_LONG = Pattern.compile("length of the '([A-Za-z0-9_]+)' attribute of the '[a-z0-9_]+' "
      + "entity exceeded the maximum allowed length of '(\\d+)'");
  private static final Pattern PRIVILEGE_TEXT = Pattern.compile("prvcreatelead|leadsourcecode");

  private DynamicsErrors() {}

  /** The SSRF guard refused the address of {@code what} (a setting): permanent until the URL or DNS changes. */
  public static PermanentDeliveryException blocked(String what, BlockedAddressException e) {
    return e.toDeliveryException(BLOCKED_ADDRESS, what,
        "correct the URL (instanceUrl, authorityHost) or the DNS entry of " + e.host()
            + ": a Dataverse or Entra endpoint is never at such an address; then replay the dead letters");
  }

  /**
   * A 200 from the Entra token endpoint that gave no usable token ({@code what}, from
   * {@link io.leadrouter.http.ClientCredentialsGrant#unusable}): transient (a proxy's page may pass), naming
   * authorityHost.
   */
  public static TransientDeliveryException tokenUnusable(String what) {
    String msg = "Microsoft Entra token endpoint answered 200 with " + what + ", not a token";
    return new TransientDeliveryException(msg, null, new Diagnosis(SIGN_IN_FAILED, msg, "check that authorityHost "
        + "is your cloud's Entra authority (https://login.microsoftonline.com unless a sovereign cloud's) and that no "
        + "proxy or captive portal between this server and it answers in its place; leads are retried meanwhile"),
        null);
  }

  /**
   * Classifies a failed answer of the Entra token endpoint.
   *
   * @param status the HTTP status
   * @param body up to a few KiB of the answer's body
   * @param retryAfter the {@code Retry-After} header, if any
   */
  public static DeliveryException fromToken(int status, String body, Optional<Duration> retryAfter) {
    return fromToken(status, body, retryAfter, "nowhere");
  }

  /**
   * {@link #fromToken(int, String, Optional)} knowing where a 3xx pointed ({@link HttpFailures#redirectTarget}): a
   * redirect is never followed (the request carries the client secret) and names authorityHost, not the credentials.
   */
  public static DeliveryException fromToken(int status, String body, Optional<Duration> retryAfter,
      String redirectTarget) {
    if (HttpFailures.redirected(status)) {
      return new PermanentDeliveryException(new Diagnosis(SIGN_IN_FAILED, "the Microsoft Entra token endpoint "
          + "answered " + status + " redirecting " + redirectTarget + " (not followed: the request carries the client "
          + "secret)", "set authorityHost to your cloud's Entra authority, https://login.microsoftonline.com unless "
          + "a sovereign cloud's, and tenantId to the Directory (tenant) ID; a proxy between this server and Entra "
          + "must not redirect; then replay the dead letters"));
    }
    if (status == 429) {
      return TransientDeliveryException.throttled("Microsoft Entra token endpoint answered 429"
          + (retryAfter.map(d -> ", retry after " + d.toSeconds() + " s").orElse("")), retryAfter.orElse(null), null);
    }
    if (status >= 500) {
      return new TransientDeliveryException("Microsoft Entra token endpoint answered " + status
          + (retryAfter.map(d -> ", retry after " + d.toSeconds() + " s").orElse("")), retryAfter.orElse(null),
          null, null);
    }
    JsonNode json = parse(body);
    String description = firstLine(json.path("error_description").asText(""));
    String error = json.path("error").asText("");
    long code = json.path("error_codes").path(0).asLong(0);
    if (code == 0) {
      Matcher m = AADSTS.matcher(description);
      code = m.find() ? Long.parseLong(m.group(1)) : 0;
    }
    String message = !description.isEmpty() ? description
        : "token endpoint answered " + status + (error.isEmpty() ? "" : " " + error);
    if (THROTTLING_AADSTS.contains(code)) {
      return TransientDeliveryException.throttled("Microsoft Entra token endpoint answered " + status + " " + error
          + " (too many token requests; retried later): " + message, retryAfter.orElse(null), null);
    }
    if (RETRY_ERRORS.contains(error) || TRANSIENT_AADSTS.contains(code)) {
      // Entra's own advice for these OAuth errors, whatever the status (often 400): "Retry the request"
      // (learn.microsoft.com/entra/identity-platform/reference-error-codes, "Handling error codes in your application")
      return new TransientDeliveryException("Microsoft Entra token endpoint answered " + status + " " + error
          + " (a temporary condition; retried): " + message, retryAfter.orElse(null), null, null);
    }
    Known known = SIGN_IN_ERRORS.getOrDefault(code, new Known(SIGN_IN_FAILED, FIX_SIGN_IN));
    return new PermanentDeliveryException(new Diagnosis(known.code(), message, known.fix()));
  }

  /**
   * Classifies a failed answer of the Dataverse Web API (not 401, which the sink answers by refreshing its token).
   *
   * @param status the HTTP status
   * @param body up to a few KiB of the answer's body
   * @param retryAfter the {@code Retry-After} header, if any
   */
  public static DeliveryException fromDataverse(int status, String body, Optional<Duration> retryAfter) {
    return fromDataverse(status, body, retryAfter, "nowhere");
  }

  /**
   * {@link #fromDataverse(int, String, Optional)} knowing where a 3xx pointed ({@link HttpFailures#redirectTarget}):
   * a redirect is never followed (the request carries the bearer token and the customer's data) and names
   * instanceUrl, not the column mapping.
   */
  public static DeliveryException fromDataverse(int status, String body, Optional<Duration> retryAfter,
      String redirectTarget) {
    if (HttpFailures.redirected(status)) {
      return new PermanentDeliveryException(new Diagnosis(REQUEST_REJECTED, "the Dataverse instanceUrl answered "
          + status + " redirecting " + redirectTarget + " (not followed: the request carries the access token and "
          + "the customer's data)", "set instanceUrl to the environment's own URL, https://<org>.crm.dynamics.com "
          + "(Power Platform admin center > Environments > Environment URL), not an address that redirects to it; a "
          + "proxy between this server and Dataverse must not redirect; then replay the dead letters"));
    }
    DataverseError e = dataverseError(status, body);
    if (status == 429) {
      // service protection limits, https://learn.microsoft.com/power-apps/developer/data-platform/api-limits:
      // "429 Too Many Requests" with Retry-After; the router slows this destination down, the breaker stays closed
      return TransientDeliveryException.throttled("Dataverse throttled the request (429): " + e.message(),
          retryAfter.orElse(null), new Diagnosis(THROTTLED, e.message(),
              "none needed: leads wait; lower the sink's rate if this persists"));
    }
    if (HttpFailures.retryLater(status)) {
      return new TransientDeliveryException("Dataverse answered " + status + ": " + e.message(),
          retryAfter.orElse(null), null, null);
    }
    return new PermanentDeliveryException(diagnose(status, e));
  }

  /** The diagnosis for a Dataverse error answer; {@link #REQUEST_REJECTED} when no known case matches. */
  static Diagnosis diagnose(int status, DataverseError e) {
    String lower = e.message().toLowerCase(Locale.ROOT);
    if ("0x80042F09".equalsIgnoreCase(e.code()) || lower.contains("seclib::retrieveprivilegeforuser")) {
      return new Diagnosis(NO_ROLES, e.message(), FIX_NO_ROLES);
    }
    if ("0x80040220".equalsIgnoreCase(e.code()) || status == 403 && PRIVILEGE_TEXT.matcher(lower).find()) {
      return new Diagnosis(NO_CREATE_PRIVILEGE, e.message(), FIX_NO_CREATE);
    }
    if (status == 401 || status == 403 && lower.contains("not a member of the organization")) {
      return new Diagnosis(SIGN_IN_FAILED, e.message(), FIX_SIGN_IN);
    }
    Matcher tooLong = TOO_LONG.matcher(e.message());
    if (status == 400 && tooLong.find()) {
      return new Diagnosis(VALUE_TOO_LONG, "this lead's value for Lead column " + tooLong.group(1) + " is longer than "
          + "the column's " + tooLong.group(2) + " characters; it is never cut (a shortened e-mail or phone reaches "
          + "someone else)", "raise the maximum length of " + tooLong.group(1) + " (Power Apps > Tables > Lead > "
          + "Columns) or map the field to a longer column (mapping.<field>), then replay the dead letters");
    }
    for (String column : LeadMapper.OPT_OUT_COLUMNS) {
      if (status == 400 && lower.contains("'" + column + "'")) {
        return new Diagnosis(OPT_OUT_COLUMN_MISSING, "this do-not-contact lead sets " + column + " on Lead, which "
            + "Dataverse refused: " + e.message(), FIX_OPT_OUT);
      }
    }
    if (e.webPage()) {
      // not Dataverse's answer (it answers errors as JSON): a web application firewall, a proxy, or another site
      return new Diagnosis(REQUEST_REJECTED, "the instance URL answered " + status + " with a web page: "
          + e.message(), FIX_NOT_DATAVERSE);
    }
    return new Diagnosis(REQUEST_REJECTED, "Dataverse answered " + status
        + (e.code().isEmpty() ? "" : " " + e.code()) + ": " + e.message(), FIX_REJECTED);
  }

  /** The {@code error.code} and {@code error.message} of a Dataverse answer, with fallbacks for other bodies. */
  static DataverseError dataverseError(int status, String body) {
    JsonNode error = parse(body).path("error");
    String message = firstLine(error.path("message").asText(""));
    boolean markup = false;
    if (message.isEmpty()) {
      markup = body != null && body.stripLeading().startsWith("<");
      message = body == null || body.isBlank() ? "HTTP " + status + " with no body"
          // a gateway's or proxy's page: its words, not its first line of markup ("<!DOCTYPE html>")
          : markup ? "HTTP " + status + " with a web page, not Dataverse's JSON error: '" + Bodies.quote(TAGS
              .matcher(SCRIPTS.matcher(body).replaceAll(" ")).replaceAll(" "), 200) + "'"
          : firstLine(body.strip());
    }
    return new DataverseError(error.path("code").asText(""), message, markup);
  }

  private static final Pattern SCRIPTS = Pattern.compile("(?is)<(script|style)\\b.*?</\\1\\s*>");
  private static final Pattern TAGS = Pattern.compile("(?s)<[^>]*>");

  /** The diagnosis attached once requests to the instance keep timing out or failing to connect. */
  static Diagnosis unreachable(String instance, int attempts, IOException cause) {
    return new Diagnosis(INSTANCE_UNREACHABLE, attempts + " requests in a row to " + instance
        + " failed to connect or timed out (last: " + HttpFailures.describe(cause) + ")",
        FIX_UNREACHABLE);
  }

  /**
   * A Dataverse error's code and message.
   *
   * @param code e.g. {@code 0x80042F09}, empty when the body had none
   * @param message the service's own message (first line)
   */
  record DataverseError(String code, String message, boolean webPage) {}

  /** A told-apart error's diagnosis code and fix. */
  private record Known(String code, String fix) {}

  private static JsonNode parse(String body) {
    if (body == null || body.isBlank()) {
      return MAPPER.missingNode();
    }
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      return MAPPER.missingNode();
    }
  }

  /** Entra appends {@code \r\nTrace ID: ...}; the first line is the message a user needs. */
  private static String firstLine(String text) {
    int cut = text.indexOf('\n');
    String line = cut < 0 ? text : text.substring(0, cut);
    line = line.strip();
    return line.length() > 1000 ? line.substring(0, 1000) + "..." : line;
  }
}
