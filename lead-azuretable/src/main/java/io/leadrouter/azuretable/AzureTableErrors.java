package io.leadrouter.azuretable;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpResponse;
import com.azure.data.tables.models.TableServiceError;
import com.azure.data.tables.models.TableServiceException;
import io.leadrouter.CustomerInfo;
import io.leadrouter.Lead;
import io.leadrouter.azuretable.internal.EntityLimits;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.RetryAfter;
import io.leadrouter.spi.TransientDeliveryException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeoutException;

/**
 * Turns the Table service's answers (and failures to reach it) into {@link DeliveryException}s with stable
 * {@link Diagnosis} codes. Error codes as documented in "Table service error codes" and "Common REST API error
 * codes" (learn.microsoft.com/rest/api/storageservices/table-service-error-codes).
 */
public final class AzureTableErrors {
  /** 401/403: the key or SAS is wrong, rotated, expired or lacks permissions. */
  public static final String AUTH_FAILED = "AZURETABLE_AUTH_FAILED";
  /** 404 {@code TableNotFound} with table creation off. */
  public static final String TABLE_NOT_FOUND = "AZURETABLE_TABLE_NOT_FOUND";
  /** The entity is over the service's limits (1 MiB entity, 64 KiB string), found before sending or by the service. */
  public static final String ENTITY_TOO_LARGE = "AZURETABLE_ENTITY_TOO_LARGE";
  /** Any other 4xx: the service's own error code is in the message. */
  public static final String REJECTED = "AZURETABLE_REJECTED";
  /** Transient: the service answered 5xx, 408, 429 or a busy/being-deleted code; the router retries. */
  public static final String UNAVAILABLE = "AZURETABLE_UNAVAILABLE";
  /** Transient: the endpoint did not answer (connection refused, timeout, DNS); says what to check if it lasts. */
  public static final String UNREACHABLE = "AZURETABLE_UNREACHABLE";
  /**
   * Permanent: the endpoint is, or resolves to, a metadata / link-local / unspecified address: refused before
   * connecting (server-side request forgery).
   */
  public static final String BLOCKED_ADDRESS = "AZURETABLE_BLOCKED_ADDRESS";

  private static final Set<String> TOO_LARGE = Set.of("EntityTooLarge", "PropertyValueTooLarge", "KeyValueTooLarge",
      "RequestBodyTooLarge", "ContentLengthExceeded", "TooManyProperties", "PropertyNameTooLong");
  private static final Set<String> TRANSIENT_CODES = Set.of("TableBeingDeleted", "OperationTimedOut", "ServerBusy",
      "InternalError", "AccountIOPSLimitExceeded");
  private static final int MAX_MESSAGE_CHARS = 300;
  private static final HttpHeaderName ERROR_CODE_HEADER = HttpHeaderName.fromString("x-ms-error-code");

  private AzureTableErrors() {}

  /**
   * Classifies a failure of a request to {@code table}: 5xx, 408, 429, {@code TableBeingDeleted}, timeouts and
   * connection failures are transient; 401/403 are {@link #AUTH_FAILED}; {@code TableNotFound} is
   * {@link #TABLE_NOT_FOUND}; size errors are {@link #ENTITY_TOO_LARGE}; other 4xx are {@link #REJECTED}.
   */
  public static DeliveryException classify(Throwable failure, String table) {
    Objects.requireNonNull(failure, "failure");
    Objects.requireNonNull(table, "table");
    Optional<BlockedAddressException> blocked = AddressGuard.blockedCause(failure);
    if (blocked.isPresent()) {
      return blocked.get().toDeliveryException(BLOCKED_ADDRESS, "Azure Table endpoint",
          "correct the table endpoint (endpoint, or TableEndpoint / EndpointSuffix in connectionString) or the DNS "
              + "entry of " + blocked.get().host() + ": the Table service is never at such an address; then replay "
              + "the dead letters");
    }
    HttpResponseException http = find(failure, HttpResponseException.class);
    if (http != null && (http.getResponse() != null || serviceCode(http).isPresent())) {
      return fromResponse(http, table);
    }
    Throwable network = findNetwork(failure);
    String what = network == null ? failure.getClass().getSimpleName() + describe(failure)
        : network.getClass().getSimpleName() + describe(network);
    return new TransientDeliveryException("Azure Table service did not answer: " + what, null,
        new Diagnosis(UNREACHABLE, what, "check that the table endpoint is right and reachable from this host"),
        failure);
  }

  /**
   * Classifies as {@link #classify(Throwable, String)} does, with a 401/403 explained for this account's credential:
   * which SAS field is at fault (expired {@code se}, not yet valid {@code st}, another table's {@code tn}, missing
   * permissions in {@code sp}, a table SAS asked to create a table), or that the account key is not current. Reads
   * only the token's public fields, never its signature.
   */
  static DeliveryException classify(Throwable failure, String table, AzureTableAccount account, Instant now,
      boolean creatingTable) {
    DeliveryException d = classify(failure, table);
    if (d instanceof PermanentDeliveryException p && AUTH_FAILED.equals(p.diagnosisValue().code())) {
      return new PermanentDeliveryException(new Diagnosis(AUTH_FAILED, p.diagnosisValue().message(),
          authFix(account, table, now, creatingTable)), failure);
    }
    return d;
  }

  private static String authFix(AzureTableAccount account, String table, Instant now, boolean creatingTable) {
    return authFix(account, table, now, creatingTable, "raud", "the sink needs r to read, a to insert, u to update a "
        + "lead already in the table (a redelivery) and d for verify's clean-up", "; then replay the dead letters");
  }

  /**
   * The poller's diagnosis of a failed read of {@code table}: as {@link #classify(Throwable, String)}, in the poller's
   * terms (it only reads: a SAS needs {@code r}; a missing table is one the marketplace has not created yet).
   */
  static Diagnosis pollFailure(Throwable failure, String table, AzureTableAccount account, Instant now) {
    Diagnosis d = classify(failure, table).diagnosis().orElseThrow();
    if (AUTH_FAILED.equals(d.code())) {
      return new Diagnosis(AUTH_FAILED, d.message(), authFix(account, table, now, false, "r",
          "the poller needs r to query the table's rows", ""));
    }
    if (TABLE_NOT_FOUND.equals(d.code())) {
      return new Diagnosis(TABLE_NOT_FOUND, d.message(), "there is no table '" + table + "' in storage account "
          + account.accountName() + " (yet): the marketplace creates it with the first lead it writes; check that "
          + "tableName and the account are those of the offer's lead destination. The poller looks again at each poll");
    }
    if (UNAVAILABLE.equals(d.code()) || UNREACHABLE.equals(d.code())) { // the sink's fix speaks of the router's retries
      return new Diagnosis(d.code(), d.message(), "no row of this poll was taken (the poller takes rows only once the"
          + " table's answer is whole) and the poller reads again at its next poll; if it lasts, check the storage "
          + "account's health in the Azure portal, and that the table endpoint is right and reachable from this host");
    }
    return d;
  }

  /** {@code "raud"} as {@code "r, a, u and d"}. */
  private static String listed(String letters) {
    String[] each = letters.split("");
    return each.length == 1 ? letters
        : String.join(", ", Arrays.copyOf(each, each.length - 1)) + " and " + each[each.length - 1];
  }

  private static String authFix(AzureTableAccount account, String table, Instant now, boolean creatingTable,
      String needs, String why, String replay) {
    Optional<String> token = account.sasToken();
    if (token.isEmpty()) {
      String where = account.authentication().equals("connection string") ? "the AccountKey in connectionString"
          : "the account key";
      return where + " is not a current key of storage account " + account.accountName() + " (rotated, mistyped or "
          + "another account's): copy key1 or key2, or the whole connection string, from the storage account's "
          + "Access keys page" + replay;
    }
    Map<String, String> f = new LinkedHashMap<>();
    for (String kv : token.get().split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0 && !kv.substring(0, eq).equalsIgnoreCase("sig")) {
        f.put(kv.substring(0, eq).toLowerCase(Locale.ROOT),
            java.net.URLDecoder.decode(kv.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8));
      }
    }
    // the setting the user wrote the SAS in: a SAS connection string has no sasToken to update
    String setting = account.connectionStringSecret().isPresent() ? "the SharedAccessSignature in connectionString"
        : "sasToken";
    String reissue = "issue a new SAS (sp=" + needs + " on table " + table + ") and update " + setting + replay;
    Optional<Instant> expiry = instant(f.get("se"));
    if (expiry.isPresent() && expiry.get().isBefore(now)) {
      return "the SAS token expired at " + expiry.get() + " (its se=): " + reissue;
    }
    Optional<Instant> start = instant(f.get("st"));
    if (start.isPresent() && start.get().isAfter(now)) {
      return "the SAS token is valid only from " + start.get() + " (its st=; this host's clock reads " + now
          + "): wait, correct this host's clock, or " + reissue;
    }
    String tn = f.get("tn");
    if (tn != null && !tn.equalsIgnoreCase(table)) {
      return "the SAS token is for table " + tn + " (its tn=), not " + table + ": " + reissue;
    }
    if (creatingTable && tn != null) {
      return "a table SAS (one with tn=) cannot create tables: create table " + table + " in the storage account, "
          + "or sign in with an account SAS or the connection string to let createTableIfMissing create it" + replay;
    }
    String si = f.get("si");
    if (si != null && (!f.containsKey("sp") || !f.containsKey("se"))) {
      return "the SAS token takes its permissions or expiry from the table's stored access policy " + si + " (its si=):"
          + " check that the policy still exists, has not expired and grants " + listed(needs)
          + ", or " + reissue;
    }
    if (!f.containsKey("sp") || !f.containsKey("se")) {
      return "the SAS token has no " + (f.containsKey("sp") ? "expiry (se=)" : "permissions (sp=)") + " and names no"
          + " stored access policy (si=): it was cut short when copied, or is not a SAS; " + reissue;
    }
    String sp = f.get("sp");
    StringBuilder missing = new StringBuilder();
    for (char c : needs.toCharArray()) {
      boolean writeCovers = (c == 'a' || c == 'u') && f.containsKey("srt") && sp.indexOf('w') >= 0;
      if (sp.indexOf(c) < 0 && !writeCovers) {
        missing.append(c);
      }
    }
    if (missing.length() > 0) {
      return "the SAS token grants sp=" + sp + ", without " + missing + ": " + why + "; " + reissue;
    }
    String ss = f.get("ss");
    if (ss != null && ss.indexOf('t') < 0) {
      return "the account SAS is not for the Table service (ss=" + ss + " has no t): " + reissue;
    }
    String srt = f.get("srt");
    if (srt != null && srt.indexOf('o') < 0) {
      return "the account SAS does not cover entities (srt=" + srt + " has no o): " + reissue;
    }
    if (f.containsKey("spk") || f.containsKey("epk")) {
      return "the SAS token covers only PartitionKeys " + f.getOrDefault("spk", "") + " to " + f.getOrDefault("epk", "")
          + " (its spk=/epk=), and leads are partitioned by creation day (M:2Fd:2Fyyyy): " + reissue;
    }
    return "the SAS token's signature is not valid for storage account " + account.accountName() + ": it was signed "
        + "with an account key since rotated, its stored access policy was revoked, or it was changed when copied (its"
        + " sig= must be whole); " + reissue;
  }

  private static Optional<Instant> instant(String text) {
    if (text == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(java.time.OffsetDateTime.parse(text).toInstant());
    } catch (java.time.format.DateTimeParseException e) {
      try {
        // the service also takes a date alone (2026-12-31) and times without seconds
        return Optional.of(java.time.LocalDate.parse(text).atStartOfDay(java.time.ZoneOffset.UTC).toInstant());
      } catch (java.time.format.DateTimeParseException e2) {
        return Optional.empty();
      }
    }
  }

  /** The service's error code of a failed request ({@code x-ms-error-code}, or the body's), if it gave one. */
  public static Optional<String> serviceCode(Throwable failure) {
    HttpResponseException http = find(failure, HttpResponseException.class);
    if (http == null) {
      return Optional.empty();
    }
    if (http instanceof TableServiceException tse && tse.getValue() != null
        && tse.getValue().getErrorCode() != null) {
      return Optional.of(tse.getValue().getErrorCode().toString());
    }
    HttpResponse r = http.getResponse();
    return r == null ? Optional.empty() : Optional.ofNullable(r.getHeaderValue(ERROR_CODE_HEADER));
  }

  /**
   * The HTTP status of a failed request, or 0 when it got no answer. A failed transaction carries only the failed
   * operation's error code, so its status is the one the service documents for that code.
   */
  public static int status(Throwable failure) {
    HttpResponseException http = find(failure, HttpResponseException.class);
    if (http == null) {
      return 0;
    }
    if (http.getResponse() != null) {
      return http.getResponse().getStatusCode();
    }
    return serviceCode(http).map(AzureTableErrors::statusOf).orElse(0);
  }

  private static int statusOf(String code) {
    if (TOO_LARGE.contains(code)) {
      return 413;
    }
    return switch (code) {
      case "EntityAlreadyExists", "TableAlreadyExists", "TableBeingDeleted" -> 409;
      case "UpdateConditionNotSatisfied" -> 412;
      case "TableNotFound", "ResourceNotFound", "EntityNotFound" -> 404;
      case "AuthenticationFailed", "AuthorizationFailure", "AuthorizationPermissionMismatch",
          "AuthorizationResourceTypeMismatch", "InsufficientAccountPermissions", "Forbidden" -> 403;
      case "ServerBusy" -> 503;
      case "InternalError", "OperationTimedOut" -> 500;
      default -> 400;
    };
  }

  /** The diagnosis for an entity over the service's limits. */
  static Diagnosis entityTooLarge(String message) {
    return new Diagnosis(ENTITY_TOO_LARGE, message,
        "an entity may hold at most 1 MiB and a string property at most 64 KiB: shorten the lead's description "
            + "or attributes");
  }

  /**
   * The diagnosis for a lead whose entity breaks a limit of the service, checked before sending: names the property,
   * what of the lead it holds (for {@code CustomerInfo} the customer's longest field, for {@code Attributes} the
   * longest attribute) and the limit. The sink never cuts or changes a value, so the fix is at the lead's source or
   * another destination.
   */
  static Diagnosis overLimit(Lead lead, EntityLimits.Violation v) {
    String source = v.property().map(p -> source(lead, p)).orElse("");
    String message = "lead " + lead.id() + ": " + v.message() + (source.isEmpty() ? "" : "; it holds " + source);
    String what = v.property().map(p -> source.isEmpty() ? "the lead's " + p : source.replaceFirst(" \\(.*$", ""))
        .orElse("the lead's longest values");
    if (v.outOfRange()) {
      return new Diagnosis(REJECTED, message, what + " is wrong where the lead comes from (the Table "
          + "service stores dates from 1601 to 9999 only) and the sink never changes a value: correct it at the "
          + "source, or deliver this lead to a destination without this limit (e.g. https or file)");
    }
    return new Diagnosis(ENTITY_TOO_LARGE, message, "the Table service stores at most 64 KiB (32,768 UTF-16 code "
        + "units) in a string, 1 MiB in an entity, and the sink never cuts a value: shorten " + what + " where the "
        + "lead comes from, or deliver this lead to a destination without these limits (e.g. https or file)");
  }

  /** What of the lead a property of its entity holds, e.g. {@code the customer's Company (40000 UTF-16 code units)}. */
  private static String source(Lead lead, String property) {
    switch (property) {
      case "CustomerInfo" -> {
        CustomerInfo c = lead.customer();
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("FirstName", c.firstName());
        fields.put("LastName", c.lastName());
        fields.put("Email", c.email());
        fields.put("Phone", c.phone());
        fields.put("Country", c.country());
        fields.put("Company", c.company());
        fields.put("Title", c.title());
        return longest(fields).map(f -> "the customer's " + f.getKey() + " (" + f.getValue().length()
            + " UTF-16 code units)").orElse("");
      }
      case "Attributes" -> {
        return longest(lead.attributes()).map(a -> "the attribute " + a.getKey() + " (" + a.getValue().length()
            + " UTF-16 code units)").orElse("");
      }
      case "OfferDisplayName" -> {
        return "the lead's OfferTitle (" + lead.offerTitle().length() + " UTF-16 code units)";
      }
      default -> {
        return "";
      }
    }
  }

  private static Optional<Map.Entry<String, String>> longest(Map<String, String> values) {
    return values.entrySet().stream().filter(e -> e.getValue() != null)
        .max(java.util.Comparator.comparingInt(e -> e.getValue().length()));
  }

  /** The diagnosis for a missing table when creation is off. */
  static Diagnosis tableNotFound(String table, String message) {
    return new Diagnosis(TABLE_NOT_FOUND, message,
        "create the table '" + table + "' in the storage account, or set createTableIfMissing: true");
  }

  private static DeliveryException fromResponse(HttpResponseException e, String table) {
    int status = status(e);
    String code = serviceCode(e).orElse("");
    String message = (e.getResponse() == null ? "in a transaction, " + code : "HTTP " + status
        + (code.isEmpty() ? "" : " " + code)) + ": " + serviceMessage(e);
    if (status == 401 || status == 403) {
      return new PermanentDeliveryException(new Diagnosis(AUTH_FAILED, message,
          "check the account key or SAS token: it may be wrong, rotated or expired (a SAS ends at its 'se=' time), "
              + "or the SAS lacks permissions (the sink needs r, a, u and d on the table)"), e);
    }
    if (status == 404 && ("TableNotFound".equals(code) || code.isEmpty())) {
      return new PermanentDeliveryException(tableNotFound(table, message), e);
    }
    if (status == 413 || TOO_LARGE.contains(code)) {
      return new PermanentDeliveryException(entityTooLarge(message), e);
    }
    if (status == 429 || "ServerBusy".equals(code)) {
      // "ServerBusy" (503) is how Azure Storage throttles: "The server is currently unable to receive requests.
      // Please retry your request." / "Ingress is over the account limit." (Azure Storage error codes,
      // https://learn.microsoft.com/rest/api/storageservices/common-rest-api-error-codes): slow down, not an outage
      return TransientDeliveryException.throttled(message, e.getResponse() == null ? null
          : retryAfter(e.getResponse()), new Diagnosis(UNAVAILABLE, message, "the Table service is throttling "
              + "(2,000 entities/s per partition, 20,000 per account): the router slows down; if it lasts, spread "
              + "the load or raise the account's limits"));
    }
    if (status >= 500 || status == 408 || TRANSIENT_CODES.contains(code)) {
      return new TransientDeliveryException(message, e.getResponse() == null ? null : retryAfter(e.getResponse()),
          new Diagnosis(UNAVAILABLE, message,
          "the Table service is busy or failing: the router retries; if it lasts, check the storage account's "
              + "health in the Azure portal"), e);
    }
    return new PermanentDeliveryException(new Diagnosis(REJECTED, message,
        "the Table service refused the request; look up its error code in the Table service error codes"), e);
  }

  private static String serviceMessage(HttpResponseException e) {
    String text = "";
    if (e instanceof TableServiceException tse) {
      TableServiceError err = tse.getValue();
      text = err == null || err.getErrorMessage() == null ? "" : err.getErrorMessage();
    }
    if (text.isBlank()) {
      text = "no error message";
    }
    // the service appends "\nRequestId:...\nTime:..."; a transaction prefixes "<index>:"
    String first = text.strip().lines().findFirst().orElse("").strip().replaceFirst("^\\d+:", "");
    return first.length() > MAX_MESSAGE_CHARS ? first.substring(0, MAX_MESSAGE_CHARS) + "..." : first;
  }

  /**
   * The wait the answer names, read as the Azure SDK's own retry reads it: {@code retry-after-ms}, then
   * {@code x-ms-retry-after-ms} (milliseconds; Cosmos DB's Table API throttles with it), then {@code Retry-After};
   * clamped to {@link RetryAfter#CEILING}. The SDK does not retry such an answer ({@link TableClients}): before, only
   * {@code Retry-After} was read here, so a wait named in milliseconds reached the router as none at all.
   */
  static Duration retryAfter(HttpResponse r) {
    for (String header : new String[] {"retry-after-ms", "x-ms-retry-after-ms"}) {
      String ms = r.getHeaderValue(HttpHeaderName.fromString(header));
      if (ms != null && !ms.isBlank() && ms.strip().chars().allMatch(c -> c >= '0' && c <= '9')) {
        String digits = ms.strip();
        Duration wait = digits.length() > 18 ? RetryAfter.CEILING : Duration.ofMillis(Long.parseLong(digits));
        return wait.compareTo(RetryAfter.CEILING) > 0 ? RetryAfter.CEILING : wait;
      }
    }
    return RetryAfter.parse(r.getHeaderValue(HttpHeaderName.RETRY_AFTER), Clock.systemUTC()).orElse(null);
  }

  private static Throwable findNetwork(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof IOException || c instanceof TimeoutException || c instanceof UncheckedIOException) {
        return c instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : c;
      }
      if (c.getClass().getName().toLowerCase(Locale.ROOT).contains("timeout")) {
        return c;
      }
    }
    return null;
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? "" : " (" + m.strip().lines().findFirst().orElse("") + ")";
  }

  private static <T extends Throwable> T find(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }
}
