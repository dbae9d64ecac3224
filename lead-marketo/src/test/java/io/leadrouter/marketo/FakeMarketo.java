package io.leadrouter.marketo;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.QueryParameter;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.CustomerRecords;
import io.leadrouter.testkit.FakeTransformer;
import io.leadrouter.testkit.OverlapRecorder;
import io.leadrouter.testkit.RateLimitedFake;
import io.leadrouter.testkit.WireMockFake;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stateful fake of Marketo's REST and identity endpoints, answering with the shapes Marketo documents:
 * <ul>
 *   <li>identity: https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/authentication
 *       ({@code {"access_token","token_type":"bearer","expires_in":3599,"scope"}}; the same token until it expires,
 *       with the remaining lifetime; HTTP 401 {@code {"error":"unauthorized","error_description":"Bad client
 *       credentials"}} for bad credentials);</li>
 *   <li>Sync Leads / Describe / Submit Form:
 *       https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/leads;</li>
 *   <li>errors: https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes (HTTP 200 with
 *       {@code "success":false}; per record {@code "status":"skipped","reasons":[..]}; HTTP 413 over 1 MB).</li>
 * </ul>
 * Leads are kept in memory as Marketo keeps people: records with an id, found by any field. Sync Leads honours
 * {@code action} ({@code createOnly}, {@code updateOnly}, {@code createOrUpdate} — the default — and
 * {@code createDuplicate}) and {@code lookupField} (default {@code email}; e-mail compared ignoring case), answering
 * per record as Adobe's "Leads" page and record-level error table show: {@code created}, {@code updated}, or
 * {@code skipped} with {@code 1004 Lead not found} (updateOnly, nothing matches), {@code 1005 Lead already exists}
 * (createOnly, a lead matches) or {@code 1007 Multiple leads match the lookup criteria} (an update that matches
 * several). The request journal is WireMock's. Time comes from the test's clock.
 * As a JUnit extension ({@code @RegisterExtension static}) it resets before each test and stops after the class.
 */
final class FakeMarketo extends WireMockFake implements CustomerRecords {
  static final String CLIENT_ID = "4d2ab1f0-3c6e-4f7a-9b1d-lr-client";
  /** Has characters that URL encoding changes, so both forms must be kept out of messages. */
  static final String CLIENT_SECRET = "Zx9+Qp=Lm&Kv/7wS3cr3t";
  static final int FORM_ID = 1001;
  static final int MAX_BODY = 1024 * 1024;
  static final Set<String> STANDARD_FIELDS = Set.of("id", "email", "firstName", "lastName", "phone", "country",
      "company", "title", "leadSource", "unsubscribed", "createdAt", "updatedAt");

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Clock clock;
  private final WireMockServer server;
  private final Object lock = new Object();
  private final Map<String, Instant> tokens = new HashMap<>();
  /** The people held, by Marketo lead id. */
  private final Map<Long, ObjectNode> leads = new LinkedHashMap<>();
  private final Map<String, String[]> skips = new HashMap<>();
  private final Map<String, String[]> refusals = new HashMap<>();
  private final Deque<String[]> scripted = new ArrayDeque<>();
  private final Set<String> fields = new LinkedHashSet<>();
  private final AtomicLong nextId = new AtomicLong(1000);
  private String currentToken;
  private String[] stickyError;
  private boolean revoked;
  private int identityDelayMillis;
  private String expiresInJson;
  private final Map<String, Integer> inFlightByEmail = new HashMap<>();
  /** Sync Leads calls in flight per customer (e-mail), as every CRM fake counts them (lead-testkit). */
  private final OverlapRecorder recorder = new OverlapRecorder();
  private volatile int syncDelayMillis;
  /** Answers every request; a throttle set by {@link #throttleAbove} refuses first. */
  private final Transformer transformer = new Transformer();

  FakeMarketo(Clock clock) {
    this.clock = clock;
    server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1").containerThreads(64)
        .extensions(transformer));
    server.start();
    server.stubFor(any(anyUrl()).willReturn(aResponse().withTransformers(transformer.getName())));
    reset();
  }

  /** The WireMock server, for its request journal. */
  @Override
  protected WireMockServer server() {
    return server;
  }

  /** Forgets every lead, token, script and request; the schema goes back to the standard fields + custom ones. */
  @Override
  public void reset() {
    synchronized (lock) {
      tokens.clear();
      leads.clear();
      skips.clear();
      refusals.clear();
      scripted.clear();
      fields.clear();
      fields.addAll(STANDARD_FIELDS);
      fields.add("leadRouterLeadId");
      fields.add("leadRouterDescription");
      currentToken = null;
      stickyError = null;
      revoked = false;
      identityDelayMillis = 0;
      expiresInJson = null;
      inFlightByEmail.clear();
      syncDelayMillis = 0;
    }
    recorder.reset();
    transformer.resetTransformer();
    server.resetRequests();
  }

  /**
   * Lets at most {@code perSecond} REST calls a second through; the rest get Marketo's rate-limit answer, HTTP 200
   * with error 606 "Max rate limit '100' exceeded with in '20' secs" (Marketo REST API error codes,
   * experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/error-codes): as when other integrations share
   * the subscription's 100 calls per 20 s.
   */
  RateLimitedFake throttleAbove(double perSecond) {
    RateLimitedFake l = new RateLimitedFake("^/rest/v1/leads", perSecond,
        () -> error("606", "Max rate limit '100' exceeded with in '20' secs"));
    return transformer.throttle(l);
  }

  /**
   * Sync Leads answers take this long, so calls overlap as they do against the real service. While a call for an
   * e-mail is in flight, another call for the same e-mail creates a second lead instead of updating: Adobe warns
   * that concurrent or closely timed upserts of one person can create duplicates (Marketo REST API, "Sync Leads").
   */
  @Override
  public void processingTime(int millis) {
    syncDelayMillis = millis;
  }

  @Override
  public FakeTransformer transformer() {
    return transformer;
  }

  /** The per-customer in-flight record of Sync Leads calls (overlaps, most in flight at once...). */
  @Override
  public OverlapRecorder customers() {
    return recorder;
  }

  URI rest() {
    return URI.create(server.baseUrl() + "/rest");
  }

  URI identity() {
    return URI.create(server.baseUrl() + "/identity");
  }

  /** A sink builder for this fake: its REST and identity URLs, its client's id and secret. */
  MarketoSink.Builder sinkBuilder() {
    return MarketoSink.builder().endpoint(rest()).identity(identity()).clientId(CLIENT_ID)
        .clientSecret(Secret.of(CLIENT_SECRET));
  }

  /** The next REST call answers {@code code}/{@code message} in an HTTP 200 body; {@code code} may be an HTTP status. */
  void scriptError(String code, String message) {
    synchronized (lock) {
      scripted.add(new String[] {code, message});
    }
  }

  /** Every REST call answers this error until {@link #reset()}. */
  void failEveryCall(String code, String message) {
    synchronized (lock) {
      stickyError = new String[] {code, message};
    }
  }

  /**
   * A Sync Leads call holding the lead with this e-mail is refused whole: HTTP 200, {@code "success":false} and this
   * record-level code in the errors array (as Marketo answers a call it will not run; nothing of it is written).
   */
  void refuseCallsWith(String email, String code, String message) {
    synchronized (lock) {
      refusals.put(email.toLowerCase(java.util.Locale.ROOT), new String[] {code, message});
    }
  }

  /** The lead with this lookup value is skipped with {@code code}/{@code message}. */
  void skip(String lookupValue, String code, String message) {
    synchronized (lock) {
      skips.put(lookupValue, new String[] {code, message});
    }
  }

  /** The LaunchPoint service's credentials are revoked: tokens are invalid (601), identity answers 401. */
  void revokeCredentials() {
    synchronized (lock) {
      revoked = true;
      tokens.clear();
      currentToken = null;
    }
  }

  /** Marketo expires every token now (the client still thinks them valid): REST calls answer 602. */
  void expireTokensNow() {
    synchronized (lock) {
      tokens.replaceAll((k, v) -> clock.instant());
    }
  }

  /** The identity endpoint takes this long to answer, so concurrent callers overlap a refresh. */
  void identityDelay(Duration d) {
    synchronized (lock) {
      identityDelayMillis = (int) d.toMillis();
    }
  }

  /** The identity endpoint writes {@code expires_in} as this JSON (the token still lives its hour). */
  void identityExpiresIn(String json) {
    synchronized (lock) {
      expiresInJson = json;
    }
  }

  /** Removes a field from the lead schema. */
  void dropField(String name) {
    synchronized (lock) {
      fields.remove(name);
    }
  }

  /** How many leads (people) Marketo holds. */
  @Override
  public int recordCount() {
    synchronized (lock) {
      return leads.size();
    }
  }

  /** Holds a lead created outside this sink (by a form, another integration...); returns its Marketo id. */
  long hold(ObjectNode fields) {
    synchronized (lock) {
      ObjectNode lead = fields.deepCopy().put("id", nextId.incrementAndGet());
      leads.put(lead.path("id").asLong(), lead);
      return lead.path("id").asLong();
    }
  }

  /** Copies of the leads held. */
  List<ObjectNode> leads() {
    synchronized (lock) {
      return leads.values().stream().map(ObjectNode::deepCopy).toList();
    }
  }

  /** Copies of the leads held whose e-mail is {@code email}, ignoring case as Marketo compares it. */
  @Override
  public List<ObjectNode> recordsWithEmail(String email) {
    synchronized (lock) {
      return find("email", email).stream().map(ObjectNode::deepCopy).toList();
    }
  }

  /** The leads held whose {@code field} equals {@code value}. */
  long count(String field, String value) {
    return leads().stream().filter(l -> value.equals(l.path(field).asText(null))).count();
  }

  int identityCalls() {
    return server.countRequestsMatching(getRequestedFor(urlPathEqualTo("/identity/oauth/token")).build()).getCount();
  }

  List<LoggedRequest> syncCalls() {
    return server.findAll(postRequestedFor(urlPathEqualTo("/rest/v1/leads.json")));
  }

  List<LoggedRequest> allRequests() {
    return server.findAll(RequestPatternBuilder.allRequests());
  }

  /** Routes each request (a throttle, when set, refuses first and nothing changes). */
  private final class Transformer extends FakeTransformer {
    @Override
    protected ResponseDefinition answer(ServeEvent event) {
      Request r = event.getRequest();
      String path = URI.create(r.getUrl()).getPath();
      try {
        String route = r.getMethod().getName() + " " + path;
        if (route.equals("POST /rest/v1/leads.json")) {
          // not under the lock: Sync Leads calls are processed side by side, as the service does, so calls for one
          // person can overlap (and be counted) when the caller lets them
          ResponseDefinition refusal;
          synchronized (lock) {
            refusal = rest(r, () -> null);
          }
          return refusal != null ? refusal : syncLeads(r);
        }
        synchronized (lock) {
          return switch (route) {
            case "GET /identity/oauth/token" -> identity(r);
            case "POST /rest/v1/leads/submitForm.json" -> rest(r, () -> submitForm(r));
            case "GET /rest/v1/leads/describe.json" -> rest(r, FakeMarketo.this::describe);
            default -> path.startsWith("/rest/") ? error("610", "Requested resource not found")
                : new ResponseDefinitionBuilder().withStatus(404).build();
          };
        }
      } catch (IOException e) {
        return error("609", "Invalid JSON");
      }
    }
  }

  private interface Handler {
    ResponseDefinition handle() throws IOException;
  }

  private ResponseDefinition identity(Request r) {
    ResponseDefinitionBuilder response = new ResponseDefinitionBuilder().withFixedDelay(identityDelayMillis)
        .withHeader("Content-Type", "application/json;charset=UTF-8");
    boolean good = "client_credentials".equals(param(r, "grant_type")) && CLIENT_ID.equals(param(r, "client_id"))
        && CLIENT_SECRET.equals(param(r, "client_secret"));
    if (revoked || !good) {
      return response.withStatus(401)
          .withBody("{\"error\":\"unauthorized\",\"error_description\":\"Bad client credentials\"}").build();
    }
    Instant now = clock.instant();
    if (currentToken == null || !now.isBefore(tokens.get(currentToken))) {
      currentToken = UUID.randomUUID() + ":ab";
      tokens.put(currentToken, now.plusSeconds(3600));
    }
    long expiresIn = Math.max(0, Duration.between(now, tokens.get(currentToken)).toSeconds() - 1);
    return response.withStatus(200).withBody("{\"access_token\":\"" + currentToken
        + "\",\"token_type\":\"bearer\",\"expires_in\":" + (expiresInJson == null ? expiresIn : expiresInJson)
        + ",\"scope\":\"apis@contoso.com\"}").build();
  }

  private static String param(Request r, String name) {
    QueryParameter p = r.queryParameter(name);
    return p != null && p.isPresent() ? p.firstValue() : null;
  }

  /** Checks the token, scripted errors and size; then {@code handler}'s answer (null: let the caller answer). */
  private ResponseDefinition rest(Request r, Handler handler) throws IOException {
    if (r.getUrl().contains("access_token=")) {
      return error("601", "Access token invalid"); // the token must travel as a header, never in the URL
    }
    String auth = r.getHeader("Authorization");
    String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : "";
    Instant expiry = tokens.get(token);
    if (expiry == null) {
      return error("601", "Access token invalid");
    }
    if (!clock.instant().isBefore(expiry)) {
      return error("602", "Access token expired");
    }
    String[] script = stickyError != null ? stickyError : scripted.poll();
    if (script != null) {
      return script[0].length() == 3 && script[0].charAt(0) != '6' && script[0].charAt(0) != '7'
          ? new ResponseDefinitionBuilder().withStatus(Integer.parseInt(script[0])).withBody(script[1]).build()
          : error(script[0], script[1]);
    }
    if (r.getBody().length > MAX_BODY) {
      return new ResponseDefinitionBuilder().withStatus(413)
          .withBody("<html><body><h1>413 Request Entity Too Large</h1></body></html>").build();
    }
    return handler.handle();
  }

  /** The actions Sync Leads accepts (Adobe, "Leads" > "Create and Update"). */
  static final Set<String> ACTIONS = Set.of("createOnly", "updateOnly", "createOrUpdate", "createDuplicate");

  private ResponseDefinition syncLeads(Request r) throws IOException {
    JsonNode body = JSON.readTree(r.getBodyAsString());
    String action = body.path("action").asText("createOrUpdate"); // Marketo's default when action is left out
    if (!ACTIONS.contains(action)) {
      return error("1003", "Invalid value for 'action': " + action);
    }
    String lookupField = body.path("lookupField").asText("email"); // Marketo's default lookup field
    // The call's people are in flight while it is processed, the answer not yet sent: released before the answer
    // leaves, so a caller that has the answer can never find its own call still "in flight" (released after sending,
    // a next call the caller made on receipt could arrive first and count as an overlap).
    Set<String> emails = new LinkedHashSet<>(); // one call's records are written one after another: not a race
    for (JsonNode input : body.path("input")) {
      String email = input.path("email").asText("");
      if (!email.isEmpty()) {
        emails.add(email.toLowerCase(java.util.Locale.ROOT));
      }
    }
    synchronized (lock) {
      for (String email : emails) {
        if (refusals.containsKey(email)) {
          return error(refusals.get(email)[0], refusals.get(email)[1]);
        }
      }
      for (String email : emails) {
        inFlightByEmail.merge(email, 1, Integer::sum); // what makes a concurrent upsert of one person a duplicate
      }
    }
    emails.forEach(recorder::start);
    try {
      if (syncDelayMillis > 0) {
        Thread.sleep(syncDelayMillis); // the service's processing time, so calls overlap as they do for real
      }
      ArrayNode result = JSON.createArrayNode();
      synchronized (lock) {
        int seq = 0;
        for (JsonNode input : body.path("input")) {
          result.add(write((ObjectNode) input, lookupField, action).put("seq", seq++));
        }
      }
      return ok(result);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      emails.forEach(recorder::end);
      synchronized (lock) {
        for (String email : emails) {
          inFlightByEmail.computeIfPresent(email, (k, n) -> n == 1 ? null : n - 1);
        }
      }
    }
  }

  private ResponseDefinition submitForm(Request r) throws IOException {
    JsonNode body = JSON.readTree(r.getBodyAsString());
    if (body.path("formId").asInt() != FORM_ID) {
      return error("702", "Form not found");
    }
    ArrayNode result = JSON.createArrayNode();
    for (JsonNode input : body.path("input")) {
      // a form fill identifies the person by e-mail only: a known address updates, a new one creates
      result.add(write((ObjectNode) input.path("leadFormFields"), "email", "createOrUpdate"));
    }
    return ok(result);
  }

  /** The people whose {@code field} holds {@code value} (e-mail ignoring case, as Marketo compares it). */
  private List<ObjectNode> find(String field, String value) {
    List<ObjectNode> found = new ArrayList<>();
    for (ObjectNode lead : leads.values()) {
      String held = lead.path(field).asText(null);
      if (held != null && (field.equals("email") ? held.equalsIgnoreCase(value) : held.equals(value))) {
        found.add(lead);
      }
    }
    return found;
  }

  /** One input record of a Sync Leads call under {@code action}, matched on {@code lookupField}; under the lock. */
  private ObjectNode write(ObjectNode input, String lookupField, String action) {
    ObjectNode item = JSON.createObjectNode();
    for (String name : (Iterable<String>) input::fieldNames) {
      if (!fields.contains(name)) {
        return skipped(item, "1006", "Field '" + name + "' not found");
      }
    }
    String value = input.path(lookupField).asText("");
    if (value.isEmpty() && !action.equals("createDuplicate")) {
      return skipped(item, "1003", "Lookup field '" + lookupField + "' is missing");
    }
    String[] skip = skips.get(value);
    if (skip != null) {
      return skipped(item, skip[0], skip[1]);
    }
    List<ObjectNode> found = action.equals("createDuplicate") ? List.of() : find(lookupField, value);
    String email = input.path("email").asText("").toLowerCase(java.util.Locale.ROOT);
    boolean racing = !email.isEmpty() && inFlightByEmail.getOrDefault(email, 0) > 1;
    switch (action) {
      case "createOnly":
        return found.isEmpty() ? create(item, input) : skipped(item, "1005", "Lead already exists");
      case "updateOnly":
        if (found.isEmpty()) {
          return skipped(item, "1004", "Lead not found");
        }
        return found.size() > 1 ? skipped(item, "1007", "Multiple leads match the lookup criteria")
            : update(item, found.get(0), input);
      case "createOrUpdate":
        if (racing) {
          // another call for this person is in flight: the duplicate Adobe warns of ("Sync Leads": concurrent or
          // closely timed upserts of one person can create duplicates)
          return create(item, input);
        }
        if (found.size() > 1) {
          return skipped(item, "1007", "Multiple leads match the lookup criteria");
        }
        return found.isEmpty() ? create(item, input) : update(item, found.get(0), input);
      default: // createDuplicate
        return create(item, input);
    }
  }

  private ObjectNode create(ObjectNode item, ObjectNode input) {
    ObjectNode lead = input.deepCopy().put("id", nextId.incrementAndGet());
    leads.put(lead.path("id").asLong(), lead);
    return item.put("id", lead.path("id").asLong()).put("status", "created");
  }

  private static ObjectNode update(ObjectNode item, ObjectNode existing, ObjectNode input) {
    long id = existing.path("id").asLong();
    existing.setAll(input);
    existing.put("id", id);
    return item.put("id", id).put("status", "updated");
  }

  private static ObjectNode skipped(ObjectNode item, String code, String message) {
    item.put("status", "skipped").putArray("reasons").addObject().put("code", code).put("message", message);
    return item;
  }

  private ResponseDefinition describe() {
    ArrayNode result = JSON.createArrayNode();
    int id = 1;
    for (String name : fields) {
      boolean flag = name.equals("unsubscribed");
      ObjectNode f = result.addObject().put("id", id++).put("displayName", name)
          .put("dataType", flag ? "boolean" : "string");
      if (!flag) {
        f.put("length", 255);
      }
      f.putObject("rest").put("name", name).put("readOnly", name.equals("id"));
      f.putObject("soap").put("name", Character.toUpperCase(name.charAt(0)) + name.substring(1))
          .put("readOnly", name.equals("id"));
    }
    return ok(result);
  }

  private static ResponseDefinition ok(ArrayNode result) {
    ObjectNode body = JSON.createObjectNode().put("requestId", requestId());
    body.set("result", result);
    body.put("success", true);
    return json(body);
  }

  private static ResponseDefinition error(String code, String message) {
    ObjectNode body = JSON.createObjectNode().put("requestId", requestId()).put("success", false);
    body.putArray("errors").addObject().put("code", code).put("message", message);
    return json(body);
  }

  private static ResponseDefinition json(ObjectNode body) {
    return new ResponseDefinitionBuilder().withStatus(200).withHeader("Content-Type", "application/json;charset=UTF-8")
        .withBody(body.toString()).build();
  }

  private static String requestId() {
    return Long.toHexString(System.nanoTime() & 0xFFFF) + "#" + Long.toHexString(System.nanoTime());
  }

  /** The leads (as input objects) carried by each Sync Leads call, in order. */
  List<Integer> syncCallSizes() {
    List<Integer> sizes = new ArrayList<>();
    for (LoggedRequest r : syncCalls()) {
      try {
        sizes.add(JSON.readTree(r.getBodyAsString()).path("input").size());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return sizes;
  }

}
