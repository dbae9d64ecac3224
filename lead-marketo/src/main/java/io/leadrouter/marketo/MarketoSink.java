package io.leadrouter.marketo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.ConfigurationException;
import io.leadrouter.Lead;
import io.leadrouter.LeadFlag;
import io.leadrouter.LeadId;
import io.leadrouter.Pii;
import io.leadrouter.Problem;
import io.leadrouter.http.AccessTokenCache;
import io.leadrouter.http.Bodies;
import io.leadrouter.http.ExplainRequests;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpClients;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.http.HttpSinkBuilder;
import io.leadrouter.marketo.MarketoConfig.LeadField;
import io.leadrouter.marketo.MarketoConfig.Mode;
import io.leadrouter.marketo.internal.DailyCallCap;
import io.leadrouter.marketo.internal.IdentityClient;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Scrubber;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.QuotaExceededException;
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
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers leads to Marketo through its REST API: Sync Leads (up to 300 leads a call) or Submit Form. Signs in with a
 * LaunchPoint service's client credentials, refreshing the token ahead of expiry and once on 601/602; classifies
 * Marketo's in-body errors (606 rate, 607 daily quota, 615 concurrency...) and per-record skips; splits a batch
 * Marketo finds too large (413/414). After a 607 it answers "quota spent" without calling Marketo until the quota
 * resets (midnight US Central time, America/Chicago), re-probing hourly. Thread-safe.
 *
 * <p><b>Matching and sync mode.</b> {@code match} chooses Sync Leads' {@code lookupField}: {@code email} (the field
 * the e-mail is written to; Marketo's own person key, and the default, as before sync modes) or {@code leadId} (the
 * custom field {@code leadIdField} holding the marketplace's LeadId). {@code mode} chooses the {@code action}:
 * {@code create} → {@code createOnly}, {@code upsert} → {@code createOrUpdate} (the default), {@code update-only} →
 * {@code updateOnly} (Adobe, Marketo REST API "Leads" > "Create and Update",
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/leads). Each lead's result
 * says what Marketo did: {@code created} → {@code CREATED}, {@code updated} → {@code UPDATED}; {@code skipped} with
 * 1005 "Lead already exists" under {@code create} → {@code UNCHANGED} (delivered: Marketo keeps the person as it
 * was); {@code skipped} with 1004 "Lead not found" under {@code update-only} → a permanent failure
 * {@code MARKETO_NO_MATCHING_RECORD} naming the key (Adobe, "Error Codes" > "Record-Level Errors",
 * https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes). Submit Form matches by
 * e-mail only (a form fill), so {@code match: leadId} with it is refused at {@code build()}. The descriptor key
 * {@code mode} also takes {@code submitForm}, and {@code createOrUpdate}, its older name for {@code upsert}.
 */
public final class MarketoSink implements LeadSink {
  /** The provider type and report name. */
  public static final String TYPE = "marketo";
  /** Marketo's limit of concurrent calls per subscription. */
  public static final int MAX_CONCURRENCY = 10;
  /** Marketo's rate limit: calls per {@link MarketoErrors#RATE_WINDOW}. */
  public static final int RATE_PERMITS = 100;

  private static final Logger LOG = LoggerFactory.getLogger(MarketoSink.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  /** The standard lead field a do-not-contact lead sets to {@code true} (REST API name). */
  static final String UNSUBSCRIBED = "unsubscribed";
  /** Most characters of a Marketo error code quoted (Marketo's are three or four digits). */
  private static final int CODE_CHARS = 40;
  /** Most reasons after the first named in a skipped lead's diagnosis. */
  private static final int MORE_REASONS = 4;
  /** Most characters of each further reason's message. */
  private static final int MORE_REASON_CHARS = 80;
  /** Most characters of a Marketo text scrubbed: well beyond {@link Bodies#QUOTED_CHARS}, what is quoted of it. */
  private static final int SCRUBBED_CHARS = 4 * Bodies.QUOTED_CHARS;
  /** Most bytes read of a success body (300 results are a few tens of KiB). */
  private static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final MarketoConfig config;
  private final OkHttpClient http;
  private final HttpUrl rest;
  private final AccessTokenCache tokens;
  private final Clock clock;
  private volatile QuotaExceededException parked;
  private final DailyCallCap callCap;
  /**
   * Marketo's concurrency limit held by the sink itself: the router's in-flight setting for this destination may be
   * set above {@link #MAX_CONCURRENCY}, and {@code verify()} may run beside deliveries; an eleventh call would only
   * draw a {@code 615} and spend a call of the daily quota.
   */
  private final Semaphore inFlight = new Semaphore(MAX_CONCURRENCY, true);

  private MarketoSink(MarketoConfig config, OkHttpClient base, Clock clock, Duration tokenMargin, int dailyCallLimit) {
    this.callCap = new DailyCallCap(dailyCallLimit, MarketoErrors.QUOTA_TIME_ZONE, clock);
    this.config = config;
    this.clock = clock;
    // no redirects (HttpClients' default): the identity call carries the client secret, which must not follow a
    // redirect elsewhere; derive() guards against SSRF (never a metadata / link-local / unspecified address)
    this.http = HttpClients.derive(base, config.timeout(), MAX_CONCURRENCY);
    this.rest = base(config.endpoint());
    this.tokens = new AccessTokenCache("Marketo", clock, new IdentityClient(http,
        base(config.identity()), config.clientId(), config.clientSecret(), clock, tokenMargin));
  }

  /**
   * The URL setting without trailing slashes, so that paths join it with one slash: {@code .../rest//} would make
   * {@code /rest//v1/leads.json}, and Adobe's API gateway has deprecated double slashes in URLs.
   */
  private static HttpUrl base(URI url) {
    HttpUrl u = HttpUrl.get(url.toString());
    String path = u.encodedPath().replaceAll("/+$", "");
    return u.newBuilder().encodedPath(path.isEmpty() ? "/" : path).build();
  }

  /** A builder; the same model as the descriptor settings, without strings. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings this sink runs with. */
  public MarketoConfig config() {
    return config;
  }

  /** How many times this sink called the identity endpoint (tokens are cached; useful for monitoring). */
  public int tokenFetches() {
    return tokens.fetchCount();
  }

  /**
   * Keeps the {@code dailyCallLimit} count in the router's journal, so a restart does not forget what today already
   * spent of this integration's share.
   */
  @Override
  public void useCounters(io.leadrouter.spi.SinkCounters counters) {
    callCap.keepIn(counters);
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    Objects.requireNonNull(lead, "lead");
    BatchItemResult result = deliverBatch(List.of(lead)).get(0);
    if (result.failure().isPresent()) {
      throw result.failure().get();
    }
    return result.result().orElseThrow();
  }

  /**
   * Delivers up to any number of leads, 300 per Sync Leads call (one per call in submitForm mode). A skipped lead fails
   * alone; a request-level failure (rate limit, quota, outage) fails the leads of that call and every later call is
   * not attempted but reported with the same failure. Leads without a lookup value are never sent.
   */
  @Override
  public List<BatchItemResult> deliverBatch(List<Lead> leads) throws DeliveryException {
    Objects.requireNonNull(leads, "leads");
    BatchItemResult[] out = new BatchItemResult[leads.size()];
    List<Pending> sendable = new ArrayList<>(leads.size());
    for (int i = 0; i < leads.size(); i++) {
      Lead lead = Objects.requireNonNull(leads.get(i), "leads[" + i + "]");
      Map<String, String> fields = config.fieldsOf(lead);
      Optional<PermanentDeliveryException> refusal = refusal(lead, fields);
      if (refusal.isPresent()) {
        out[i] = BatchItemResult.failure(lead.id(), refusal.get());
      } else {
        sendable.add(new Pending(i, lead, fields));
      }
    }
    int perCall = config.mode().syncLeads() ? MarketoConfig.MAX_BATCH : 1;
    DeliveryException[] stop = new DeliveryException[1];
    int[] refusalSplits = {MAX_REFUSAL_SPLITS};
    for (int from = 0; from < sendable.size(); from += perCall) {
      sendSplitting(sendable.subList(from, Math.min(sendable.size(), from + perCall)), out, stop,
          refusalSplits);
    }
    return List.of(out);
  }

  private record Pending(int index, Lead lead, Map<String, String> fields) {}

  /**
   * Why this lead cannot go to Marketo, checked before sending: no lookup value, or an e-mail lookup value that intake
   * flagged as no address. Fails this destination only, with a diagnosis.
   */
  private Optional<PermanentDeliveryException> refusal(Lead lead, Map<String, String> fields) {
    if (!fields.containsKey(config.lookupField())) {
      return Optional.of(MarketoErrors.noLookupValue(config.lookupField()));
    }
    if (config.lookupField().equals(config.mapping().get(LeadField.EMAIL))) {
      for (LeadFlag flag : lead.flags()) {
        if (flag.code().equals(LeadFlag.EMAIL_INVALID)) {
          return Optional.of(MarketoErrors.invalidLookupEmail(config.lookupField(), flag));
        }
      }
    }
    return Optional.empty();
  }

  /** Signals HTTP 413/414: the request was too large and was not executed. */
  private static final class TooLarge extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    TooLarge(int status) {
      super("HTTP " + status, null, false, false);
      this.status = status;
    }
  }

  /**
   * Signals a record-level code (1003, 1006, 1007...) in the response's errors array: the call was refused whole and
   * nothing of it was written; which lead (if any) is at fault is found by splitting the call.
   */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;
    private final PermanentDeliveryException failure;

    Refused(PermanentDeliveryException failure) {
      super(failure.getMessage(), null, false, false);
      this.failure = failure;
    }
  }

  /**
   * How many times one {@code deliverBatch} splits a refused call to find the lead at fault: one lead among 300 is
   * found within 2 x 9 calls; a refusal of every call (a setting Marketo refuses, not a lead) then fails the rest
   * whole instead of spending some 600 calls of the subscription's quota on it.
   */
  private static final int MAX_REFUSAL_SPLITS = 24;

  private void sendSplitting(List<Pending> group, BatchItemResult[] out, DeliveryException[] stop,
      int[] refusalSplits) {
    if (stop[0] != null) {
      group.forEach(p -> out[p.index()] = BatchItemResult.failure(p.lead().id(), stop[0]));
      return;
    }
    try {
      send(group, out);
    } catch (Refused e) {
      if (group.size() == 1 || refusalSplits[0]-- <= 0) {
        group.forEach(p -> out[p.index()] = BatchItemResult.failure(p.lead().id(), e.failure));
        return;
      }
      // one lead's value may refuse a call of 300: halves until the lead at fault fails alone, the others delivered
      int half = group.size() / 2;
      LOG.info("Marketo refused a call of {} leads ({}); retrying as {} + {}", group.size(),
          e.failure.diagnosisValue().code(), half, group.size() - half);
      sendSplitting(group.subList(0, half), out, stop, refusalSplits);
      sendSplitting(group.subList(half, group.size()), out, stop, refusalSplits);
    } catch (TooLarge e) {
      if (group.size() == 1) {
        Pending p = group.get(0);
        out[p.index()] = BatchItemResult.failure(p.lead().id(), MarketoErrors.leadTooLarge(e.status));
        return;
      }
      int half = group.size() / 2;
      LOG.info("Marketo answered HTTP {} for {} leads; retrying as {} + {}", e.status, group.size(), half,
          group.size() - half);
      sendSplitting(group.subList(0, half), out, stop, refusalSplits);
      sendSplitting(group.subList(half, group.size()), out, stop, refusalSplits);
    } catch (DeliveryException e) {
      stop[0] = e;
      group.forEach(p -> out[p.index()] = BatchItemResult.failure(p.lead().id(), e));
    }
  }

  private void send(List<Pending> group, BatchItemResult[] out) throws DeliveryException, TooLarge, Refused {
    JsonNode json = call(token -> request(group, token));
    JsonNode results = json.path("result");
    if (!results.isArray() || results.size() != group.size()) {
      throw MarketoErrors.unexpected((results.isArray() ? results.size() : 0) + " results for " + group.size()
          + " leads");
    }
    // every lead must have exactly one result before any counts: a result naming a seq twice (or one without seq
    // landing on a seq another names) leaves some lead unconfirmed, which must never read as delivered
    BatchItemResult[] mine = new BatchItemResult[group.size()];
    for (int i = 0; i < results.size(); i++) {
      JsonNode item = results.get(i);
      int pos = item.has("seq") ? item.get("seq").asInt(-1) : i;
      if (pos < 0 || pos >= group.size()) {
        throw MarketoErrors.unexpected("result seq " + pos + " outside 0.." + (group.size() - 1));
      }
      if (mine[pos] != null) {
        throw MarketoErrors.unexpected("two results for seq " + pos + " of " + group.size() + " leads");
      }
      if (!item.path("status").isTextual() || item.path("status").asText().isEmpty()) {
        throw MarketoErrors.unexpected("a result without status for seq " + pos);
      }
      mine[pos] = itemResult(group.get(pos).lead(), item);
    }
    for (int pos = 0; pos < mine.length; pos++) {
      out[group.get(pos).index()] = mine[pos];
    }
  }

  /** One lead's fields; a do-not-contact lead also sets {@code unsubscribed} (a boolean, as Marketo types it). */
  private static ObjectNode record(Pending p) {
    ObjectNode fields = JSON.valueToTree(p.fields());
    if (p.lead().isDoNotContact()) {
      fields.put(UNSUBSCRIBED, true);
    }
    return fields;
  }

  /** The Sync Leads (or submitForm) call for a group of leads, with this bearer token. */
  private Request request(List<Pending> group, String token) {
    ObjectNode body = JSON.createObjectNode();
    String path;
    if (config.mode().syncLeads()) {
      path = "v1/leads.json";
      body.put("action", config.mode().action().orElseThrow()).put("lookupField", config.lookupField());
      ArrayNode input = body.putArray("input");
      group.forEach(p -> input.add(record(p)));
    } else {
      path = "v1/leads/submitForm.json";
      body.put("formId", config.formId().orElseThrow());
      ArrayNode input = body.putArray("input");
      group.forEach(p -> input.addObject().set("leadFormFields", record(p)));
    }
    byte[] bytes;
    try {
      bytes = JSON.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException("cannot encode a Marketo request", e);
    }
    HttpUrl url = rest.newBuilder().addPathSegments(path).build();
    return new Request.Builder().url(url).post(RequestBody.create(bytes, JSON_TYPE))
        .header("Authorization", "Bearer " + token).header("Accept", "application/json").build();
  }

  /**
   * The call {@link #deliver} would make for this lead alone (the router may batch up to 300 leads into one
   * {@code createOrUpdate}); the bearer token is redacted. A lead without a lookup value is the check that fails.
   */
  @Override
  public Optional<ExplainedRequest> explain(Lead lead) throws PermanentDeliveryException {
    Objects.requireNonNull(lead, "lead");
    Map<String, String> fields = config.fieldsOf(lead);
    Optional<PermanentDeliveryException> refusal = refusal(lead, fields);
    if (refusal.isPresent()) {
      throw refusal.get();
    }
    ExplainedRequest.Builder r = ExplainRequests.of(request(List.of(new Pending(0, lead, fields)),
        ExplainedRequest.REDACTED))
        .note("the token comes from " + config.identity() + "/oauth/token (client credentials), cached");
    if (config.mode().syncLeads()) {
      r.note("leads due together are sent in one call of up to " + MarketoConfig.MAX_BATCH + " (input[] grows)");
    }
    if (config.mode() == Mode.CREATE_ONLY) {
      r.note("mode create: a person Marketo already has by " + lookupName() + " is left as it is (1005, UNCHANGED)");
    } else if (config.mode() == Mode.UPDATE_ONLY) {
      r.note("mode update-only: if Marketo has nobody with this lead's " + lookupName() + ", nothing is created and"
          + " the lead fails (1004, " + MarketoErrors.NO_MATCHING_RECORD + ")");
    }
    return Optional.of(r.build());
  }

  private BatchItemResult itemResult(Lead lead, JsonNode item) {
    String status = item.path("status").asText("");
    String id = item.hasNonNull("id") ? item.get("id").asText() : null;
    switch (status) {
      case "created":
        return BatchItemResult.success(lead.id(), DeliveryResult.created(id));
      case "updated":
        return BatchItemResult.success(lead.id(), DeliveryResult.updated(id));
      default:
        JsonNode reasons = item.path("reasons");
        JsonNode reason = reasons.path(0);
        String code = Bodies.quote(reason.path("code").asText(""), CODE_CHARS);
        String message = maskCustomer(reason.path("message").asText(status), lead) + moreReasons(reasons, lead);
        if (code.equals(MarketoErrors.LEAD_EXISTS_CODE) && config.mode() == Mode.CREATE_ONLY) {
          // mode create leaves the person Marketo already holds as it is: delivered, without change
          LOG.info("Marketo already holds a lead with the {} of lead {}: left unchanged (mode create, {} {})",
              lookupName(), Pii.maskLeadId(lead.id().value()), code, message);
          return BatchItemResult.success(lead.id(), DeliveryResult.unchanged(id));
        }
        // the id masked as the router's own lines mask it: a sender may make it of the customer's e-mail or phone
        LOG.warn("Marketo {} lead {}: reason {}", status.isEmpty() ? "did not write" : status,
            Pii.maskLeadId(lead.id().value()),
            code.isEmpty() ? "(none given)" : code + (reasons.size() > 1 ? " and " + (reasons.size() - 1)
                + " more" : ""));
        if (code.equals(MarketoErrors.LEAD_NOT_FOUND_CODE)) {
          return BatchItemResult.failure(lead.id(), MarketoErrors.noMatchingRecord(config.mode(), lookupName(),
              shownLookupValue(lead), message));
        }
        return BatchItemResult.failure(lead.id(), MarketoErrors.recordSkipped(code.isEmpty() ? status : code,
            message));
    }
  }

  /**
   * The reasons after the first, for the diagnosis: Marketo may skip a lead for several ({@code 1006} for one field,
   * {@code 1003} for another), and naming only the first leaves the user fixing one at a time. Each is quoted and
   * masked like the first, at most {@link #MORE_REASONS} of them at {@link #MORE_REASON_CHARS} each, then a count.
   */
  private static String moreReasons(JsonNode reasons, Lead lead) {
    if (!reasons.isArray() || reasons.size() < 2) {
      return "";
    }
    StringBuilder out = new StringBuilder("; also");
    int shown = Math.min(reasons.size() - 1, MORE_REASONS);
    for (int i = 1; i <= shown; i++) {
      JsonNode r = reasons.path(i);
      String code = Bodies.quote(r.path("code").asText(""), CODE_CHARS);
      String message = Bodies.quote(maskCustomer(r.path("message").asText(""), lead), MORE_REASON_CHARS);
      out.append(i == 1 ? " " : ", ").append(code.isEmpty() ? "(no code)" : code)
          .append(message.isEmpty() ? "" : " " + message);
    }
    if (reasons.size() - 1 > shown) {
      out.append(" and ").append(reasons.size() - 1 - shown).append(" more reasons");
    }
    return out.toString();
  }

  /** The lookup field as named to users: {@code e-mail (email)}, {@code lead id (leadRouterLeadId)}, or the field. */
  private String lookupName() {
    Optional<Match> match = config.match();
    if (match.isEmpty()) {
      return "field " + config.lookupField();
    }
    return (match.get() == Match.EMAIL ? "e-mail (" : "lead id (") + config.lookupField() + ")";
  }

  /** The lookup value as it may be shown: the lead id as is, an e-mail masked, another customer value not at all. */
  private Optional<String> shownLookupValue(Lead lead) {
    String value = config.fieldsOf(lead).getOrDefault(config.lookupField(), "");
    return config.match().map(m -> m == Match.EMAIL ? Pii.maskEmail(value) : value);
  }

  /**
   * Marketo's per-record messages may quote values: never let the customer's e-mail or phone through, nor a
   * credential or another address the message echoes (it is logged as it is).
   */
  private static String maskCustomer(String message, Lead lead) {
    String out = message;
    String email = lead.customer().email();
    String phone = lead.customer().phone();
    if (!email.isBlank()) {
      out = out.replace(email, Pii.maskEmail(email));
    }
    if (!phone.isBlank()) {
      out = out.replace(phone, Pii.maskPhone(phone));
    }
    return quoted(out);
  }

  /**
   * A text of Marketo's as one bounded line for diagnoses, logs and the journal (a peer may send megabytes, or line
   * breaks that forge log lines): cut to {@link #SCRUBBED_CHARS} first (the Scrubber's time grows with the square of
   * the length: a 200 KB message held the delivery thread for hours), scrubbed, then quoted, so that an e-mail the
   * first cut split falls outside the quote.
   */
  private static String quoted(String text) {
    String head = text.length() > SCRUBBED_CHARS ? text.substring(0, SCRUBBED_CHARS) : text;
    return Bodies.quote(Scrubber.standard().scrub(head));
  }

  /**
   * Runs one authenticated call: with the cached token, and once more with a fresh token after a 601/602. Returns the
   * body of a {@code "success":true} answer; throws the classified failure otherwise.
   */
  private JsonNode call(Function<String, Request> requestWithToken) throws DeliveryException, TooLarge, Refused {
    QuotaExceededException p = parked;
    if (p != null && clock.instant().isBefore(p.resumeAt())) {
      throw new QuotaExceededException(p.diagnosis().orElseThrow(), p.resumeAt());
    }
    for (int attempt = 0; ; attempt++) {
      Optional<java.time.LocalDate> counted = callCap.reserve();
      if (counted.isEmpty()) {
        throw new QuotaExceededException(new Diagnosis(MarketoErrors.DAILY_CALL_CAP, "this sink made its "
            + callCap.limit() + " calls of the day (dailyCallLimit)", "leads wait for the next day (midnight US Central time);"
            + " raise dailyCallLimit if the subscription's daily quota allows"), MarketoErrors.nextQuotaReset(clock));
      }
      // a call that never reaches Marketo (no token, no connection) is given back: Marketo counts only what it
      // received, and an outage spent the day's share on nothing, then held every lead until midnight
      String token;
      try {
        token = tokens.token();
      } catch (DeliveryException e) {
        callCap.release(counted.get());
        throw e;
      }
      HttpAnswer answer;
      try {
        inFlight.acquire();
      } catch (InterruptedException e) {
        callCap.release(counted.get());
        Thread.currentThread().interrupt();
        throw new TransientDeliveryException("interrupted while waiting for one of Marketo's " + MAX_CONCURRENCY
            + " concurrent calls", null, null, e);
      }
      try {
        answer = HttpAnswer.execute(http, requestWithToken.apply(token), MAX_BODY_BYTES, clock);
      } catch (IOException e) {
        if (HttpFailures.neverSent(e) || io.leadrouter.spi.AddressGuard.blockedCause(e).isPresent()) {
          callCap.release(counted.get());
        }
        throw MarketoErrors.unreachable("Marketo REST endpoint", "endpoint", e.toString(), e);
      } finally {
        inFlight.release();
      }
      if (answer.status() == 413 || answer.status() == 414) {
        callCap.release(counted.get()); // refused before it ran: Adobe documents both as requests not executed
        throw new TooLarge(answer.status());
      }
      if (HttpFailures.redirected(answer.status())) {
        throw MarketoErrors.redirected("Marketo REST endpoint", "endpoint", answer.status(),
            HttpFailures.redirectTarget(rest, answer.header("Location").orElse(null)));
      }
      if (answer.status() != 200) {
        throw MarketoErrors.httpStatus(answer.status(), Bodies.quote(answer.body()), answer.retryAfter());
      }
      JsonNode json;
      try {
        json = JSON.readTree(answer.body());
      } catch (IOException e) {
        throw MarketoErrors.unexpected("HTTP 200 without JSON: " + Bodies.quote(answer.body()));
      }
      if (json == null || !json.isObject()) {
        throw MarketoErrors.unexpected("HTTP 200 without a JSON object");
      }
      JsonNode success = json.path("success");
      if (!success.isBoolean()) {
        // not Marketo's envelope ({"requestId","success",...}): neither a success nor a refusal it documents
        List<String> keys = new ArrayList<>();
        json.fieldNames().forEachRemaining(k -> keys.add(Bodies.quote(k, 40)));
        throw MarketoErrors.unexpected("HTTP 200 without a boolean 'success' (a JSON object with "
            + (keys.isEmpty() ? "no keys" : "keys " + keys.subList(0, Math.min(5, keys.size()))) + ")");
      }
      if (success.asBoolean()) {
        return json;
      }
      // Marketo counts no call it answered with a response-level error against the daily quota or the rate limit
      // (Adobe, "Error Codes": 6xx "failed completely and was not executed"; developers.marketo.com: "API calls that
      // return errors do not count against your daily quota, or your rate limit"): counted here, a spell of 606/615
      // throttling (or 601/602 refreshes) spent this sink's dailyCallLimit and held every lead until midnight
      callCap.release(counted.get());
      JsonNode error = json.path("errors").path(0);
      if (!error.hasNonNull("code")) {
        throw MarketoErrors.unexpected("\"success\":false without an error code");
      }
      String code = Bodies.quote(error.path("code").asText(""), CODE_CHARS);
      String message = quoted(error.path("message").asText(""));
      if ((code.equals("601") || code.equals("602")) && attempt == 0) {
        LOG.info("Marketo answered {} ({}); refreshing the access token once", code,
            Scrubber.standard().scrub(message));
        tokens.invalidate(token);
        continue;
      }
      // the message may echo the request (token, customer data): logged scrubbed, like every diagnosis
      LOG.warn("Marketo error {}: {}", code.isEmpty() ? "(no code)" : code, Scrubber.standard().scrub(message));
      DeliveryException failure = MarketoErrors.responseError(code.isEmpty() ? "none" : code, message, clock);
      if (failure instanceof QuotaExceededException quota) {
        parked = quota;
        LOG.warn("Marketo daily API quota spent; holding deliveries until {}", quota.resumeAt());
      }
      if (code.startsWith("1") && failure instanceof PermanentDeliveryException refused) {
        throw new Refused(refused);
      }
      throw failure;
    }
  }

  /**
   * The publish check: signs in, reads the lead schema ({@code GET /rest/v1/leads/describe.json}) to check that every
   * field this sink writes exists (naming the missing ones), then sends a marketplace-style test lead
   * ({@code MSFT_TEST_<ticks>}), which creates or updates one real Marketo lead (in mode update-only it creates
   * none, and the step is a warning saying that such leads will be dead-lettered).
   */
  @Override
  public VerificationReport verify() {
    VerificationReport.Builder report = VerificationReport.builder(TYPE);
    try {
      tokens.token();
      report.passed("token", "signed in at " + config.identity().getHost() + " as client " + config.clientId());
    } catch (DeliveryException e) {
      report.failed("token", diagnosisOf(e));
      report.skipped("fields", "not signed in");
      report.skipped("opt-out field", "not signed in");
      report.skipped("test lead", "not signed in");
      return report.build();
    }
    checkFields(report);
    if (report.hasFailed()) {
      report.skipped("test lead", "fix the fields first");
      return report.build();
    }
    Lead test = testLead();
    try {
      DeliveryResult r = deliver(test);
      report.passed("test lead", "Marketo " + r.outcome().name().toLowerCase(Locale.ROOT) + " lead "
          + r.recordId().orElse("(no id)") + " for test lead " + test.id());
    } catch (DeliveryException e) {
      Diagnosis d = diagnosisOf(e);
      if (config.mode() == Mode.UPDATE_ONLY && d.code().equals(MarketoErrors.NO_MATCHING_RECORD)) {
        // the write path works (signed in, fields accepted, Marketo looked the lead up); update-only creates nobody
        report.warning("test lead", new Diagnosis(MarketoErrors.NO_MATCHING_RECORD, "Marketo found no lead for test"
            + " lead " + test.id() + " and, in mode update-only, created none: the marketplace's test leads and"
            + " every lead of a customer Marketo does not know yet will be dead-lettered (" + d.message() + ")",
            "expected if Marketo is only to enrich people it already has; otherwise set mode: upsert"));
      } else {
        report.failed("test lead", d);
      }
    }
    return report.build();
  }

  private void checkFields(VerificationReport.Builder report) {
    HttpUrl url = rest.newBuilder().addPathSegments("v1/leads/describe.json").build();
    JsonNode json;
    try {
      json = call(token -> new Request.Builder().url(url).get().header("Authorization", "Bearer " + token)
          .header("Accept", "application/json").build());
    } catch (DeliveryException e) {
      report.failed("fields", diagnosisOf(e));
      report.skipped("opt-out field", "no lead schema");
      return;
    } catch (Refused e) {
      report.failed("fields", diagnosisOf(e.failure));
      report.skipped("opt-out field", "no lead schema");
      return;
    } catch (TooLarge e) {
      report.failed("fields", diagnosisOf(MarketoErrors.unexpected("HTTP " + e.status + " for describe")));
      report.skipped("opt-out field", "no lead schema");
      return;
    }
    Set<String> known = new LinkedHashSet<>();
    Set<String> readOnly = new LinkedHashSet<>();
    for (JsonNode field : json.path("result")) {
      String name = field.path("rest").path("name").asText("");
      if (!name.isEmpty()) {
        known.add(name);
        if (field.path("rest").path("readOnly").asBoolean(false)) {
          readOnly.add(name);
        }
      }
    }
    List<String> missing = config.marketoFields().stream().filter(f -> !known.contains(f)).toList();
    if (missing.isEmpty()) {
      report.passed("fields", "Marketo has every field this sink writes: " + config.marketoFields());
    } else {
      reportMissing(report, missing);
    }
    if (!known.contains(UNSUBSCRIBED) || readOnly.contains(UNSUBSCRIBED)) {
      report.failed("opt-out field", new Diagnosis(MarketoErrors.OPT_OUT_FIELD_MISSING, "a do-not-contact (DNC) "
          + "lead sets " + UNSUBSCRIBED + ", but " + (known.contains(UNSUBSCRIBED) ? "it is read-only for this API "
          + "user" : "the lead schema shows this API user no such field") + ": DNC leads would be skipped and "
          + "dead-lettered", "give the API user's role access to the standard field Unsubscribed (Admin > Users & "
          + "Roles; Admin > Field Management must not block it for the API), then replay the dead letters"));
    } else {
      report.passed("opt-out field", "a DNC lead sets " + UNSUBSCRIBED);
    }
  }

  private void reportMissing(VerificationReport.Builder report, List<String> missing) {
    List<String> settings = new ArrayList<>();
    config.mapping().forEach((f, name) -> {
      if (missing.contains(name)) {
        settings.add("mapping." + f.key());
      }
    });
    config.leadIdField().filter(missing::contains).ifPresent(n -> settings.add("leadIdField"));
    report.failed("fields", new Diagnosis(MarketoErrors.FIELD_NOT_FOUND,
        "Marketo has no lead field with REST API name " + String.join(", ", missing),
        "create " + (missing.size() == 1 ? "it" : "them") + " in Admin > Field Management (custom string fields),"
            + " or correct " + String.join(", ", settings)));
  }

  /** The marketplace's publish-time test lead ({@link Lead#marketplaceTestLead}). */
  private Lead testLead() {
    return Lead.marketplaceTestLead(clock, "LeadRouter verify");
  }

  private static Diagnosis diagnosisOf(DeliveryException e) {
    return e.diagnosis().orElseGet(() -> new Diagnosis(MarketoErrors.UNAVAILABLE, e.getMessage(),
        "try again later"));
  }

  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder()
        .maxBatchSize(config.mode().syncLeads() ? MarketoConfig.MAX_BATCH : 1)
        .maxConcurrency(MAX_CONCURRENCY)
        .rateLimit(RATE_PERMITS, MarketoErrors.RATE_WINDOW)
        .upsert(true)
        .confirmsDelivery(true)
        // Adobe: concurrent or closely timed upserts of one person can create duplicates; queue them
        .orderingKey(SinkCapabilities.OrderingKey.CUSTOMER)
        .build();
  }

  /**
   * Nothing to grow: however many deliveries the router's in-flight setting runs, this sink makes at most
   * {@link #MAX_CONCURRENCY} calls at once (the other deliveries wait for one of them), and its own pool already keeps
   * a connection for each ({@link HttpClients#derive}; an application's client keeps its pool). The identity call, one
   * at a time and about once an hour, may open one more beside them.
   */
  @Override
  public void prepareFor(int inFlight) {
    // sized to MAX_CONCURRENCY when built: a larger pool would keep connections no call of this sink ever uses
  }

  /** Stops this sink's dispatcher threads and closes its own pool's idle connections (an application's pool stays). */
  @Override
  public void close() {
    HttpClients.release(http);
  }

  /** Shows where the sink writes and how; never the client secret. */
  @Override
  public String toString() {
    // a URL's user info may be a password or a token
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials("MarketoSink[endpoint=" + config.endpoint() + ", mode=" + config.mode().key()
        + (config.mode() == Mode.SUBMIT_FORM ? ", formId=" + config.formId().orElseThrow()
            : config.match().map(m -> ", match=" + m.spelling()).orElse("") + ", lookupField=" + config.lookupField())
        + config.leadIdField().map(f -> ", leadIdField=" + f).orElse("") + "]");
  }

  /** Builds a {@link MarketoSink}; {@code endpoint}, {@code identity}, {@code clientId} and {@code clientSecret} are required. */
  public static final class Builder extends HttpSinkBuilder<Builder> {
    private URI endpoint;
    private URI identity;
    private String clientId;
    private Secret clientSecret;
    private Mode mode = Mode.CREATE_OR_UPDATE;
    private Match match;
    private String lookupField;
    private OptionalInt formId = OptionalInt.empty();
    private final Map<LeadField, String> mapping = new EnumMap<>(MarketoConfig.defaultMapping());
    private Optional<String> leadIdField = Optional.empty();
    private Duration tokenMargin = Duration.ofSeconds(60);
    private int dailyCallLimit;

    private Builder() {
      super(MarketoConfig.DEFAULT_TIMEOUT);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** Takes every setting from {@code config}. */
    public Builder config(MarketoConfig config) {
      Objects.requireNonNull(config, "config");
      endpoint = config.endpoint();
      identity = config.identity();
      clientId = config.clientId();
      clientSecret = config.clientSecret();
      mode = config.mode();
      match = null;
      lookupField = config.lookupField();
      formId = config.formId();
      mapping.clear();
      mapping.putAll(config.mapping());
      leadIdField = config.leadIdField();
      return timeout(config.timeout());
    }

    /** The REST API endpoint, {@code https://<munchkin>.mktorest.com/rest}. */
    public Builder endpoint(URI endpoint) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      return this;
    }

    /** The Identity URL, {@code https://<munchkin>.mktorest.com/identity}. */
    public Builder identity(URI identity) {
      this.identity = Objects.requireNonNull(identity, "identity");
      return this;
    }

    /** The LaunchPoint custom service's client id. */
    public Builder clientId(String clientId) {
      this.clientId = Objects.requireNonNull(clientId, "clientId");
      return this;
    }

    /** The LaunchPoint custom service's client secret. */
    public Builder clientSecret(Secret clientSecret) {
      this.clientSecret = Objects.requireNonNull(clientSecret, "clientSecret");
      return this;
    }

    /** Sync Leads with action createOrUpdate (mode upsert), matching existing leads on {@code lookupField}. */
    public Builder createOrUpdate(String lookupField) {
      this.mode = Mode.CREATE_OR_UPDATE;
      this.lookupField = Objects.requireNonNull(lookupField, "lookupField");
      this.formId = OptionalInt.empty();
      return this;
    }

    /** Submit Form: each lead is a submission of form {@code formId} (matched by e-mail). */
    public Builder submitForm(int formId) {
      this.mode = Mode.SUBMIT_FORM;
      this.lookupField = null;
      this.formId = OptionalInt.of(formId);
      return this;
    }

    /**
     * How leads are written (default {@link Mode#CREATE_OR_UPDATE}, upsert): a Sync Leads action (create, upsert,
     * update-only) or Submit Form.
     */
    public Builder mode(Mode mode) {
      this.mode = Objects.requireNonNull(mode, "mode");
      return this;
    }

    /**
     * Which key finds the Marketo person a lead writes to: {@link Match#EMAIL} (the field the e-mail is written to,
     * Marketo's own person key; the default) or {@link Match#LEAD_ID} ({@link #leadIdField}, which must be set). Sets
     * Sync Leads' {@code lookupField}; with Submit Form only {@code EMAIL} (a form fill is matched by e-mail).
     */
    public Builder match(Match match) {
      this.match = Objects.requireNonNull(match, "match");
      return this;
    }

    /**
     * Sync Leads with the shared sync mode: {@code CREATE} → action {@code createOnly}, {@code UPSERT} →
     * {@code createOrUpdate}, {@code UPDATE_ONLY} → {@code updateOnly}.
     */
    public Builder mode(SyncMode mode) {
      this.mode = Mode.of(mode);
      this.formId = OptionalInt.empty();
      return this;
    }

    /** Both shared settings at once: {@link #match(Match)} and {@link #mode(SyncMode)}. */
    public Builder matching(RecordMatching matching) {
      Objects.requireNonNull(matching, "matching");
      return match(matching.match()).mode(matching.mode());
    }

    /**
     * The field Sync Leads matches existing leads on by name (default {@code email}; Sync Leads modes only); prefer
     * {@link #match}, which names the field from the mapping.
     */
    public Builder lookupField(String lookupField) {
      this.lookupField = Objects.requireNonNull(lookupField, "lookupField").strip();
      return this;
    }

    /** The form Submit Form submits (submitForm only). */
    public Builder formId(int formId) {
      this.formId = OptionalInt.of(formId);
      return this;
    }

    /** Writes {@code field} to the Marketo field with REST API name {@code marketoField}. */
    public Builder map(LeadField field, String marketoField) {
      mapping.put(Objects.requireNonNull(field, "field"), Objects.requireNonNull(marketoField, "marketoField"));
      return this;
    }

    /** Stops writing {@code field}. */
    public Builder unmap(LeadField field) {
      mapping.remove(Objects.requireNonNull(field, "field"));
      return this;
    }

    /** Writes each lead's {@link LeadId} to this Marketo field (a custom string field), e.g. to look leads up by it. */
    public Builder leadIdField(String marketoField) {
      this.leadIdField = Optional.of(Objects.requireNonNull(marketoField, "marketoField"));
      return this;
    }

    /** How long before a token's expiry to refresh it (default 60 s). */
    public Builder tokenRefreshMargin(Duration margin) {
      this.tokenMargin = Objects.requireNonNull(margin, "margin");
      return this;
    }

    /**
     * The most REST calls this sink makes per Marketo day (which starts at midnight US Central time, America/Chicago); 0, the default, for no cap
     * of its own. Marketo's daily quota (50,000 by default) is shared by every integration of the subscription;
     * over the cap, leads wait for the next day as after a 607. Counted in the router's journal when it keeps
     * counters (a restart continues the day's count), else in memory.
     */
    public Builder dailyCallLimit(int calls) {
      this.dailyCallLimit = calls;
      return this;
    }

    /** Builds the sink; throws {@link ConfigurationException} listing every missing or inconsistent setting. */
    public MarketoSink build() {
      List<Problem> problems = new ArrayList<>();
      requireSet(problems, "endpoint", endpoint,
          "set the REST API endpoint, e.g. https://123-ABC-456.mktorest.com/rest");
      requireSet(problems, "identity", identity,
          "set the Identity URL, e.g. https://123-ABC-456.mktorest.com/identity");
      requireSet(problems, "clientId", clientId == null || clientId.isBlank() ? null : clientId,
          "set the LaunchPoint custom service's client id");
      requireSet(problems, "clientSecret", clientSecret == null || clientSecret.isEmpty() ? null : clientSecret,
          "set the LaunchPoint custom service's client secret; in a descriptor as ${ENV_VAR} or ${file:/path}");
      problems.addAll(MarketoConfig.problems(endpoint, identity, mode, match, lookupField, formId, mapping,
          leadIdField, timeout()));
      if (dailyCallLimit < 0) {
        problems.add(new Problem("dailyCallLimit", "must not be negative", "use 0 for no cap, or e.g. 10000"));
      }
      if (!problems.isEmpty()) {
        throw new ConfigurationException(problems);
      }
      String lookup = match != null ? MarketoConfig.lookupFieldOf(match, mapping, leadIdField).orElseThrow()
          : lookupField != null ? lookupField : MarketoConfig.DEFAULT_LOOKUP_FIELD;
      MarketoConfig config = new MarketoConfig(endpoint, identity, clientId, clientSecret, mode, lookup, formId,
          mapping, leadIdField, timeout());
      return new MarketoSink(config, httpClient().orElse(null), clock(), tokenMargin, dailyCallLimit);
    }

    private static void requireSet(List<Problem> problems, String key, Object value, String fix) {
      if (value == null) {
        problems.add(new Problem(key, "is required", fix));
      }
    }
  }
}
