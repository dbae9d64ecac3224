package io.leadrouter.dynamics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.Pii;
import io.leadrouter.Problem;
import io.leadrouter.dynamics.internal.EntraTokenClient;
import io.leadrouter.dynamics.internal.LeadMapper;
import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.ExplainRequests;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpClients;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.http.MatchingSinkBuilder;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers leads to Dynamics 365 / Dataverse through the Web API ({@code /api/data/v9.2/leads}), signed in with
 * Microsoft Entra ID client credentials. Thread-safe.
 *
 * <p>Idempotency: with an {@code idColumn} backed by an alternate key, each lead is upserted by
 * {@code PATCH leads(<idColumn>='<LeadId>')}, first with {@code If-None-Match: *} (create only: 204 =
 * {@code CREATED}), then, on 412, with {@code If-Match: *} (update only: 204 = {@code UPDATED}). Without it, each
 * lead is created with a primary key derived from its {@link LeadId} ({@link LeadMapper#recordId}); a retry after an
 * ambiguous failure (timeout or reset after sending, 5xx) first looks that row up with
 * {@code GET leads(<key>)}, and a create that finds the key taken ({@code 0x80040237}) is reported as
 * {@code UPDATED}: either way no second row is created.
 *
 * <p>Matching ({@link RecordMatching}): with {@code match: email} a lead finds its row by a filtered lookup on its
 * e-mail column ({@code GET leads?$filter=emailaddress1 eq '<e-mail>'&$select=leadid&$top=2&$count=true}), then
 * updates it by primary key ({@code PATCH leads(<id>)} with {@code If-Match: *}) or creates one ({@code POST leads});
 * two or more matches are never guessed between ({@code DYNAMICS_AMBIGUOUS_MATCH}). {@code mode: create} leaves a
 * matching row untouched ({@code UNCHANGED}); {@code mode: update-only} never creates and fails a lead that matches
 * nothing ({@code DYNAMICS_NO_MATCHING_RECORD}). A lead without an e-mail is matched by its lead id.
 *
 * <p>Failures: 429 and 5xx are transient with {@code Retry-After}; a 401 refreshes the token once and retries;
 * timeouts and connect failures are transient, and from the {@code unreachableAfter}-th in a row they carry the
 * {@code DYNAMICS_INSTANCE_UNREACHABLE} diagnosis (still transient: a network outage looks the same, and the
 * router never drops a pending lead). Everything else is permanent, with a {@link DynamicsErrors} diagnosis.
 */
public final class DynamicsSink implements LeadSink {
  /** The Dataverse limits per application user: 6,000 requests per 300 s and 52 concurrent requests. */
  public static final int MAX_CONCURRENCY = 52;
  /** Requests allowed per {@link #RATE_PERIOD}. */
  public static final int RATE_PERMITS = 6000;
  /** The service-protection window. */
  public static final Duration RATE_PERIOD = Duration.ofSeconds(300);

  private static final Logger LOG = LoggerFactory.getLogger(DynamicsSink.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final MediaType JSON = MediaType.get("application/json");
  private static final Pattern ENTITY_ID = Pattern.compile("\\(([0-9a-fA-F]{8}-[0-9a-fA-F-]{27})\\)\\s*$");
  private static final String DUPLICATE_KEY = "0x80040237";
  /** Two or more rows match a lead's e-mail: which one is the customer's is not guessed. */
  public static final String AMBIGUOUS_MATCH = "DYNAMICS_AMBIGUOUS_MATCH";
  /** {@code mode: update-only} and no row matches the lead. */
  public static final String NO_MATCHING_RECORD = "DYNAMICS_NO_MATCHING_RECORD";
  private static final int MAX_UNCERTAIN = 10_000;
  /** Most bytes read of a query's answer (a user's role privileges, the largest, are well under 1 MiB). */
  private static final int MAX_QUERY_ANSWER_BYTES = 16 * 1024 * 1024;
  /** A Dataverse call may take this many timeouts in all (connect, send, the service applying, the answer). */
  private static final int CALL_BOUND = 3;

  private final DynamicsConfig config;
  private final Clock clock;
  /** Replaced once by {@link #prepareFor} with one whose pool fits the router's in-flight setting. */
  private volatile OkHttpClient http;
  /** {@link #http} with one timeout for the whole call; replaced with it. */
  private volatile OkHttpClient tokenHttp;
  private final AccessTokenCache tokens;
  private final LeadMapper mapper;
  private final HttpUrl api;
  private final AtomicInteger unreachableStreak = new AtomicInteger();
  private final Set<LeadId> uncertain = ConcurrentHashMap.newKeySet();

  private DynamicsSink(DynamicsConfig config, Clock clock, OkHttpClient base) {
    this.config = config;
    this.clock = clock;
    // timeout bounds connecting and each read and write; the whole call only at CALL_BOUND times it: a create
    // Dataverse is still applying must not be cut off mid-answer (the answer tells CREATED from a lost create), but a
    // peer dripping its answer a byte at a time must not hold a thread forever. Guarded against SSRF as derive()
    // is (never a metadata / link-local / unspecified address, in any spelling).
    this.http = HttpClients.guard(HttpClients.builder(base, config.timeout(), config.timeout(), MAX_CONCURRENCY)
        .callTimeout(config.timeout().multipliedBy(CALL_BOUND)), base, AddressGuard.forCloudApi()).build();
    HttpUrl instance = HttpUrl.get(config.instanceUrl().toString());
    this.api = instance.newBuilder().encodedPath("/api/data/v9.2/").build();
    // a token answer applies nothing: one timeout for the whole call, as every other sink's calls have (the other
    // delivery threads wait for this fetch once the token has expired)
    this.tokenHttp = tokenHttp(http);
    this.tokens = new AccessTokenCache("Microsoft Entra", clock, new EntraTokenClient(() -> tokenHttp,
        HttpUrl.get(config.authorityHost().toString()), config.tenantId(), config.clientId(), config.clientSecret(),
        instance, clock));
    this.mapper = new LeadMapper(config.mapping(), config.leadSourceCode());
  }

  /** A builder; every setting can be given in code, without configuration strings. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings this sink runs with. */
  public DynamicsConfig config() {
    return config;
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    Objects.requireNonNull(lead, "lead");
    Optional<String> email = emailMatch(lead);
    DeliveryResult result = email.isPresent() ? byEmail(lead, email.get())
        : config.idColumn().isPresent() ? upsert(lead, config.idColumn().get()) : create(lead);
    LOG.debug("Lead {} ({}) {} in Dynamics as {}", Pii.maskLeadId(lead.id().value()),
        Pii.maskEmail(lead.customer().email()),
        result.outcome(), result.recordId().orElse("?"));
    return result;
  }

  /**
   * Creates with a derived primary key; looks the row up first when an earlier attempt may have created it. In
   * {@code mode: create} a row already there is reported {@code UNCHANGED}; {@code mode: update-only} updates that
   * row only ({@code PATCH leads(<derived key>)} with {@code If-Match: *}).
   */
  private DeliveryResult create(Lead lead) throws DeliveryException {
    UUID key = LeadMapper.recordId(lead.id());
    SyncMode mode = config.matching().mode();
    if (mode == SyncMode.UPDATE_ONLY) {
      HttpUrl row = api.newBuilder().addPathSegment("leads(" + key + ")").build();
      if (conditionalWrite(lead, updateOnly(row, json(mapper.toRow(lead))), 404).isPresent()) {
        return DeliveryResult.updated(key.toString());
      }
      throw noMatch("no lead row has the primary key " + key + " derived from lead id " + lead.id());
    }
    if (uncertain.contains(lead.id()) && exists(key)) {
      uncertain.remove(lead.id());
      return mode == SyncMode.CREATE ? DeliveryResult.unchanged(key.toString()) : DeliveryResult.updated(key.toString());
    }
    try (Response r = write(lead, createRequest(lead), true)) {
      if (r.isSuccessful()) {
        requireConfirmed(lead, r, true);
        uncertain.remove(lead.id());
        return DeliveryResult.created(entityId(r).orElse(key.toString()));
      }
      String body = Bodies.text(r.body(), Bodies.MAX_ERROR_BYTES);
      if (DUPLICATE_KEY.equalsIgnoreCase(DynamicsErrors.dataverseError(r.code(), body).code())) {
        uncertain.remove(lead.id());
        return mode == SyncMode.CREATE ? DeliveryResult.unchanged(key.toString())
            : DeliveryResult.updated(key.toString());
      }
      throw failure(lead, r, body, true);
    }
  }

  /** Whether the row with this primary key exists; a lookup the app user may not do counts as "no". */
  private boolean exists(UUID key) throws DeliveryException {
    HttpUrl url = api.newBuilder().addPathSegment("leads(" + key + ")").addEncodedQueryParameter("$select", "leadid")
        .build();
    try (Response r = send(odata(url).get().build())) {
      if (r.isSuccessful()) {
        return true;
      }
      if (r.code() == 404 || r.code() == 403) {
        // 403: no read privilege; the create below still cannot duplicate, as the key is taken (0x80040237)
        return false;
      }
      throw failure(null, r, Bodies.text(r.body(), Bodies.MAX_ERROR_BYTES), false);
    }
  }

  /**
   * Characters Dataverse refuses in an alternate-key value addressed in the URL: "/ < > * % & : \ ? +" (Microsoft,
   * "Define alternate keys to reference rows", https://learn.microsoft.com/power-apps/developer/data-platform/
   * define-alternate-keys-entity: GET and upsert by such a key fail). A {@code LeadId} may hold {@code :} and
   * {@code +}, so such leads take the lookup path instead.
   */
  static final String KEY_UNSAFE = "/<>*%&:\\?+";

  /** Whether Dataverse can address this alternate-key value in a URL. */
  static boolean keyAddressable(String value) {
    return value.chars().noneMatch(c -> KEY_UNSAFE.indexOf(c) >= 0);
  }

  /** The create: {@code POST leads} with the primary key derived from the lead id. */
  private Request createRequest(Lead lead) {
    ObjectNode row = mapper.toRow(lead);
    row.put("leadid", LeadMapper.recordId(lead.id()).toString());
    return odata(api.resolve("leads")).post(json(row)).build();
  }

  /** The row's URL by alternate key: {@code leads(<idColumn>='<LeadId>')}. */
  private HttpUrl upsertUrl(Lead lead, String idColumn) {
    return api.newBuilder()
        .addPathSegment("leads(" + idColumn + "='" + lead.id().value().replace("'", "''") + "')").build();
  }

  /** The first request of an upsert: create only. */
  private static Request createOnly(HttpUrl url, RequestBody body) {
    return odata(url).patch(body).header("If-None-Match", "*").build();
  }

  /**
   * An update that never creates: {@code If-Match: *} makes Dataverse answer 404 instead of inserting a missing row
   * (learn.microsoft.com/power-apps/developer/data-platform/webapi/perform-conditional-operations-using-web-api,
   * "Prevent create in upsert").
   */
  private static Request updateOnly(HttpUrl url, RequestBody body) {
    return odata(url).patch(body).header("If-Match", "*").build();
  }

  /**
   * The first write {@link #deliver} sends: the create-only {@code PATCH} by alternate key, or the {@code POST} with
   * the derived key. The bearer token (fetched from Entra ID at delivery) is redacted.
   */
  @Override
  public Optional<ExplainedRequest> explain(Lead lead) {
    Objects.requireNonNull(lead, "lead");
    Optional<String> email = emailMatch(lead);
    if (email.isPresent()) {
      return Optional.of(ExplainRequests.of(odata(lookupUrl(config.mapping().get("email"), email.get())).get()
          .header("Authorization", "Bearer " + ExplainedRequest.REDACTED).build())
          .note("the token comes from Entra ID tenant " + config.tenantId() + " (client credentials), cached")
          .note("match: email looks the customer's lead up first; " + switch (config.matching().mode()) {
            case CREATE -> "one found is left unchanged, none: POST leads creates it";
            case UPSERT -> "one found is updated (PATCH leads(<id>) with If-Match: *), none: POST leads creates it";
            case UPDATE_ONLY -> "one found is updated (PATCH leads(<id>) with If-Match: *), none: "
                + NO_MATCHING_RECORD;
          } + "; two or more: " + AMBIGUOUS_MATCH).build());
    }
    Optional<String> idColumn = config.idColumn();
    SyncMode mode = config.matching().mode();
    Request request = mode == SyncMode.UPDATE_ONLY
        ? updateOnly(idColumn.isPresent() ? upsertUrl(lead, idColumn.get())
            : api.newBuilder().addPathSegment("leads(" + LeadMapper.recordId(lead.id()) + ")").build(),
            json(mapper.toRow(lead)))
        : idColumn.isPresent() ? createOnly(upsertUrl(lead, idColumn.get()), json(mapper.toRow(lead)))
            : createRequest(lead);
    ExplainedRequest.Builder r = ExplainRequests.of(request.newBuilder()
        .header("Authorization", "Bearer " + ExplainedRequest.REDACTED).build())
        .note("the token comes from Entra ID tenant " + config.tenantId() + " (client credentials), cached");
    if (mode == SyncMode.UPDATE_ONLY) {
      r.note("mode: update-only: a missing row (404) is " + NO_MATCHING_RECORD + ", never created");
    } else if (mode == SyncMode.CREATE) {
      r.note("mode: create: a row already there is left unchanged");
    } else if (idColumn.isPresent()) {
      r.note("when the row exists (412) the same PATCH is sent with If-Match: * instead: the lead is updated");
    } else {
      r.note("a retry after an uncertain failure first looks the row up (GET leads(<key>)); a taken key "
          + "(0x80040237) counts as delivered");
    }
    return Optional.of(r.build());
  }

  /**
   * Upserts by alternate key: create only, then update only, so the outcome is known (Microsoft, "Use Upsert to
   * create or update a record", learn.microsoft.com/power-apps/developer/data-platform/use-upsert-insert-update-record).
   * {@code mode: create} stops after the create-only request (412: the row exists, left {@code UNCHANGED});
   * {@code mode: update-only} sends only the update-only request (404: {@code DYNAMICS_NO_MATCHING_RECORD}).
   */
  private DeliveryResult upsert(Lead lead, String idColumn) throws DeliveryException {
    if (!keyAddressable(lead.id().value())) {
      return upsertByLookup(lead, idColumn);
    }
    HttpUrl url = upsertUrl(lead, idColumn);
    RequestBody body = json(mapper.toRow(lead));
    SyncMode mode = config.matching().mode();
    for (int round = 0; round < 2; round++) {
      if (mode != SyncMode.UPDATE_ONLY) {
        Optional<Written> created = conditionalWrite(lead, createOnly(url, body), 412);
        if (created.isPresent()) {
          return DeliveryResult.created(created.get().rowId());
        }
        if (mode == SyncMode.CREATE) {
          return DeliveryResult.unchanged(null); // 412 carries no row id; the row is the one keyed by this lead id
        }
      }
      Optional<Written> updated = conditionalWrite(lead, updateOnly(url, body), 404);
      if (updated.isPresent()) {
        return DeliveryResult.updated(updated.get().rowId());
      }
      if (mode == SyncMode.UPDATE_ONLY) {
        throw noMatch("no lead row has " + idColumn + " = " + lead.id());
      }
      // deleted between the two requests: create it again
    }
    throw new TransientDeliveryException("the lead row for " + lead.id() + " kept appearing and disappearing "
        + "between create and update");
  }

  /**
   * Upserts a lead whose id cannot be addressed as an alternate key in a URL: finds its row with
   * {@code $filter=<idColumn> eq '<LeadId>'} (the value travels as a query string literal, which may hold any
   * character), then updates that row by its primary key, or creates a row carrying the id in {@code idColumn}.
   * The alternate key still guards against a second row: a create racing another is refused (0x80040237) and
   * the next round finds and updates the row.
   */
  private DeliveryResult upsertByLookup(Lead lead, String idColumn) throws DeliveryException {
    String value = lead.id().value();
    return byLookup(lead, idColumn, value, idColumn + " = " + value, n -> new Diagnosis("DYNAMICS_DUPLICATE_LEAD_ID",
        n + " leads hold " + value + " in " + idColumn, "make " + idColumn + " an alternate key (unique), then merge "
        + "the rows"));
  }

  /** The lead's e-mail when this sink matches by e-mail and the lead has one; empty means "match by lead id". */
  private Optional<String> emailMatch(Lead lead) {
    if (config.matching().match() != Match.EMAIL) {
      return Optional.empty();
    }
    return Optional.of(lead.customer().email().strip()).filter(e -> !e.isEmpty());
  }

  /**
   * {@code match: email}: finds the customer's row by its e-mail column, then updates, creates or leaves it as the
   * mode says. Dataverse compares string values in {@code $filter} case-insensitively (Microsoft, "Filter rows using
   * OData", learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows), so the customer's leads
   * find one row whatever the case of their address.
   */
  private DeliveryResult byEmail(Lead lead, String email) throws DeliveryException {
    String column = config.mapping().get("email");
    String shown = column + " = " + Pii.maskEmail(email);
    return byLookup(lead, column, email, shown, n -> new Diagnosis(AMBIGUOUS_MATCH, "match: email found " + n
        + " leads with " + shown + "; LeadRouter never guesses which one is the customer's",
        "merge the duplicate leads in Dynamics (or remove all but one), or use match: leadId; then replay the dead "
        + "letters"));
  }

  /**
   * Looks the row up with {@code $filter=<column> eq '<value>'} and acts on what it finds as the mode says. The value
   * is an OData string literal: its quotes are doubled, and the whole query option is URL-encoded (Microsoft, "Filter
   * rows using OData": special characters must be URL-encoded). {@code $top=2} is enough to tell one row from several;
   * {@code $count=true} says how many there are when there are several.
   *
   * @param shown how the match reads in messages (a masked e-mail, never the raw address)
   * @param ambiguous the diagnosis when {@code n} rows match
   */
  private DeliveryResult byLookup(Lead lead, String column, String value, String shown,
      java.util.function.IntFunction<Diagnosis> ambiguous) throws DeliveryException {
    HttpUrl find = lookupUrl(column, value);
    SyncMode mode = config.matching().mode();
    boolean byLeadId = column.equals(config.idColumn().orElse(null)) && value.equals(lead.id().value());
    for (int round = 0; round < 2; round++) {
      JsonNode answer = getJson(find);
      JsonNode found = answer.path("value");
      if (!found.isArray()) {
        // a 200 that is no query answer must not read as "no matching row": that would create a duplicate row
        throw new TransientDeliveryException("Dataverse answered the lookup without a 'value' array (an empty body "
            + "or not a query result): check that instanceUrl is the Dataverse instance if it lasts");
      }
      if (found.size() > 1) {
        throw new PermanentDeliveryException(ambiguous.apply(Math.max(found.size(),
            answer.path("@odata.count").asInt(found.size()))));
      }
      if (found.size() == 1) {
        String id = found.path(0).path("leadid").asText();
        if (mode == SyncMode.CREATE) {
          return DeliveryResult.unchanged(id);
        }
        HttpUrl row = api.newBuilder().addPathSegment("leads(" + id + ")").build();
        if (conditionalWrite(lead, updateOnly(row, json(mapper.toRow(lead))), 404).isPresent()) {
          return DeliveryResult.updated(id);
        }
        continue; // deleted since the lookup: look again
      }
      if (mode == SyncMode.UPDATE_ONLY) {
        throw noMatch("no lead row has " + shown);
      }
      ObjectNode row = mapper.toRow(lead);
      if (byLeadId) {
        row.put(column, value);
      }
      // the primary key derived from the lead id, as the plain create sends: a create of an earlier attempt that
      // Dataverse was still running when this attempt's lookup found nothing (its answer lost to a timeout) is then
      // refused (0x80040237) instead of making a second row for the customer
      UUID key = LeadMapper.recordId(lead.id());
      row.put("leadid", key.toString());
      try (Response r = write(lead, odata(api.resolve("leads")).post(json(row)).build(), false)) {
        if (r.isSuccessful()) {
          requireConfirmed(lead, r, false);
          return DeliveryResult.created(entityId(r).orElse(key.toString()));
        }
        String body = Bodies.text(r.body(), Bodies.MAX_ERROR_BYTES);
        if (!DUPLICATE_KEY.equalsIgnoreCase(DynamicsErrors.dataverseError(r.code(), body).code())) {
          throw failure(lead, r, body, false);
        }
      }
      if (!byLeadId && exists(key)) {
        // this lead's own row, made by an earlier attempt (found by its key even when the lookup cannot see it yet,
        // or no longer: its e-mail changed in Dynamics)
        if (mode == SyncMode.CREATE) {
          return DeliveryResult.unchanged(key.toString());
        }
        HttpUrl own = api.newBuilder().addPathSegment("leads(" + key + ")").build();
        if (conditionalWrite(lead, updateOnly(own, json(mapper.toRow(lead))), 404).isPresent()) {
          return DeliveryResult.updated(key.toString());
        }
      }
      // created meanwhile (another attempt, another router): the next lookup finds it
    }
    throw new TransientDeliveryException("the lead row for " + lead.id() + " kept appearing and disappearing "
        + "between lookup and write");
  }

  /** {@code GET leads?$filter=<column> eq '<value>'&$select=leadid&$top=2&$count=true}, the value's quotes doubled. */
  private HttpUrl lookupUrl(String column, String value) {
    return api.newBuilder().addPathSegment("leads")
        .addQueryParameter("$filter", column + " eq '" + value.replace("'", "''") + "'")
        .addQueryParameter("$select", "leadid").addQueryParameter("$top", "2")
        .addQueryParameter("$count", "true").build();
  }

  /** {@code mode: update-only} found nothing: permanent, saying which key found nothing and the fix. */
  private PermanentDeliveryException noMatch(String what) {
    return new PermanentDeliveryException(new Diagnosis(NO_MATCHING_RECORD, "mode: update-only and " + what
        + " (" + config.matching() + ")", "create the lead in Dynamics first, or use mode: upsert to create it when "
        + "none matches; then replay the dead letters"));
  }

  /** A conditional write that was applied; {@code rowId} is null when the answer names no row. */
  private record Written(String rowId) {}

  /**
   * Sends a create-only ({@code If-None-Match: *}) or update-only ({@code If-Match: *}) write: the written row when
   * it was applied, empty when its condition failed ({@code conditionFailed}: 412 for create-only, 404 for
   * update-only), the classified failure for any other answer.
   */
  private Optional<Written> conditionalWrite(Lead lead, Request request, int conditionFailed)
      throws DeliveryException {
    try (Response r = write(lead, request, false)) {
      if (r.isSuccessful()) {
        requireConfirmed(lead, r, false);
        return Optional.of(new Written(entityId(r).orElse(null)));
      }
      if (r.code() != conditionFailed) {
        throw failure(lead, r, Bodies.text(r.body(), Bodies.MAX_ERROR_BYTES), false);
      }
      return Optional.empty();
    }
  }

  /**
   * Checks that a 2xx answer to a write is Dataverse's: {@code 204 No Content} (what a create or an upsert answers
   * without {@code Prefer: return=representation}, which this sink never sends), or a 200/201 naming the row
   * ({@code OData-EntityId}) or carrying it as JSON. A create ({@code POST leads}) answered 204 must name the row it
   * created in {@code OData-EntityId} (Dataverse's documented create answer; OData 4.0 Part 1 requires the header on
   * a 204 to a create); a {@code PATCH} (update, or create-only upsert by key) may answer a bare 204, as Dataverse's
   * update docs show. Anything else (a proxy's or captive portal's HTML page, a 202, an empty 200, a bare 204 to a
   * create) confirms nothing: the lead is not counted as delivered but retried, which the upsert and the derived
   * primary key make safe; a create is remembered as uncertain so the retry looks the row up first.
   */
  private void requireConfirmed(Lead lead, Response r, boolean trackUncertain) throws TransientDeliveryException {
    boolean create = r.request().method().equals("POST");
    if (r.code() == 204 && (!create || entityId(r).isPresent())) {
      return;
    }
    String type = Objects.requireNonNullElse(r.header("Content-Type"), "");
    if ((r.code() == 200 || r.code() == 201)
        && (r.header("OData-EntityId") != null || type.toLowerCase(Locale.ROOT).startsWith("application/json")
            && carriesTheRow(r))) {
      return;
    }
    if (trackUncertain) {
      markUncertain(lead.id());
    }
    String what = r.code() == 204 ? "HTTP 204 without the created row's OData-EntityId"
        : "HTTP " + r.code() + (type.isEmpty() ? "" : " (" + type + ")") + " but neither 204 nor the written row";
    throw new TransientDeliveryException("Dataverse " + api.host() + " answered " + r.request().method() + " "
        + r.request().url().encodedPath() + " with " + what + ": not counted as delivered, retried (check that "
        + "instanceUrl is the Dataverse instance and that no proxy answers for it if this lasts)");
  }

  /**
   * Whether a JSON answer to a write is the written row (it carries {@code leadid}): a gateway's or a proxy's JSON
   * ({@code {}}, {@code {"status":"queued"}}, an OData error sent as 200) was counted as delivered for its content
   * type alone, and the lead never reached Dataverse.
   */
  private static boolean carriesTheRow(Response r) {
    try {
      JsonNode row = MAPPER.readTree(Bodies.read(r.body(), MAX_QUERY_ANSWER_BYTES));
      return row != null && row.path("leadid").isTextual() && !row.path("leadid").asText().isBlank();
    } catch (IOException e) {
      return false; // not JSON, cut short, or larger than any row
    }
  }

  /** Sends a create or update, remembering leads whose request may have been applied despite a failure. */
  private Response write(Lead lead, Request request, boolean trackUncertain) throws DeliveryException {
    try {
      return send(request);
    } catch (TransientDeliveryException e) {
      if (trackUncertain && e.getCause() instanceof IOException io && !HttpFailures.neverSent(io)) {
        markUncertain(lead.id());
      }
      throw e;
    }
  }

  /**
   * Sends a Dataverse request with the current token; a 401 refreshes the token once and resends, a second 401 is
   * {@code DYNAMICS_SIGN_IN_FAILED}. The caller closes the response.
   */
  private Response send(Request request) throws DeliveryException {
    String token = tokens.token();
    Response first = execute(request, token);
    if (first.code() != 401) {
      return first;
    }
    first.close();
    tokens.invalidate(token);
    Response second = execute(request, tokens.token());
    if (second.code() != 401) {
      return second;
    }
    try (second) {
      String body = Bodies.text(second.body(), Bodies.MAX_ERROR_BYTES);
      String www = Objects.requireNonNullElse(second.header("WWW-Authenticate"), "");
      String message = DynamicsErrors.dataverseError(401, body).message();
      if (body.isBlank() && !www.isBlank()) {
        message = "Dataverse refused a fresh token (401): " + Bodies.quote(www); // bounded: the peer's text
      }
      throw new PermanentDeliveryException(new Diagnosis(DynamicsErrors.SIGN_IN_FAILED, message,
          DynamicsErrors.FIX_SIGN_IN));
    }
  }

  private Response execute(Request request, String token) throws DeliveryException {
    try {
      Response r = http.newCall(request.newBuilder().header("Authorization", "Bearer " + token).build()).execute();
      unreachableStreak.set(0);
      return r;
    } catch (IOException e) {
      Optional<BlockedAddressException> blocked = AddressGuard.blockedCause(e);
      if (blocked.isPresent()) {
        throw DynamicsErrors.blocked("Dataverse instanceUrl", blocked.get());
      }
      Diagnosis diagnosis = null;
      if (HttpFailures.unreachable(e)) {
        int n = unreachableStreak.incrementAndGet();
        if (n >= config.unreachableAfter()) {
          diagnosis = DynamicsErrors.unreachable(api.host(), n, e);
        }
      }
      throw new TransientDeliveryException("request to Dataverse " + api.host() + " failed: "
          + HttpFailures.describe(e), null, diagnosis,
          e);
    }
  }

  private DeliveryException failure(Lead lead, Response r, String body, boolean trackUncertain) {
    if (trackUncertain && lead != null && r.code() >= 500) {
      markUncertain(lead.id());
    }
    return DynamicsErrors.fromDataverse(r.code(), body, HttpAnswer.retryAfter(r, clock),
        HttpFailures.redirectTarget(r.request().url(), r.header("Location")));
  }

  private void markUncertain(LeadId id) {
    if (uncertain.size() >= MAX_UNCERTAIN) {
      uncertain.clear(); // safe: the derived primary key still stops a second row
    }
    uncertain.add(id);
  }

  private static Request.Builder odata(HttpUrl url) {
    return new Request.Builder().url(url)
        .header("OData-MaxVersion", "4.0")
        .header("OData-Version", "4.0")
        .header("Accept", "application/json");
  }

  private static RequestBody json(JsonNode node) {
    try {
      return RequestBody.create(MAPPER.writeValueAsBytes(node), JSON);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
    }
  }

  private static Optional<String> entityId(Response r) {
    String header = r.header("OData-EntityId");
    if (header == null) {
      return Optional.empty();
    }
    Matcher m = ENTITY_ID.matcher(header);
    return m.find() ? Optional.of(m.group(1)) : Optional.empty();
  }

  private JsonNode getJson(HttpUrl url) throws DeliveryException {
    try (Response r = send(odata(url).get().build())) {
      if (!r.isSuccessful()) {
        throw failure(null, r, Bodies.text(r.body(), Bodies.MAX_ERROR_BYTES), false);
      }
      // bounded, and strict: an answer cut short by a timeout or reset fails (a lenient read would look like "no
      // matching row" to a lookup, and lead to a duplicate create)
      BufferedSource source = r.body().source();
      if (source.request(MAX_QUERY_ANSWER_BYTES + 1L)) {
        throw new TransientDeliveryException("Dataverse answered " + url.encodedPath() + " with more than "
            + MAX_QUERY_ANSWER_BYTES / (1024 * 1024) + " MiB, which no query of this sink asks for: check that "
            + "instanceUrl is the Dataverse instance and not a proxy or another service");
      }
      return MAPPER.readTree(source.getBuffer().readByteArray());
    } catch (IOException e) {
      throw new TransientDeliveryException("cannot read Dataverse's answer: " + e.getMessage(), e);
    }
  }

  /**
   * The publish check, step by step: {@code token} (a fresh sign-in), {@code whoami}, {@code create privilege},
   * {@code alternate key} (a warning when no {@code idColumn} is set), {@code opt-out columns} (the Lead columns a
   * do-not-contact lead sets exist and can be written on create) and {@code test lead} (a marketplace-style
   * test lead {@code MSFT_TEST_<ticks>}, left in Dynamics like the marketplace's own).
   */
  @Override
  public VerificationReport verify() {
    VerificationReport.Builder report = VerificationReport.builder(DynamicsSinkProvider.TYPE);
    try {
      tokens.clear();
      tokens.token();
      report.passed("token", "signed in to tenant " + config.tenantId() + " as client " + config.clientId());
    } catch (DeliveryException e) {
      report.failed("token", diagnosisOf(e));
      return skipRest(report, "whoami", "create privilege", "alternate key", "opt-out columns", "test lead");
    }
    String userId;
    try {
      JsonNode who = getJson(api.resolve("WhoAmI"));
      userId = who.path("UserId").asText("");
      report.passed("whoami", "application user " + userId + " in organization "
          + who.path("OrganizationId").asText("?"));
    } catch (DeliveryException e) {
      report.failed("whoami", diagnosisOf(e));
      return skipRest(report, "create privilege", "alternate key", "opt-out columns", "test lead");
    }
    checkPrivileges(report, userId);
    checkAlternateKey(report);
    checkOptOutColumns(report);
    if (report.hasFailed()) {
      return report.skipped("test lead", "an earlier step failed").build();
    }
    if (config.matching().mode() == SyncMode.UPDATE_ONLY) {
      // delivering it would only prove it is refused: say what that means for the marketplace's own test lead
      return report.warning("test lead", new Diagnosis(NO_MATCHING_RECORD, "mode: update-only creates nothing: "
          + "the marketplace's test lead, and every lead of a customer not yet in Dynamics, will be dead-lettered",
          "use mode: upsert if new customers' leads should be created")).build();
    }
    Lead test = testLead();
    try {
      DeliveryResult result = deliver(test);
      report.passed("test lead", "test lead " + test.customer().firstName() + " " + result.outcome()
          .name().toLowerCase(Locale.ROOT) + " as lead " + result.recordId().orElse("?"));
    } catch (DeliveryException e) {
      report.failed("test lead", diagnosisOf(e));
    }
    return report.build();
  }

  private void checkPrivileges(VerificationReport.Builder report, String userId) {
    HttpUrl url = api.newBuilder()
        .addPathSegment("systemusers(" + userId + ")")
        .addPathSegment("Microsoft.Dynamics.CRM.RetrieveUserPrivileges()").build();
    try {
      JsonNode privileges = getJson(url).path("RolePrivileges");
      Set<String> names = ConcurrentHashMap.newKeySet();
      privileges.forEach(p -> names.add(p.path("PrivilegeName").asText("").toLowerCase(Locale.ROOT)));
      if (!names.contains("prvcreatelead")) {
        report.failed("create privilege", new Diagnosis(DynamicsErrors.NO_CREATE_PRIVILEGE,
            "the application user " + userId + " lacks the prvCreateLead privilege", DynamicsErrors.FIX_NO_CREATE));
        return;
      }
      boolean upsert = config.idColumn().isPresent() || config.matching().match() == Match.EMAIL
          && config.matching().mode() != SyncMode.CREATE || config.matching().mode() == SyncMode.UPDATE_ONLY;
      if (config.matching().match() == Match.EMAIL && !names.contains("prvreadlead")) {
        report.failed("create privilege", new Diagnosis(DynamicsErrors.NO_CREATE_PRIVILEGE, "the application "
            + "user " + userId + " lacks prvReadLead: match: email cannot look leads up by e-mail",
            "add read on Lead to the application user's role"));
        return;
      }
      if (upsert && !names.contains("prvwritelead")) {
        report.warning("create privilege", new Diagnosis(DynamicsErrors.NO_CREATE_PRIVILEGE,
            "the application user " + userId + " can create leads but lacks prvWriteLead: redelivered leads "
                + "will be rejected", "add write on Lead to the application user's role"));
      } else if (!names.contains("prvreadlead")) {
        report.warning("create privilege", new Diagnosis(DynamicsErrors.NO_CREATE_PRIVILEGE,
            "the application user " + userId + " can create leads but lacks prvReadLead: retries cannot look a "
                + "lead up (the derived key still prevents duplicates)", "add read on Lead to the role"));
      } else {
        report.passed("create privilege", "the application user has prvCreateLead");
      }
    } catch (DeliveryException e) {
      report.failed("create privilege", diagnosisOf(e));
    }
  }

  private void checkAlternateKey(VerificationReport.Builder report) {
    if (config.idColumn().isEmpty()) {
      report.warning("alternate key", new Diagnosis("DYNAMICS_NO_ALTERNATE_KEY",
          "no idColumn is configured: leads are created with a primary key derived from the lead id, and the "
              + "lead id is not searchable in Dynamics",
          "add a text column (e.g. new_leadrouterid) to Lead, an alternate key on it, and set idColumn"));
      return;
    }
    String column = config.idColumn().get();
    HttpUrl url = api.newBuilder().addPathSegment("EntityDefinitions(LogicalName='lead')").addPathSegment("Keys")
        .addEncodedQueryParameter("$select", "LogicalName,KeyAttributes,EntityKeyIndexStatus").build();
    try {
      for (JsonNode key : getJson(url).path("value")) {
        JsonNode attributes = key.path("KeyAttributes");
        if (attributes.size() == 1 && column.equals(attributes.path(0).asText())) {
          String status = key.path("EntityKeyIndexStatus").asText("");
          if (status.equalsIgnoreCase("Active")) {
            report.passed("alternate key", "alternate key " + key.path("LogicalName").asText() + " on " + column
                + " is active");
          } else {
            report.failed("alternate key", new Diagnosis("DYNAMICS_NO_ALTERNATE_KEY", "the alternate key on "
                + column + " is " + status + ", not Active", "wait for its index to build, or reactivate it"));
          }
          return;
        }
      }
      report.failed("alternate key", new Diagnosis("DYNAMICS_NO_ALTERNATE_KEY", "no alternate key on Lead "
          + "consists of the idColumn " + column, "create an alternate key on Lead with only the column " + column));
    } catch (DeliveryException e) {
      report.failed("alternate key", diagnosisOf(e));
    }
  }

  /**
   * Reads the Lead table's definition of the opt-out columns ({@code EntityDefinitions(LogicalName='lead')/Attributes}
   * filtered by name): each must exist and be valid for create, or every do-not-contact lead is refused.
   */
  private void checkOptOutColumns(VerificationReport.Builder report) {
    StringBuilder filter = new StringBuilder();
    for (String column : LeadMapper.OPT_OUT_COLUMNS) {
      filter.append(filter.length() == 0 ? "" : " or ").append("LogicalName eq '").append(column).append('\'');
    }
    HttpUrl url = api.newBuilder().addPathSegment("EntityDefinitions(LogicalName='lead')")
        .addPathSegment("Attributes").addQueryParameter("$select", "LogicalName,IsValidForCreate")
        .addQueryParameter("$filter", filter.toString()).build();
    try {
      Set<String> writable = new HashSet<>();
      Set<String> present = new HashSet<>();
      for (JsonNode attribute : getJson(url).path("value")) {
        String name = attribute.path("LogicalName").asText("");
        present.add(name);
        if (attribute.path("IsValidForCreate").asBoolean(true)) {
          writable.add(name);
        }
      }
      List<String> missing = LeadMapper.OPT_OUT_COLUMNS.stream().filter(c -> !present.contains(c)).toList();
      List<String> readOnly = LeadMapper.OPT_OUT_COLUMNS.stream()
          .filter(c -> present.contains(c) && !writable.contains(c)).toList();
      if (!missing.isEmpty() || !readOnly.isEmpty()) {
        report.failed("opt-out columns", new Diagnosis(DynamicsErrors.OPT_OUT_COLUMN_MISSING, "a do-not-contact "
            + "(DNC) lead sets " + String.join(", ", LeadMapper.OPT_OUT_COLUMNS) + " on Lead, but "
            + (missing.isEmpty() ? "" : "the table has no column " + String.join(", ", missing))
            + (missing.isEmpty() || readOnly.isEmpty() ? "" : " and ")
            + (readOnly.isEmpty() ? "" : String.join(", ", readOnly) + " cannot be set on create")
            + ": DNC leads would be refused and dead-lettered",
            DynamicsErrors.FIX_OPT_OUT));
        return;
      }
      report.passed("opt-out columns", "a DNC lead sets " + String.join(", ", LeadMapper.OPT_OUT_COLUMNS));
    } catch (DeliveryException e) {
      report.failed("opt-out columns", diagnosisOf(e));
    }
  }

  /** The marketplace's publish-time test lead ({@link Lead#marketplaceTestLead}). */
  Lead testLead() {
    return Lead.marketplaceTestLead(clock, "LeadRouter publish check");
  }

  private static VerificationReport skipRest(VerificationReport.Builder report, String... steps) {
    for (String s : steps) {
      report.skipped(s, "an earlier step failed");
    }
    return report.build();
  }

  private static Diagnosis diagnosisOf(DeliveryException e) {
    return e.diagnosis().orElseGet(() -> new Diagnosis("DYNAMICS_UNAVAILABLE", e.getMessage(),
        "try again later; if it persists, check the instance's service health"));
  }

  @Override
  public SinkCapabilities capabilities() {
    // the router paces deliveries, Dataverse counts requests: match: email costs two per lead (the lookup, then the
    // write), so only half as many deliveries fit the window
    int requestsPerLead = config.matching().match() == Match.EMAIL ? 2 : 1;
    return SinkCapabilities.builder().maxBatchSize(1).maxConcurrency(MAX_CONCURRENCY)
        .rateLimit(RATE_PERMITS / requestsPerLead, RATE_PERIOD).upsert(true).confirmsDelivery(true)
        .orderingKey(SinkCapabilities.OrderingKey.CUSTOMER).build(); // two calls for one person: two records
  }

  /** {@code http} for token calls: one timeout for the whole call. */
  private OkHttpClient tokenHttp(OkHttpClient http) {
    return http.newBuilder().callTimeout(config.timeout()).build();
  }

  /**
   * Grows this sink's dispatcher and connection pool to the deliveries the router runs at once, when its in-flight
   * setting is above {@link #MAX_CONCURRENCY}: each keeps its connection alive between leads, instead of a new one (a
   * TLS handshake) for every lead beyond the pool ({@link HttpClients#sizedFor}; an application's client keeps its
   * pool). Such a setting runs more calls than Dataverse takes at once for one user: expect its 429s.
   */
  @Override
  public void prepareFor(int inFlight) {
    OkHttpClient sized = HttpClients.sizedFor(http, inFlight);
    tokenHttp = tokenHttp(sized);
    http = sized;
  }

  /** Stops this sink's dispatcher threads and closes its own pool's idle connections (an application's pool stays). */
  @Override
  public void close() {
    HttpClients.release(http);
  }

  /** Shows where leads go, never the secret. */
  @Override
  public String toString() {
    // a URL's user info may be a password or a token
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials("DynamicsSink[" + config.instanceUrl() + ", tenant=" + config.tenantId() + ", client="
        + config.clientId() + ", idColumn=" + config.idColumn().orElse("(none)")
        + (config.matching().isDefault() ? "" : ", " + config.matching()) + "]");
  }

  /** Builds a {@link DynamicsSink}; {@link #build()} reports every invalid setting at once. */
  public static final class Builder extends MatchingSinkBuilder<Builder> {
    private String tenantId = "";
    private String clientId = "";
    private Secret clientSecret = Secret.of("");
    private URI instanceUrl;
    private URI authorityHost = DynamicsConfig.DEFAULT_AUTHORITY;
    private String idColumn;
    private final Map<String, String> mapping = new LinkedHashMap<>();
    private int leadSourceCode = DynamicsConfig.DEFAULT_LEAD_SOURCE_CODE;
    private int unreachableAfter = DynamicsConfig.DEFAULT_UNREACHABLE_AFTER;

    private Builder() {
      super(DynamicsConfig.DEFAULT_TIMEOUT);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The Entra tenant: a GUID or a verified domain. */
    public Builder tenantId(String v) {
      tenantId = Objects.requireNonNull(v, "tenantId").strip();
      return this;
    }

    /** The app registration's application (client) id. */
    public Builder clientId(String v) {
      clientId = Objects.requireNonNull(v, "clientId").strip();
      return this;
    }

    /** The app registration's client secret. */
    public Builder clientSecret(Secret v) {
      clientSecret = Objects.requireNonNull(v, "clientSecret");
      return this;
    }

    /** The Dataverse instance, {@code https://<org>.crm.dynamics.com}. */
    public Builder instanceUrl(URI v) {
      instanceUrl = Objects.requireNonNull(v, "instanceUrl");
      return this;
    }

    /** The Dataverse instance, as text. */
    public Builder instanceUrl(String v) {
      return instanceUrl(URI.create(Objects.requireNonNull(v, "instanceUrl").strip()));
    }

    /** The Entra authority host (sovereign clouds, tests); {@code https://login.microsoftonline.com} by default. */
    public Builder authorityHost(URI v) {
      authorityHost = Objects.requireNonNull(v, "authorityHost");
      return this;
    }

    /** The Lead column holding the lead id, backed by an alternate key: enables upsert by it. */
    public Builder idColumn(String v) {
      idColumn = Objects.requireNonNull(v, "idColumn").strip();
      return this;
    }

    /** Maps a lead field (see {@link DynamicsConfig#LEAD_FIELDS}) to a Dataverse column; {@code ""} = not sent. */
    public Builder map(String leadField, String column) {
      mapping.put(Objects.requireNonNull(leadField, "leadField"), Objects.requireNonNull(column, "column").strip());
      return this;
    }

    /** The {@code leadsourcecode} option value (8 = Web by default; 0 = not sent). */
    public Builder leadSourceCode(int v) {
      leadSourceCode = v;
      return this;
    }

    /** Consecutive timeouts or connect failures that mean "instance unreachable" (3 by default). */
    public Builder unreachableAfter(int v) {
      unreachableAfter = v;
      return this;
    }

    /** Takes every setting from {@code config}. */
    public Builder config(DynamicsConfig config) {
      Objects.requireNonNull(config, "config");
      tenantId = config.tenantId();
      clientId = config.clientId();
      clientSecret = config.clientSecret();
      instanceUrl = config.instanceUrl();
      authorityHost = config.authorityHost();
      idColumn = config.idColumn().orElse(null);
      mapping.clear();
      mapping.putAll(config.mapping());
      leadSourceCode = config.leadSourceCode();
      unreachableAfter = config.unreachableAfter();
      return matching(config.matching()).timeout(config.timeout());
    }

    /**
     * Builds the sink: the one place the settings are checked.
     *
     * @throws ConfigurationException naming every missing or invalid setting ({@code dynamics.<key>})
     */
    public DynamicsSink build() {
      Map<String, String> resolved = new LinkedHashMap<>(DynamicsConfig.DEFAULT_MAPPING);
      resolved.putAll(mapping);
      Optional<String> column = Optional.ofNullable(idColumn).filter(s -> !s.isEmpty());
      List<Problem> problems = DynamicsConfig.problems(tenantId, clientId, clientSecret, instanceUrl, authorityHost,
          column, resolved, timeout(), unreachableAfter, matching());
      if (!problems.isEmpty()) {
        throw new ConfigurationException(problems.stream()
            .map(p -> new Problem("dynamics." + p.path(), p.message(), p.fix())).toList());
      }
      return new DynamicsSink(new DynamicsConfig(tenantId, clientId, clientSecret, instanceUrl, authorityHost, column,
          resolved, leadSourceCode, timeout(), unreachableAfter, matching()), clock(), httpClient().orElse(null));
    }
  }
}
