package io.leadrouter.salesforce;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.Pii;
import io.leadrouter.http.ExplainRequests;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpClients;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.salesforce.internal.LeadChecks;
import io.leadrouter.salesforce.internal.LeadDescribe;
import io.leadrouter.salesforce.internal.RestClient;
import io.leadrouter.spi.BatchItemResult;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers leads to Salesforce through the REST API (type {@code salesforce}) with confirmed results. With an
 * external id field it upserts by {@code LeadId} ({@code PATCH /sobjects/Lead/<field>/<LeadId>}), so redelivery
 * updates the same Lead; without one it creates ({@code POST /sobjects/Lead}) and is not idempotent: a create whose
 * answer is lost is dead-lettered as {@link SalesforceErrors#CREATE_OUTCOME_UNKNOWN}, never sent again. Batches go
 * through sObject Collections (up to 200, {@code allOrNone=false}: one bad record fails only itself). Thread-safe.
 *
 * <p>Matching ({@link RecordMatching}): with {@code match: email}, or a {@code mode} other than {@code upsert}, a lead
 * finds its Lead with a SOQL query ({@code GET /query?q=SELECT Id FROM Lead WHERE Email = '<e-mail>' AND IsConverted
 * = false LIMIT 2}, or {@code WHERE <externalIdField> = '<LeadId>'}), then updates it ({@code PATCH
 * /sobjects/Lead/<Id>}, 204 = {@code UPDATED}), leaves it ({@code mode: create}: {@code UNCHANGED}) or creates one
 * ({@code POST /sobjects/Lead}, 201 = {@code CREATED}); {@code mode: update-only} never creates
 * ({@code SALESFORCE_NO_MATCHING_RECORD}) and two or more matches are never guessed between
 * ({@code SALESFORCE_AMBIGUOUS_MATCH}). Such leads go one request at a time (no collections). A lead without an
 * e-mail is matched by its lead id.
 */
public final class SalesforceSink implements LeadSink {
  /** The value Salesforce itself puts into LastName / Company when Web-to-Lead leaves them empty. */
  static final String NOT_PROVIDED = "[not provided]";
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Two or more Leads match a lead's e-mail: which one is the customer's is not guessed. */
  public static final String AMBIGUOUS_MATCH = "SALESFORCE_AMBIGUOUS_MATCH";
  /** {@code mode: update-only} and no Lead matches the lead. */
  public static final String NO_MATCHING_RECORD = "SALESFORCE_NO_MATCHING_RECORD";

  private final SalesforceConfig config;
  /** Replaced once by {@link #prepareFor} with one whose pool fits the router's in-flight setting. */
  private volatile OkHttpClient http;
  private final RestClient rest;
  private static final Logger LOG = LoggerFactory.getLogger(SalesforceSink.class);
  private final Clock clock;
  /**
   * The longest a create may still run in Salesforce after its answer was lost: "The timeout limit for REST and SOAP
   * API calls is 10 minutes" (Salesforce, "API Request Limits and Allocations", developer.salesforce.com/docs/platform/
   * salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html), and a minute for clocks and
   * queues. Until then a lookup may not see the Lead it is creating.
   */
  static final Duration CREATE_SETTLES_AFTER = Duration.ofMinutes(11);
  /** Customers (by their lookup) with a create whose answer was lost, and when it has settled; pruned as they pass. */
  private final java.util.concurrent.ConcurrentHashMap<String, Instant> settling =
      new java.util.concurrent.ConcurrentHashMap<>();
  /**
   * Where the settling waits also go (the router's journal): held only in memory, a restart within the wait looked
   * the customer up at once and a second create made a second Lead. Null without a journal keeping counters.
   */
  private volatile io.leadrouter.spi.SinkCounters counters;


  private SalesforceSink(SalesforceConfig config, Optional<OkHttpClient> baseClient, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.http = HttpClients.derive(baseClient.orElse(null), config.timeout(), config.maxConcurrency());
    this.rest = RestClient.signedIn(() -> http, config.credentials(), config.apiUsageThreshold(), config.quotaRetryAfter(),
        clock);
  }

  /** A builder; {@code myDomain}, {@code clientId} and {@code clientSecret} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings this sink runs with. */
  public SalesforceConfig config() {
    return config;
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    Objects.requireNonNull(lead, "lead");
    Optional<Lookup> lookup = lookup(lead);
    if (lookup.isPresent()) {
      return byQuery(lead, lookup.get());
    }
    if (!addressable(lead)) {
      return alone(collection(List.of(lead)).get(0));
    }
    Write w = write(lead);
    boolean plainCreate = config.externalIdField().isEmpty();
    HttpAnswer r = plainCreate ? sendCreate(List.of(lead), w) : rest.send(w.method(), w.url(), w.json());
    if (!r.successful()) {
      throw failure(r);
    }
    if (r.status() == 204) {
      return DeliveryResult.updated(null); // upsert of an existing Lead before API v46: no body
    }
    JsonNode result;
    try {
      result = confirmation(r, w);
    } catch (TransientDeliveryException e) {
      if (plainCreate) {
        throw createOutcomeUnknown(List.of(lead), "answered HTTP " + r.status() + " without its result");
      }
      throw e;
    }
    String id = result.path("id").asText(null);
    return r.status() == 201 || result.path("created").asBoolean(false) ? DeliveryResult.created(id)
        : DeliveryResult.updated(id);
  }

  /**
   * Sends a plain create ({@code POST}, no {@code externalIdField}): the one write that cannot be repeated safely, as
   * Salesforce keeps no key to find what it created. An answer lost after the request went out (no answer in time, a
   * dropped or cut connection, a gateway's 502/504) is therefore not retried but dead-lettered as
   * {@link SalesforceErrors#CREATE_OUTCOME_UNKNOWN}; a request that certainly never left is retried as before.
   */
  private HttpAnswer sendCreate(List<Lead> leads, Write w) throws DeliveryException {
    rest.tokens().token(); // a failing token fetch is no lost create
    HttpAnswer r;
    try {
      r = rest.send(w.method(), w.url(), w.json());
    } catch (TransientDeliveryException e) {
      if (e.getCause() instanceof IOException io && !HttpFailures.neverSent(io)
          && !(io instanceof javax.net.ssl.SSLHandshakeException)) {
        throw createOutcomeUnknown(leads, "got no answer: " + HttpFailures.describe(io));
      }
      throw e;
    }
    if (r.status() == 502 || r.status() == 504) {
      throw createOutcomeUnknown(leads, "got a gateway's HTTP " + r.status() + " instead of Salesforce's answer");
    }
    return r;
  }

  /** A plain create whose outcome is unknown: permanent, saying how to find out and to replay only if missing. */
  private PermanentDeliveryException createOutcomeUnknown(List<Lead> leads, String what) {
    String ids = leads.size() == 1 ? "lead " + leads.get(0).id() : leads.size() + " leads (" + leads.get(0).id()
        + " ...)";
    LOG.warn("Salesforce create outcome unknown for {}: not sent again, dead-lettered as {}",
        leads.size() == 1 ? "lead " + io.leadrouter.Pii.maskLeadId(leads.get(0).id().value()) : leads.size()
            + " leads (" + io.leadrouter.Pii.maskLeadId(leads.get(0).id().value()) + " ...)",
        SalesforceErrors.CREATE_OUTCOME_UNKNOWN);
    return new PermanentDeliveryException(new Diagnosis(SalesforceErrors.CREATE_OUTCOME_UNKNOWN,
        "the create of " + ids + " (POST, no externalIdField) was sent to " + rest.url("sobjects").host() + " and "
            + what + "; Salesforce may have created the Lead, and a plain create cannot be looked up or repeated "
            + "safely, so it is not sent again",
        "look in Salesforce for the Lead created around " + clock.instant().truncatedTo(
            java.time.temporal.ChronoUnit.SECONDS) + " with the lead's e-mail; only if it is missing, replay this "
            + "dead letter ('leadrouter replay --code " + SalesforceErrors.CREATE_OUTCOME_UNKNOWN + "'); set "
            + "externalIdField (a Lead field marked External ID and Unique) so deliveries upsert and a lost answer "
            + "is simply retried"));
  }

  /**
   * The result a 200 or 201 answer carries ({@code {"id":..,"success":true,...}}). Any other 2xx, or a body that is not
   * that result (an HTML page of a proxy, an empty or cut-off body), confirms nothing: the lead is not counted as
   * delivered but retried, which the upsert makes safe (a plain create may then make a second Lead, as any
   * uncertain create does without an external id field).
   */
  private static JsonNode confirmation(HttpAnswer r, Write w) throws TransientDeliveryException {
    JsonNode result;
    try {
      result = MAPPER.readTree(r.body());
    } catch (IOException e) {
      result = null;
    }
    boolean documented = (r.status() == 200 || r.status() == 201) && result != null && result.isObject()
        && result.path("success").asBoolean(false) && result.hasNonNull("id");
    if (!documented) {
      throw new TransientDeliveryException("Salesforce answered " + w.method() + " " + w.url().encodedPath()
          + " with HTTP " + r.status() + " but not with its result ({\"id\":..,\"success\":true}): "
          + (r.body().isBlank() ? "an empty body" : "'" + SalesforceErrors.mask(io.leadrouter.http.Bodies.quote(
              r.body(), 120)) + "'") + "; not counted as delivered, retried (check that myDomain is the org's My "
          + "Domain and no proxy answers for it if this lasts)");
    }
    return result;
  }

  /** The failure for a non-2xx answer, as {@link RestClient#failure} classifies it, {@link #raced} told apart. */
  private DeliveryException failure(HttpAnswer r) {
    return raced(rest.failure(r));
  }

  /**
   * {@code DUPLICATE_VALUE} on the external id field is two writes of one lead id racing (the write of an attempt
   * whose answer was lost, still running when the retry's upsert or create came): the unique field refuses the second,
   * and the next attempt finds the Lead and updates it. As a permanent failure it dead-lettered a lead Salesforce held.
   * {@code DUPLICATE_VALUE} on another unique field stays permanent.
   */
  private DeliveryException raced(DeliveryException e) {
    if (!(e instanceof PermanentDeliveryException p) || config.externalIdField().isEmpty()) {
      return e;
    }
    Diagnosis d = p.diagnosisValue();
    String field = config.externalIdField().get();
    if (!d.code().equals(SalesforceErrors.diagnosisCode("DUPLICATE_VALUE"))
        || !java.util.regex.Pattern.compile("duplicate value found: " + java.util.regex.Pattern.quote(field)
            + "(?![A-Za-z0-9_])", java.util.regex.Pattern.CASE_INSENSITIVE).matcher(d.message()).find()) {
      return e;
    }
    return new TransientDeliveryException("Salesforce refused a second Lead with this lead id in " + field
        + " (DUPLICATE_VALUE: an earlier attempt's write was still running); retried, it updates that Lead", null,
        new Diagnosis(d.code(), d.message(), "none needed if it passes: the next attempt updates the Lead the earlier "
            + "write created; if it persists, check that no other integration writes " + field), e);
  }

  /**
   * Whether this lead's upsert may name its lead id in the URL ({@code PATCH /sobjects/Lead/<field>/<LeadId>}): only
   * letters, digits, {@code _} and {@code -}. A {@code LeadId} may also hold {@code . ~ : @ + =}, and Salesforce reads
   * a value's ending such as {@code .json}, {@code .xml} or {@code .inc} as a format extension (404, or before API 58
   * the record of the shortened value), {@code .} and {@code ..} are path steps, and {@code +} may read as a space
   * (Salesforce, "Upsert Records Using sObject Rows by External ID", .../api_rest/resources_sobject_upsert_patch.htm).
   * Such a lead is upserted through sObject Collections, which carries the value in the body. Without an external id
   * field nothing is addressed by the lead id.
   */
  private boolean addressable(Lead lead) {
    return config.externalIdField().isEmpty() || URL_SAFE_ID.matcher(lead.id().value()).matches();
  }

  private static final java.util.regex.Pattern URL_SAFE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9_-]+");

  /** One lead's collection result as {@link #deliver} answers it. */
  private static DeliveryResult alone(BatchItemResult item) throws DeliveryException {
    if (item.failure().isPresent()) {
      throw item.failure().get();
    }
    return item.result().orElseThrow();
  }

  /**
   * How a lead is looked up before it is written: by e-mail ({@code match: email} and the lead has one), or by the
   * external id when the mode is not a plain upsert (create-only and update-only need to know what exists).
   *
   * @param field the Lead field queried
   * @param value its value for this lead
   * @param shown how the match reads in messages (a masked e-mail, never the raw address)
   * @param byEmail whether this is the e-mail match (converted Leads are left out, and several are ambiguous)
   */
  private record Lookup(String field, String value, String shown, boolean byEmail) {}

  private Optional<Lookup> lookup(Lead lead) {
    RecordMatching m = config.matching();
    String email = lead.customer().email().strip();
    Optional<String> emailField = config.fields().name(LeadField.EMAIL);
    if (m.match() == Match.EMAIL && !email.isEmpty() && emailField.isPresent()) {
      return Optional.of(new Lookup(emailField.get(), email, emailField.get() + " = " + Pii.maskEmail(email), true));
    }
    if (m.mode() != SyncMode.UPSERT && config.externalIdField().isPresent()) {
      String field = config.externalIdField().get();
      return Optional.of(new Lookup(field, lead.id().value(), field + " = " + lead.id(), false));
    }
    return Optional.empty();
  }

  /**
   * The SOQL query of a lookup. A string literal escapes {@code \ ' " } and the control characters with a backslash
   * (Salesforce, "Quoted String Escape Sequences", developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/
   * sforce_api_calls_soql_select_quotedstringescapes.htm); {@code =} on a text field ignores case ("Comparison
   * Operators", .../sforce_api_calls_soql_select_comparisonoperators.htm), so a customer's leads find one Lead
   * whatever the case of their address. A converted Lead cannot be updated (it became a Contact), so the e-mail
   * match leaves converted Leads out: the customer's next lead starts a new one.
   */
  static String soql(String select, String field, String value, boolean unconvertedOnly, boolean limit) {
    return "SELECT " + select + " FROM Lead WHERE " + field + " = '" + soqlLiteral(value) + "'"
        + (unconvertedOnly ? " AND IsConverted = false" : "") + (limit ? " LIMIT 2" : "");
  }

  /** {@code value} as the inside of a SOQL string literal. */
  static String soqlLiteral(String value) {
    StringBuilder b = new StringBuilder(value.length() + 8);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '\'' -> b.append("\\'");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        case '\b' -> b.append("\\b");
        case '\f' -> b.append("\\f");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /**
   * Looks the Lead up with the query resource (Salesforce REST API Developer Guide, "Query",
   * developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm), then updates it by Id
   * ("Update a Record", .../api_rest/dome_update_fields.htm: {@code PATCH /sobjects/Lead/<Id>} answers 204), creates
   * one ("Create a Record", .../api_rest/dome_sobject_create.htm: {@code POST /sobjects/Lead} answers 201) or leaves
   * it, as the mode says. The default {@code match: leadId, mode: upsert} needs no lookup: it upserts by the external
   * id ("Insert or Update (Upsert) a Record Using an External ID", .../api_rest/dome_upsert.htm).
   */
  private DeliveryResult byQuery(Lead lead, Lookup lookup) throws DeliveryException {
    SyncMode mode = config.matching().mode();
    if (lookup.byEmail()) {
      awaitSettled(lookup);
    }
    for (int round = 0; round < 2; round++) {
      JsonNode records = query(soql("Id", lookup.field(), lookup.value(), lookup.byEmail(), true)).path("records");
      if (records.size() > 1) {
        int total = query(soql("COUNT()", lookup.field(), lookup.value(), lookup.byEmail(), false))
            .path("totalSize").asInt(records.size());
        throw new PermanentDeliveryException(lookup.byEmail()
            ? new Diagnosis(AMBIGUOUS_MATCH, "match: email found " + Math.max(total, records.size())
                + " Leads with " + lookup.shown() + "; LeadRouter never guesses which one is the customer's",
                "merge the duplicate Leads in Salesforce (or delete all but one), or use match: leadId; then replay "
                    + "the dead letters")
            : new Diagnosis(SalesforceErrors.EXTERNAL_ID_NOT_UNIQUE, Math.max(total, records.size())
                + " Leads hold " + lookup.shown(),
                "make the external id field Unique, then merge or delete the duplicate Leads"));
      }
      if (records.size() == 1) {
        String id = records.path(0).path("Id").asText();
        if (mode == SyncMode.CREATE) {
          return DeliveryResult.unchanged(id);
        }
        HttpAnswer r = rest.send("PATCH", rest.url("sobjects", "Lead", id), json(update(lead)));
        if (r.successful()) {
          return DeliveryResult.updated(id);
        }
        if (r.status() != 404) {
          throw failure(r);
        }
        continue; // deleted since the query: look again
      }
      if (mode == SyncMode.UPDATE_ONLY) {
        throw new PermanentDeliveryException(new Diagnosis(NO_MATCHING_RECORD, "mode: update-only and no Lead has "
            + lookup.shown() + (lookup.byEmail() ? " (converted Leads left out)" : "") + " (" + config.matching()
            + ")", "create the Lead in Salesforce first, or use mode: upsert to create it when none matches; then "
            + "replay the dead letters"));
      }
      ObjectNode record = record(lead, false);
      config.externalIdField().ifPresent(f -> record.put(f, lead.id().value()));
      Instant sent = clock.instant();
      HttpAnswer r;
      try {
        r = rest.send("POST", rest.url("sobjects", "Lead"), json(record));
      } catch (TransientDeliveryException e) {
        if (lookup.byEmail() && e.getCause() instanceof IOException io && !HttpFailures.neverSent(io)
            && !(io instanceof javax.net.ssl.SSLHandshakeException)) {
          throw settling(lookup, sent, "got no answer: " + HttpFailures.describe(io), e);
        }
        throw e;
      }
      if (lookup.byEmail() && (r.status() == 502 || r.status() == 504)) {
        throw settling(lookup, sent, "got a gateway's HTTP " + r.status() + " instead of Salesforce's answer", null);
      }
      if (!r.successful()) {
        throw failure(r);
      }
      String id = id(r.body());
      if (id == null) {
        // a 2xx that is not Salesforce's {"id":..,"success":true} (a proxy's page, a cut body) confirms nothing: not
        // delivered; the next attempt looks the Lead up again (once any create has settled) before creating
        if (lookup.byEmail()) {
          throw settling(lookup, sent, "was answered HTTP " + r.status() + " without its result", null);
        }
        throw new TransientDeliveryException("Salesforce answered POST " + rest.url("sobjects", "Lead").encodedPath()
            + " with HTTP " + r.status() + " but not with its result ({\"id\":..,\"success\":true}); not counted "
            + "as delivered, retried");
      }
      return DeliveryResult.created(id);
    }
    throw new TransientDeliveryException("the Lead for " + lead.id() + " was deleted twice between query and "
        + "update");
  }

  private static String settlingKey(Lookup lookup) {
    return lookup.field() + "=" + lookup.value().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Keeps the settling waits of {@code match: email} in the router's journal as well, so that a restart (or another
   * router sharing the journal) within a wait still waits instead of creating the customer's Lead a second time.
   */
  @Override
  public void useCounters(io.leadrouter.spi.SinkCounters counters) {
    this.counters = Objects.requireNonNull(counters, "counters");
  }

  /** The journal's name for a customer's settling wait: a digest, so the journal holds no e-mail for it. */
  private static String settlingCounter(Lookup lookup) {
    try {
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(settlingKey(lookup).getBytes(
          java.nio.charset.StandardCharsets.UTF_8));
      return "createSettling." + java.util.HexFormat.of().formatHex(digest, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }

  /** Until when the journal says this customer waits; empty without one, or when it cannot be read (logged). */
  private Optional<Instant> keptUntil(Lookup lookup) {
    io.leadrouter.spi.SinkCounters kept = counters;
    if (kept == null) {
      return Optional.empty();
    }
    try {
      long seconds = kept.get(settlingCounter(lookup));
      return seconds > 0 ? Optional.of(Instant.ofEpochSecond(seconds)) : Optional.empty();
    } catch (RuntimeException e) {
      LOG.warn("Salesforce: the settling wait of {} could not be read from the journal ({}); the wait this router "
          + "holds in memory applies", lookup.shown(), e.toString());
      return Optional.empty();
    }
  }

  /**
   * {@code match: email} has no key to send with a create, so a create whose answer was lost may still be running when
   * the retry looks the customer up, unseen: a second create would make a second Lead. The customer's deliveries wait
   * (transient, asking the remaining time) until it has settled, then look up again before creating.
   */
  private void awaitSettled(Lookup lookup) throws TransientDeliveryException {
    Instant now = clock.instant();
    settling.values().removeIf(until -> !until.isAfter(now));
    Instant until = settling.get(settlingKey(lookup));
    Optional<Instant> kept = keptUntil(lookup);
    if (kept.isPresent() && kept.get().isAfter(now) && (until == null || kept.get().isAfter(until))) {
      until = kept.get();
    }
    if (until != null) {
      // nothing is sent: this customer's lead waits, the destination is neither down nor throttling
      String msg = waitMessage(lookup, until, "a create for this customer whose answer was lost may still be running "
          + "in Salesforce");
      throw TransientDeliveryException.deferred(msg, wait(until, now), settlingDiagnosis(msg));
    }
  }

  private TransientDeliveryException settling(Lookup lookup, Instant sent, String what, Throwable cause) {
    Instant until = sent.plus(CREATE_SETTLES_AFTER);
    settling.merge(settlingKey(lookup), until, (a, b) -> a.isAfter(b) ? a : b);
    io.leadrouter.spi.SinkCounters kept = counters;
    if (kept != null) {
      try {
        // forgotten by the journal a day after it has passed (a router whose clock is behind still waits it out)
        kept.raiseTo(settlingCounter(lookup), until.getEpochSecond() + (until.getNano() > 0 ? 1 : 0),
            until.plus(Duration.ofDays(1)));
      } catch (RuntimeException e) {
        LOG.warn("Salesforce: the settling wait of {} could not be kept in the journal ({}); held in memory only, a "
            + "restart before {} would look the customer up at once", lookup.shown(), e.toString(), until);
      }
    }
    LOG.warn("Salesforce create for {} {}: looked up again after {} before anything is created", lookup.shown(),
        what, until);
    return settlingException(lookup, until, clock.instant(), "the create (POST " + rest.url("sobjects", "Lead")
        .encodedPath() + ") " + what + "; Salesforce may still be creating the Lead", cause);
  }

  private TransientDeliveryException settlingException(Lookup lookup, Instant until, Instant now, String what,
      Throwable cause) {
    String msg = waitMessage(lookup, until, what);
    return new TransientDeliveryException(msg, wait(until, now), settlingDiagnosis(msg), cause);
  }

  private static String waitMessage(Lookup lookup, Instant until, String what) {
    return what + "; the Lead with " + lookup.shown() + " is looked up again after " + until.truncatedTo(
        java.time.temporal.ChronoUnit.SECONDS) + " (Salesforce ends an API call within 10 minutes), not created "
        + "before";
  }

  private static Duration wait(Instant until, Instant now) {
    Duration wait = Duration.between(now, until);
    return wait.isNegative() || wait.isZero() ? Duration.ofSeconds(1) : wait;
  }

  private static Diagnosis settlingDiagnosis(String msg) {
    return new Diagnosis(SalesforceErrors.CREATE_SETTLING, msg, "none needed: the lead is delivered (the Lead "
        + "updated, or created if the lost create made none) once a lookup can see what that create did");
  }

  /** Runs a SOQL query: {@code GET /query?q=...}. */
  private JsonNode query(String soql) throws DeliveryException {
    HttpUrl url = rest.url("query").newBuilder().addQueryParameter("q", soql).build();
    HttpAnswer r = rest.send("GET", url, null);
    if (!r.successful()) {
      throw failure(r);
    }
    JsonNode answer = parse(r.body());
    // a 200 that is no query answer (a body cut off by a reset or the call timeout reads as empty) must not read as
    // "no matching Lead": that would create a duplicate of the Lead the query was looking for
    if (!answer.path("records").isArray()) {
      throw new TransientDeliveryException("Salesforce answered the query with HTTP " + r.status() + " but no "
          + "records (" + (r.body().isBlank() ? "an empty body: cut off?" : "not a query result") + ")");
    }
    return answer;
  }

  /**
   * An update's fields: only what the lead has. Unlike a create it carries no {@code [not provided]} stand-in for an
   * empty LastName or Company, which would overwrite what the Lead holds.
   */
  private ObjectNode update(Lead lead) {
    ObjectNode node = MAPPER.createObjectNode();
    config.fields().values(lead, config.leadSourceValue()).forEach(node::put);
    if (lead.isDoNotContact()) {
      LeadChecks.OPT_OUT_FIELDS.forEach(f -> node.put(f, true));
    }
    return node;
  }

  /** One lead's request: upsert by the external id, else create. */
  private record Write(String method, HttpUrl url, String json) {}

  private Write write(Lead lead) {
    Optional<String> extField = config.externalIdField();
    String body = json(record(lead, false));
    return extField.isPresent()
        ? new Write("PATCH", rest.url("sobjects", "Lead", extField.get(), lead.id().value()), body)
        : new Write("POST", rest.url("sobjects", "Lead"), body);
  }

  /**
   * The request {@link #deliver} sends for this lead alone (leads due together go as one sObject Collections call
   * of up to {@code maxBatchSize}); the bearer token is redacted.
   */
  @Override
  public Optional<ExplainedRequest> explain(Lead lead) {
    Objects.requireNonNull(lead, "lead");
    Optional<Lookup> lookup = lookup(lead);
    if (lookup.isPresent()) {
      Lookup l = lookup.get();
      HttpUrl url = rest.url("query").newBuilder()
          .addQueryParameter("q", soql("Id", l.field(), l.value(), l.byEmail(), true)).build();
      return Optional.of(ExplainRequests.of(rest.request("GET", url, null, ExplainedRequest.REDACTED))
          .note("the token comes from " + config.credentials().myDomain() + "/services/oauth2/token (client "
              + "credentials), cached")
          .note(config.matching() + ": the Lead is looked up first; " + switch (config.matching().mode()) {
            case CREATE -> "one found is left unchanged, none: POST /sobjects/Lead creates it";
            case UPSERT -> "one found is updated (PATCH /sobjects/Lead/<Id>), none: POST /sobjects/Lead creates it";
            case UPDATE_ONLY -> "one found is updated (PATCH /sobjects/Lead/<Id>), none: " + NO_MATCHING_RECORD;
          } + "; two or more: " + (l.byEmail() ? AMBIGUOUS_MATCH : SalesforceErrors.EXTERNAL_ID_NOT_UNIQUE))
          .build());
    }
    Write w = addressable(lead) ? write(lead) : collectionWrite(List.of(lead));
    ExplainedRequest.Builder r = ExplainRequests.of(rest.request(w.method(), w.url(), w.json(),
        ExplainedRequest.REDACTED))
        .note("the token comes from " + config.credentials().myDomain() + "/services/oauth2/token (client "
            + "credentials), cached")
        .note("leads due together go as one sObject Collections request of up to " + config.maxBatchSize());
    if (config.externalIdField().isEmpty()) {
      r.note("no externalIdField: a create, so a redelivery after an uncertain failure may create a second Lead");
    }
    return Optional.of(r.build());
  }

  @Override
  public List<BatchItemResult> deliverBatch(List<Lead> leads) throws DeliveryException {
    Objects.requireNonNull(leads, "leads");
    if (leads.size() <= 1 || lookups()) {
      return LeadSink.super.deliverBatch(leads); // a lookup decides each lead's write: one at a time
    }
    List<BatchItemResult> out = new ArrayList<>(leads.size());
    for (int from = 0; from < leads.size(); from += config.maxBatchSize()) {
      out.addAll(collection(leads.subList(from, Math.min(leads.size(), from + config.maxBatchSize()))));
    }
    return out;
  }

  /** One sObject Collections request; per-record results map to per-lead results in order. */
  private List<BatchItemResult> collection(List<Lead> leads) throws DeliveryException {
    Optional<String> extField = config.externalIdField();
    Write w = collectionWrite(leads);
    HttpAnswer r;
    try {
      r = extField.isEmpty() ? sendCreate(leads, w) : rest.send(w.method(), w.url(), w.json());
    } catch (PermanentDeliveryException e) {
      if (!e.diagnosisValue().code().equals(SalesforceErrors.CREATE_OUTCOME_UNKNOWN)) {
        throw e;
      }
      return leads.stream().map(l -> BatchItemResult.failure(l.id(), e)).toList();
    }
    if (!r.successful()) {
      throw failure(r);
    }
    JsonNode results;
    try {
      results = parse(r.body());
    } catch (TransientDeliveryException notJson) {
      if (extField.isPresent()) {
        throw notJson;
      }
      // plain creates that went out and came back unconfirmed: as for one lead (deliver), never sent again, which
      // made a second Lead of every one Salesforce had created
      PermanentDeliveryException unknown = createOutcomeUnknown(leads, "answered HTTP " + r.status()
          + " with a body that is not JSON");
      return leads.stream().map(l -> BatchItemResult.failure(l.id(), unknown)).toList();
    }
    List<BatchItemResult> out = new ArrayList<>(leads.size());
    for (int i = 0; i < leads.size(); i++) {
      Lead lead = leads.get(i);
      JsonNode item = results.path(i);
      if (item.isMissingNode() || !item.path("success").isBoolean()) {
        // no result Salesforce documents ({"id","success","errors"}) for this record: neither delivered nor refused
        String what = item.isMissingNode() ? "returned " + results.size() + " results for " + leads.size() + " records"
            : "returned a result without 'success' for record " + i + " of " + leads.size();
        out.add(BatchItemResult.failure(lead.id(), extField.isEmpty()
            ? createOutcomeUnknown(List.of(lead), "answered HTTP " + r.status() + " but " + what)
            : new TransientDeliveryException("Salesforce " + what + "; not counted as delivered, retried")));
      } else if (item.path("success").asBoolean(false)) {
        String id = item.path("id").asText(null);
        // collection create results carry no "created" flag: a create is always a creation
        boolean created = extField.isEmpty() || item.path("created").asBoolean(true);
        out.add(BatchItemResult.success(lead.id(),
            created ? DeliveryResult.created(id) : DeliveryResult.updated(id)));
      } else {
        out.add(BatchItemResult.failure(lead.id(),
            raced(SalesforceErrors.recordFailure(item.path("errors"), rest.quotaResumeAt()))));
      }
    }
    return out;
  }

  /**
   * The sObject Collections request for these leads ({@code allOrNone=false}): an upsert by the external id field
   * ({@code PATCH /composite/sobjects/Lead/<field>}, each record carrying its lead id) or a create.
   */
  private Write collectionWrite(List<Lead> leads) {
    ObjectNode body = MAPPER.createObjectNode().put("allOrNone", false);
    ArrayNode records = body.putArray("records");
    for (Lead lead : leads) {
      records.add(record(lead, true));
    }
    Optional<String> extField = config.externalIdField();
    return extField.isPresent()
        ? new Write("PATCH", rest.url("composite", "sobjects", "Lead", extField.get()), json(body))
        : new Write("POST", rest.url("composite", "sobjects"), json(body));
  }

  /** The Lead record for a lead; collections also carry the type attribute and the external id value. */
  private ObjectNode record(Lead lead, boolean forCollection) {
    ObjectNode node = MAPPER.createObjectNode();
    if (forCollection) {
      node.putObject("attributes").put("type", "Lead");
    }
    Map<String, String> values = config.fields().values(lead, config.leadSourceValue());
    values.forEach(node::put);
    // Lead requires LastName and Company; Salesforce's own Web-to-Lead fills them the same way
    for (LeadField required : List.of(LeadField.LAST_NAME, LeadField.COMPANY)) {
      config.fields().name(required).filter(n -> !values.containsKey(n)).ifPresent(n -> node.put(n, NOT_PROVIDED));
    }
    if (forCollection) {
      config.externalIdField().ifPresent(f -> node.put(f, lead.id().value()));
    }
    if (lead.isDoNotContact()) {
      LeadChecks.OPT_OUT_FIELDS.forEach(f -> node.put(f, true));
    }
    return node;
  }

  @Override
  public VerificationReport verify() {
    VerificationReport.Builder r = VerificationReport.builder(SalesforceSinkProvider.TYPE);
    try {
      rest.tokens().refresh(null);
      r.passed("token", "client credentials accepted by " + config.credentials().myDomain());
    } catch (DeliveryException e) {
      r.failed("token", diagnosis(e, SalesforceErrors.AUTH_FAILED));
      r.skipped("lead fields", "no token");
      r.skipped("test lead", "no token");
      return r.build();
    }
    try {
      LeadDescribe describe = LeadDescribe.fetch(rest);
      LeadChecks.addSteps(r, describe, sentFields(), config.fields().name(LeadField.LEAD_SOURCE),
          config.leadSourceValue(), SalesforceErrors.REQUIRED_FIELD_MISSING, "every lead would be refused");
      LeadChecks.addOptOutStep(r, describe, "DNC leads would be refused and dead-lettered");
      config.externalIdField().ifPresent(f -> {
        if (describe.field(f).map(x -> !x.externalId()).orElse(false)) {
          r.failed("external id", new Diagnosis("SALESFORCE_INVALID_FIELD",
              f + " on Lead is not marked External ID", "mark " + f + " as External ID and Unique on Lead"));
        }
      });
    } catch (DeliveryException e) {
      r.failed("lead fields", diagnosis(e, "SALESFORCE_DESCRIBE_FAILED"));
    }
    if (r.hasFailed()) {
      r.skipped("test lead", "fix the failures above first");
      return r.build();
    }
    if (config.matching().mode() == SyncMode.UPDATE_ONLY) {
      // delivering it would only prove it is refused: say what that means for the marketplace's own test lead
      return r.warning("test lead", new Diagnosis(NO_MATCHING_RECORD, "mode: update-only creates nothing: the "
          + "marketplace's test lead, and every lead of a customer not yet in Salesforce, will be dead-lettered",
          "use mode: upsert if new customers' leads should be created")).build();
    }
    Lead test = Lead.marketplaceTestLead(clock, "LeadRouter verify");
    try {
      DeliveryResult result = deliver(test);
      r.passed("test lead", test.customer().lastName() + " " + result.outcome().name().toLowerCase()
          + result.recordId().map(id -> " as Lead " + id).orElse(""));
    } catch (DeliveryException e) {
      r.failed("test lead", diagnosis(e, "SALESFORCE_TEST_LEAD_FAILED"));
    }
    return r.build();
  }

  /** API names of the fields every delivery fills. */
  private Set<String> sentFields() {
    Set<String> sent = new LinkedHashSet<>(config.fields().names().values());
    config.externalIdField().ifPresent(sent::add);
    return sent;
  }

  static Diagnosis diagnosis(DeliveryException e, String fallbackCode) {
    return e.diagnosis().orElseGet(() -> new Diagnosis(fallbackCode, SalesforceErrors.mask(e.getMessage()),
        "Salesforce could not be reached or failed: try again later"));
  }

  /** Whether leads are looked up before they are written (then they are not batched). */
  private boolean lookups() {
    return config.matching().match() == Match.EMAIL || config.matching().mode() != SyncMode.UPSERT;
  }

  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().maxBatchSize(lookups() ? 1 : config.maxBatchSize()).maxConcurrency(config.maxConcurrency())
        .upsert(config.externalIdField().isPresent() || config.matching().match() == Match.EMAIL).confirmsDelivery(true)
        .orderingKey(SinkCapabilities.OrderingKey.CUSTOMER).build(); // two calls for one person: two records
  }

  /**
   * Grows this sink's dispatcher and connection pool to the deliveries the router runs at once, when its in-flight
   * setting is above {@code maxConcurrency}: each keeps its connection alive between leads, instead of a new one (a TLS
   * handshake) for every lead beyond the pool ({@link HttpClients#sizedFor}; an application's client keeps its pool).
   */
  @Override
  public void prepareFor(int inFlight) {
    http = HttpClients.sizedFor(http, inFlight);
  }

  @Override
  public void close() {
    HttpClients.release(http);
  }

  /** Shows the org and mode; never the client secret. */
  @Override
  public String toString() {
    // a URL's user info may be a password or a token
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials("SalesforceSink[" + config.credentials().myDomain() + " " + config.credentials().apiVersion() + ", "
        + config.externalIdField().map(f -> "upsert by " + f).orElse("create (not idempotent)")
        + (config.matching().isDefault() ? "" : ", " + config.matching()) + "]");
  }

  private static String json(JsonNode node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private static JsonNode parse(String body) throws TransientDeliveryException {
    try {
      return MAPPER.readTree(body);
    } catch (IOException e) {
      throw new TransientDeliveryException("Salesforce answered 2xx with a body that is not JSON", e);
    }
  }

  private static String id(String body) {
    if (body == null || body.isBlank()) {
      return null;
    }
    try {
      return MAPPER.readTree(body).path("id").asText(null);
    } catch (IOException e) {
      return null;
    }
  }

  /** Builds a {@link SalesforceSink}; usable without configuration strings. */
  public static final class Builder extends SalesforceBuilderBase<Builder> {
    private URI myDomain;
    private String clientId;
    private Secret clientSecret;
    private String apiVersion = SalesforceCredentials.DEFAULT_API_VERSION;
    private String externalIdField;
    private int apiUsageThreshold = SalesforceConfig.DEFAULT_API_USAGE_THRESHOLD;
    private Duration quotaRetryAfter = SalesforceConfig.DEFAULT_QUOTA_RETRY_AFTER;
    private int maxBatchSize = SalesforceConfig.MAX_BATCH_SIZE;

    private Builder() {
      super(FieldMapping.restDefaults(), SalesforceConfig.DEFAULT_MAX_CONCURRENCY);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The org's My Domain URL, e.g. {@code https://contoso.my.salesforce.com}. */
    public Builder myDomain(URI v) {
      myDomain = Objects.requireNonNull(v, "myDomain");
      return this;
    }

    /** The connected app's Consumer Key. */
    public Builder clientId(String v) {
      clientId = Objects.requireNonNull(v, "clientId");
      return this;
    }

    /** The connected app's Consumer Secret. */
    public Builder clientSecret(Secret v) {
      clientSecret = Objects.requireNonNull(v, "clientSecret");
      return this;
    }

    /** The REST API version, e.g. {@code v62.0}. */
    public Builder apiVersion(String v) {
      apiVersion = Objects.requireNonNull(v, "apiVersion");
      return this;
    }

    /** The Lead field (External ID, Unique, text) that holds the {@code LeadId}: enables upsert. */
    public Builder externalIdField(String v) {
      externalIdField = Objects.requireNonNull(v, "externalIdField");
      return this;
    }

    /** Percent of the daily API limit at which the sink stops (default 95). */
    public Builder apiUsageThreshold(int v) {
      apiUsageThreshold = v;
      return this;
    }

    /** How long to park after the request limit is reached (default 1 h). */
    public Builder quotaRetryAfter(Duration v) {
      quotaRetryAfter = Objects.requireNonNull(v, "quotaRetryAfter");
      return this;
    }

    /** Most leads per collection request (default and most 200). */
    public Builder maxBatchSize(int v) {
      maxBatchSize = v;
      return this;
    }

    /**
     * Builds the sink: the one place the settings are checked.
     *
     * @throws io.leadrouter.ConfigurationException listing every missing or invalid setting
     */
    public SalesforceSink build() {
      List<io.leadrouter.Problem> problems = new java.util.ArrayList<>();
      if (myDomain == null) {
        problems.add(new io.leadrouter.Problem("myDomain", "is required",
            "set your My Domain, e.g. contoso.my.salesforce.com"));
      } else {
        addMyDomainProblem(problems, myDomain);
      }
      if (clientId == null) {
        problems.add(new io.leadrouter.Problem("clientId", "is required", "set the connected app's consumer key"));
      }
      if (clientSecret == null) {
        problems.add(new io.leadrouter.Problem("clientSecret", "is required",
            "set the connected app's consumer secret"));
      }
      if (quotaRetryAfter.isZero() || quotaRetryAfter.isNegative()) {
        problems.add(new io.leadrouter.Problem("quotaRetryAfter", "must be positive", "write e.g. 1h"));
      }
      addRequestProblems(problems);
      if (!SalesforceCredentials.API_VERSION.matcher(apiVersion).matches()) {
        problems.add(new io.leadrouter.Problem("apiVersion", "'" + apiVersion + "' is not an API version",
            "write it like v62.0"));
      }
      if (apiUsageThreshold < 1 || apiUsageThreshold > 100) {
        problems.add(new io.leadrouter.Problem("apiUsageThreshold", apiUsageThreshold + " is out of range",
            "use a value from 1 to 100"));
      }
      if (maxBatchSize < 1 || maxBatchSize > SalesforceConfig.MAX_BATCH_SIZE) {
        problems.add(new io.leadrouter.Problem("maxBatchSize", maxBatchSize + " is out of range",
            "use a value from 1 to " + SalesforceConfig.MAX_BATCH_SIZE));
      }
      if (matching().match() == Match.EMAIL && fields.name(LeadField.EMAIL).isEmpty()) {
        problems.add(new io.leadrouter.Problem(RecordMatching.MATCH_KEY, "'email' looks Leads up by their e-mail "
            + "field, but fields.email is empty (the e-mail is not sent)", "map fields.email to the Lead field "
            + "holding it (Email), or use match: leadId"));
      }
      if (matching().match() == Match.LEAD_ID && matching().mode() == SyncMode.UPDATE_ONLY && externalIdField == null) {
        problems.add(new io.leadrouter.Problem(RecordMatching.MODE_KEY, "'update-only' with match: leadId finds a "
            + "Lead by its lead id, but no externalIdField holds it", "set externalIdField (an External ID, Unique "
            + "text field on Lead), or use match: email"));
      }
      if (!problems.isEmpty()) {
        throw new io.leadrouter.ConfigurationException(problems);
      }
      SalesforceConfig config = new SalesforceConfig(
          new SalesforceCredentials(myDomain, clientId, clientSecret, apiVersion), Optional.ofNullable(externalIdField),
          fields, leadSource(), apiUsageThreshold, quotaRetryAfter, timeout(), maxConcurrency, maxBatchSize,
          matching());
      return new SalesforceSink(config, httpClient(), clock());
    }
  }
}
