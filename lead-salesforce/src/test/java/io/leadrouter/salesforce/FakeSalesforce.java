package io.leadrouter.salesforce;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkConfig;
import io.leadrouter.testkit.CustomerRecords;
import io.leadrouter.testkit.FakeTransformer;
import io.leadrouter.testkit.RateLimitedFake;
import io.leadrouter.testkit.WireMockFake;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A fake Salesforce org on WireMock, answering as Salesforce's docs show:
 * <ul>
 *   <li>token: https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_client_credentials_flow.htm
 *       ({@code {"access_token","instance_url","id","token_type","issued_at","signature"}}, errors
 *       {@code {"error","error_description"}});</li>
 *   <li>upsert by external id: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_upsert.htm
 *       (201 {@code {"id","success","errors","created":true}}, 200 {@code {...,"created":false}});</li>
 *   <li>create: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_sobject_create.htm
 *       (201 {@code {"id","success":true,"errors":[]}});</li>
 *   <li>sObject Collections: https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-upsert.html
 *       and ...-collections-create.html (200 with one result per record, errors
 *       {@code [{"statusCode","message","fields"}]});</li>
 *   <li>errors: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm
 *       ({@code [{"message","errorCode","fields"}]});</li>
 *   <li>{@code Sforce-Limit-Info}: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm;</li>
 *   <li>query: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm
 *       ({@code GET /query?q=SELECT Id FROM Lead WHERE <field> = '<literal>' [AND IsConverted = false] [LIMIT n]}
 *       and {@code SELECT COUNT() ...}: {@code {"totalSize","done","records":[{"attributes":{...},"Id"}]}}); the
 *       literal's escapes as in "Quoted String Escape Sequences" (a bare quote or an unknown escape is
 *       {@code MALFORMED_QUERY}), {@code =} ignoring case as in "Comparison Operators";</li>
 *   <li>update by Id: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_update_fields.htm
 *       ({@code PATCH /sobjects/Lead/<Id>}: 204, a missing Id 404 {@code NOT_FOUND});</li>
 *   <li>Web-to-Lead: always 200 with an empty HTML page.</li>
 * </ul>
 * Every Lead is held in memory by its Id (upserted, created, updated) so lookups see it and tests count records
 * truly held. Register it as a static
 * {@code @RegisterExtension} field: it starts once per test class, is reset before each test and stops after all.
 */
final class FakeSalesforce extends WireMockFake implements CustomerRecords, AfterEachCallback {
  static final String EXT_FIELD = "LeadRouter_Id__c";
  /** An external id value in the URL ending like a file format extension, which Salesforce does not upsert by. */
  private static final java.util.regex.Pattern FORMAT_EXTENSION =
      java.util.regex.Pattern.compile("\\.(json|xml|inc|csv|html?)$", java.util.regex.Pattern.CASE_INSENSITIVE);
  static final String API = "/services/data/v62.0";
  static final String CLIENT_ID = "3MVG9fake.consumer.key";
  static final String CLIENT_SECRET = "fake-consumer-secret-7f3a9c";
  static final String ORG_ID = "00D5e000000AbCdEAK";
  static final String WEB_TO_LEAD = "/servlet/servlet.WebToLead";
  static final String LEAD_ID_FORM_FIELD = "00N5e00000LeadId";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  final WireMockServer server;
  private final Map<String, String> byExternalId = new ConcurrentHashMap<>();
  private final List<JsonNode> created = new CopyOnWriteArrayList<>();
  private final List<JsonNode> upserted = new CopyOnWriteArrayList<>();
  private final Map<String, String> recordErrors = new ConcurrentHashMap<>();
  /** The action of an active Lead duplicate rule matching on Email ("Allow" with an alert, or "Block"), or null. */
  private volatile String duplicateRuleAction;
  private final AtomicInteger nextId = new AtomicInteger(1);
  private final Set<String> hidden = ConcurrentHashMap.newKeySet();
  /** What Lead.Email (type email, 80 characters) accepts here: an ASCII local part; Salesforce refuses the rest. */
  private static final java.util.regex.Pattern EMAIL =
      java.util.regex.Pattern.compile("[A-Za-z0-9._%+'-]+@[^@\\s\\p{Cf}]+\\.[^@\\s\\p{Cf}.]{2,}");
  /** Every Lead held, by Id, in creation order; guarded by itself. */
  private final Map<String, ObjectNode> leads = new LinkedHashMap<>();
  /** Answers the record requests, counting each customer's requests in flight; a throttle may refuse first. */
  private final Records records = new Records();
  /** The sinks {@link #open} built in the current test, closed after it. */
  private final List<SalesforceSink> opened = new CopyOnWriteArrayList<>();
  private final AtomicLong apiUsed = new AtomicLong(100);
  private volatile long apiLimit = 15_000;
  /** {@code Sforce-Limit-Info} as Salesforce's docs show it: {@code api-usage=25/5000}. */
  private volatile String limitInfoFormat = "api-usage=%d/%d";
  private volatile String token = "00D5e000000AbCd!AQ4AQFakeToken1";

  FakeSalesforce() {
    server = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1")
        .extensions(records));
    server.start();
    reset();
  }

  URI url() {
    return URI.create("http://127.0.0.1:" + server.port());
  }

  URI webToLeadUrl() {
    return URI.create(url() + WEB_TO_LEAD + "?encoding=UTF-8");
  }

  /** Forgets every stub, record and request, and answers like a healthy org again. */
  @Override
  public void reset() {
    server.resetAll();
    hidden.clear();
    byExternalId.clear();
    created.clear();
    upserted.clear();
    recordErrors.clear();
    duplicateRuleAction = null;
    apiUsed.set(100);
    apiLimit = 15_000;
    limitInfoFormat = "api-usage=%d/%d";
    token = "00D5e000000AbCd!AQ4AQFakeToken1";
    server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(10).willReturn(okJson(tokenBody())));
    server.stubFor(get(urlEqualTo(API + "/sobjects/Lead/describe")).atPriority(9)
        .willReturn(okJson(describe(false, false))));
    synchronized (leads) {
      leads.clear();
    }
    records.resetTransformer();
    server.stubFor(any(urlPathMatching(API + "/(sobjects/Lead.*|composite/sobjects.*|query/?)")).atPriority(10)
        .willReturn(aResponse().withTransformers(records.getName())));
    server.stubFor(post(urlPathEqualTo(WEB_TO_LEAD)).atPriority(10).willReturn(aResponse().withStatus(200)
        .withHeader("Content-Type", "text/html;charset=UTF-8").withBody("")));
  }

  /**
   * Lets at most {@code perSecond} record requests a second through; the rest get 429 with {@code Retry-After: 1}.
   * Salesforce documents no per-second limit for the REST API (its limits are daily, REQUEST_LIMIT_EXCEEDED, and
   * concurrent long requests); this is the generic HTTP throttle (RFC 6585) an edge or proxy in front of it answers.
   */
  RateLimitedFake throttleAbove(double perSecond) {
    RateLimitedFake l = new RateLimitedFake("/sobjects/Lead", perSecond, () -> new ResponseDefinitionBuilder()
        .withStatus(429).withHeader("Retry-After", "1").build());
    return records.throttle(l);
  }

  /** Issues a new token from now on; requests with the old one get 401 INVALID_SESSION_ID. */
  void rotateToken(String newToken) {
    token = newToken;
    server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(10).willReturn(okJson(tokenBody())));
  }

  /**
   * Answers the token request as a hostile or compromised token endpoint might: a valid token whose
   * {@code instance_url} and {@code id} name {@code instanceUrl} (an internal address, plain http) instead of the org.
   */
  void tokenNamesInstance(String instanceUrl) {
    server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(okJson(tokenBody()
        .replace("\"" + url(), "\"" + instanceUrl))));
  }

  /**
   * Makes the API write {@code Sforce-Limit-Info} in this form: a {@link String#format} pattern taking the org's used
   * and limit (e.g. the connected app's own {@code per-app-api-usage=N/M(appName=..)} first, or odd spacing).
   */
  void limitInfoFormat(String pattern) {
    limitInfoFormat = pattern;
  }

  private String limitInfo() {
    return String.format(limitInfoFormat, apiUsed.get(), apiLimit);
  }

  /** Makes the API report {@code used/limit} in {@code Sforce-Limit-Info}. */
  void apiUsage(long used, long limit) {
    apiUsed.set(used);
    apiLimit = limit;
  }

  /**
   * Activates a Lead duplicate rule matching an unconverted Lead's Email (ignoring case), as Salesforce's "Standard Lead
   * Duplicate Rule" does, with this action on create: {@code "Allow"} (with an alert: an API save is refused unless it
   * sends {@code Sforce-Duplicate-Rule-Header: allowSave=true}, whose default is false) or {@code "Block"} (always
   * refused). A refused save is {@code DUPLICATES_DETECTED} with the rule's {@code duplicateResult}
   * (developer.salesforce.com/docs/platform/api-rest/guide/headers-duplicaterules.html; DuplicateResult).
   */
  void duplicateRule(String action) {
    duplicateRuleAction = action;
  }

  /** Records whose LastName is {@code lastName} fail with this per-record error (statusCode form). */
  void recordFails(String lastName, String statusCode, String message, String... fields) {
    ObjectNode e = MAPPER.createObjectNode().put("statusCode", statusCode).put("message", message);
    ArrayNode f = e.putArray("fields");
    for (String field : fields) {
      f.add(field);
    }
    recordErrors.put(lastName, e.toString());
  }

  /** Everything answers 503 (token endpoint, API, Web-to-Lead). */
  void failTransiently() {
    server.stubFor(any(anyUrl()).atPriority(1).willReturn(aResponse().withStatus(503)
        .withHeader("Content-Type", "application/json;charset=UTF-8")
        .withBody("[{\"message\":\"Server temporarily unavailable\",\"errorCode\":\"SERVER_UNAVAILABLE\"}]")));
  }

  /** The connected app's secret is revoked: tokens are refused and issued ones are invalid. */
  void revokeCredentials() {
    token = "revoked";
    server.stubFor(post(urlEqualTo("/services/oauth2/token")).atPriority(1).willReturn(aResponse().withStatus(400)
        .withHeader("Content-Type", "application/json;charset=UTF-8")
        .withBody("{\"error\":\"invalid_client\",\"error_description\":\"invalid client credentials\"}")));
    server.stubFor(post(urlPathEqualTo(WEB_TO_LEAD)).atPriority(1).willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", "text/html").withBody("<html><body>Not Found</body></html>")));
  }

  /**
   * Lead's field is hidden from the integration user (field-level security) or deleted: describe no longer lists it,
   * and a record naming it is refused as Salesforce refuses an unknown column (400 {@code INVALID_FIELD}).
   */
  void hideField(String name) {
    hidden.add(name);
    server.stubFor(get(urlEqualTo(API + "/sobjects/Lead/describe")).atPriority(9)
        .willReturn(okJson(describe(false, false))));
  }

  /** Lead's describe from now on, with a required custom field and/or a restricted LeadSource. */
  void describeWith(boolean requiredRegion, boolean restrictedLeadSource) {
    server.stubFor(get(urlEqualTo(API + "/sobjects/Lead/describe")).atPriority(5)
        .willReturn(okJson(describe(requiredRegion, restrictedLeadSource))));
  }

  /** The next API call (any /services/data URL) answers this error list with this status. */
  void apiAnswers(int status, String errorCode, String message, String... fields) {
    ArrayNode list = MAPPER.createArrayNode();
    ObjectNode e = list.addObject().put("message", message).put("errorCode", errorCode);
    ArrayNode f = e.putArray("fields");
    for (String field : fields) {
      f.add(field);
    }
    apiAnswersBody(status, list.toString());
  }

  /** API calls answer this status and raw body. */
  void apiAnswersBody(int status, String body) {
    server.stubFor(any(urlPathMatching(API + "/sobjects/Lead(/[^d].*)?|" + API + "/composite/.*")).atPriority(2)
        .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/json;charset=UTF-8")
            .withHeader("Sforce-Limit-Info", limitInfo()).withBody(body)));
  }

  /**
   * Answers the record requests. Each Lead request takes its {@link #processingTime}, outside the fake's state lock,
   * so concurrent requests overlap as they do against the real service (and {@link #customers()}, by the e-mail they
   * write or query, can see two of one customer overlap).
   */
  @Override
  public FakeTransformer transformer() {
    return records;
  }

  /** Every Lead held (a copy), in creation order. */
  List<ObjectNode> leads() {
    synchronized (leads) {
      return leads.values().stream().map(ObjectNode::deepCopy).toList();
    }
  }

  @Override
  public int recordCount() {
    synchronized (leads) {
      return leads.size();
    }
  }

  /** The Leads whose Email is this address, ignoring case as SOQL's {@code =} does. */
  @Override
  public List<ObjectNode> recordsWithEmail(String email) {
    return leads().stream().filter(l -> l.path("Email").asText("").equalsIgnoreCase(email)).toList();
  }

  /** Adds a Lead as if entered in Salesforce by someone else; returns its Id. */
  String addLead(String email, String lastName, boolean converted) {
    String id = newId();
    ObjectNode lead = MAPPER.createObjectNode().put("Id", id).put("Email", email).put("LastName", lastName)
        .put("Company", "Contoso").put("IsConverted", converted);
    synchronized (leads) {
      leads.put(id, lead);
    }
    return id;
  }

  private String newId() {
    return String.format("00Q5e00000%05dAAA", nextId.getAndIncrement());
  }

  /** Leads upserted with this lead's id as external id (0 or 1), plus creates naming it in the description. */
  int records(Lead lead) {
    return byExternalId.containsKey(lead.id().value()) ? 1 : 0;
  }

  /** The records of every upsert by external id, in order (single and collection). */
  List<JsonNode> upserted() {
    return upserted;
  }

  /** Leads created without external id (create mode). */
  List<JsonNode> created() {
    return created;
  }

  /** Web-to-Lead posts carrying this lead's id in the hidden LeadId field. */
  int webToLeadPosts(Lead lead) {
    return (int) webToLeadForms().stream().filter(f -> lead.id().value().equals(f.get(LEAD_ID_FORM_FIELD)))
        .count();
  }

  /** Every Web-to-Lead form received, decoded. */
  List<Map<String, String>> webToLeadForms() {
    return server.findAll(postRequestedFor(urlPathEqualTo(WEB_TO_LEAD))).stream()
        .map(r -> form(r.getBodyAsString())).toList();
  }

  /** Requests received at a path. */
  List<LoggedRequest> requests(String path) {
    return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(urlPathEqualTo(path)));
  }

  static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /**
   * A REST sink builder for this org: its My Domain URL, the connected app's client id and secret, a 5 s timeout.
   */
  SalesforceSink.Builder sinkBuilder() {
    return SalesforceSink.builder().myDomain(url()).clientId(CLIENT_ID).clientSecret(Secret.of(CLIENT_SECRET))
        .timeout(Duration.ofSeconds(5));
  }

  /**
   * Descriptor settings of a sink of {@code type} named {@code name} for this org: its My Domain URL and the connected
   * app's client id and secret.
   */
  SinkConfig.Builder settings(String name, String type) {
    return SinkConfig.builder(name, type).put("myDomain", url().toString()).put("clientId", CLIENT_ID)
        .secret("clientSecret", Secret.of(CLIENT_SECRET));
  }

  /** Builds {@code builder}'s sink; it is closed after the current test. */
  SalesforceSink open(SalesforceSink.Builder builder) {
    return closeAfterTest(builder.build());
  }

  /** {@code sink}, to be closed after the current test. */
  SalesforceSink closeAfterTest(SalesforceSink sink) {
    opened.add(sink);
    return sink;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    opened.forEach(SalesforceSink::close);
    opened.clear();
  }

  @Override
  protected WireMockServer server() {
    return server;
  }

  private String tokenBody() {
    return "{\"access_token\":\"" + token + "\",\"signature\":\"c2lnbmF0dXJl\",\"scope\":\"api\","
        + "\"instance_url\":\"" + url() + "\",\"id\":\"" + url() + "/id/00D5e000000AbCdEAK/0055e000001XyZ1AAK\","
        + "\"token_type\":\"Bearer\",\"issued_at\":\"1764065730000\"}";
  }

  private static ResponseDefinitionBuilder okJson(String body) {
    return aResponse().withStatus(200).withHeader("Content-Type", "application/json;charset=UTF-8").withBody(body);
  }

  private String describe(boolean requiredRegion, boolean restrictedLeadSource) {
    List<String> f = new ArrayList<>();
    f.add(field("Id", false, true, true, false, false, false));
    for (String required : List.of("LastName", "Company")) {
      f.add(field(required, true, false, false, false, false, false));
    }
    for (String optional : List.of("FirstName", "Email", "Phone", "Title", "Country", "Description")) {
      f.add(field(optional, true, true, false, false, false, false));
    }
    for (String defaulted : List.of("Status", "OwnerId", "IsConverted")) { // Salesforce sets them when left out
      f.add(field(defaulted, true, false, true, false, false, false));
    }
    f.add(field("LeadSource", true, true, false, false, true, restrictedLeadSource));
    f.add(field(EXT_FIELD, true, true, false, true, false, false));
    for (String optOut : List.of("HasOptedOutOfEmail", "DoNotCall")) {
      if (!hidden.contains(optOut)) { // checkboxes: never null, false unless set
        f.add("{\"name\":\"" + optOut + "\",\"type\":\"boolean\",\"createable\":true,\"updateable\":true,"
            + "\"nillable\":false,\"defaultedOnCreate\":true,\"externalId\":false,\"restrictedPicklist\":false,"
            + "\"picklistValues\":[]}");
      }
    }
    if (requiredRegion) {
      f.add(field("Region__c", true, false, false, false, false, false));
    }
    return "{\"name\":\"Lead\",\"createable\":true,\"fields\":[" + String.join(",", f) + "]}";
  }

  private static String field(String name, boolean createable, boolean nillable, boolean defaulted,
      boolean externalId, boolean picklist, boolean restricted) {
    String values = picklist
        ? "[{\"active\":true,\"value\":\"Web\"},{\"active\":true,\"value\":\"Partner Referral\"},"
            + "{\"active\":false,\"value\":\"Old\"}]"
        : "[]";
    return "{\"name\":\"" + name + "\",\"type\":\"" + (picklist ? "picklist" : "string") + "\",\"createable\":"
        + createable + ",\"nillable\":" + nillable + ",\"defaultedOnCreate\":" + defaulted + ",\"externalId\":"
        + externalId + ",\"restrictedPicklist\":" + restricted + ",\"picklistValues\":" + values + "}";
  }

  /** The stateful part: upserts and creates, single and collections, and the query resource. */
  private final class Records extends FakeTransformer {
    /** The e-mail a request writes or queries for, or null. */
    @Override
    protected String customerOf(LoggedRequest r) {
      String path = URI.create(r.getUrl()).getPath();
      if (path.startsWith(API + "/query")) {
        Soql q = r.queryParameter("q").isPresent() ? Soql.parse(r.queryParameter("q").firstValue()) : null;
        return q != null && q.field().equals("Email") ? q.value() : null;
      }
      return jsonText(r, "Email");
    }

    @Override
    protected ResponseDefinition answer(ServeEvent event) {
      LoggedRequest r = event.getRequest();
      String auth = r.getHeader("Authorization");
      if (!("Bearer " + token).equals(auth)) {
        return json(401, "[{\"message\":\"Session expired or invalid\",\"errorCode\":\"INVALID_SESSION_ID\"}]");
      }
      apiUsed.incrementAndGet();
      String path = URI.create(r.getUrl()).getPath().substring(API.length());
      if (path.startsWith("/query")) {
        return query(r.queryParameter("q").isPresent() ? r.queryParameter("q").firstValue() : "");
      }
      String dupHeader = r.getHeader("Sforce-Duplicate-Rule-Header");
      boolean allowSave = dupHeader != null && dupHeader.replace(" ", "").toLowerCase(java.util.Locale.ROOT)
          .matches("(.*[;,])?allowsave=true([;,].*)?");
      try {
        JsonNode body = MAPPER.readTree(r.getBodyAsString());
        String method = r.getMethod().getName();
        for (JsonNode rec : body.has("records") ? body.path("records") : MAPPER.createArrayNode().add(body)) {
          for (String name : (Iterable<String>) rec::fieldNames) {
            if (hidden.contains(name)) {
              return json(400, "[{\"message\":\"No such column '" + name + "' on sobject of type Lead\","
                  + "\"errorCode\":\"INVALID_FIELD\"}]");
            }
          }
        }
        String badEmail = body.has("records") ? null : invalidEmail(body);
        if (badEmail != null) {
          return json(400, "[" + badEmail.replace("\"statusCode\"", "\"errorCode\"") + "]");
        }
        if (method.equals("PATCH") && path.startsWith("/sobjects/Lead/" + EXT_FIELD + "/")) {
          String ext = path.substring(("/sobjects/Lead/" + EXT_FIELD + "/").length());
          if (FORMAT_EXTENSION.matcher(ext).find()) {
            // "some Top Level Domains may conflict with certain file format extensions ... the request returns a
            // 404 not found error" (Upsert Records Using sObject Rows by External ID)
            return json(404, "[{\"errorCode\":\"NOT_FOUND\",\"message\":\"The requested resource does not "
                + "exist\"}]");
          }
          if (body.has(EXT_FIELD)) {
            return json(400, "[{\"message\":\"Unable to create/update fields: " + EXT_FIELD + ".\","
                + "\"errorCode\":\"INVALID_FIELD_FOR_INSERT_UPDATE\",\"fields\":[\"" + EXT_FIELD + "\"]}]");
          }
          String duplicate = byExternalId.containsKey(ext) ? null : duplicate(body, allowSave);
          if (duplicate != null) {
            return json(400, "[" + duplicate.replace("\"statusCode\"", "\"errorCode\"") + "]");
          }
          ObjectNode result = upsert(ext, body);
          return json(result.get("created").asBoolean() ? 201 : 200, result.toString());
        }
        if (method.equals("POST") && path.equals("/sobjects/Lead")) {
          String ext = body.path(EXT_FIELD).asText(null);
          synchronized (leads) {
            String taken = ext == null ? null : byExternalId.get(ext);
            if (taken != null) { // the external id field is Unique
              return json(400, "[{\"message\":\"duplicate value found: " + EXT_FIELD + " duplicates value on record "
                  + "with id: " + taken + "\",\"errorCode\":\"DUPLICATE_VALUE\",\"fields\":[]}]");
            }
            String duplicate = duplicate(body, allowSave);
            if (duplicate != null) {
              return json(400, "[" + duplicate.replace("\"statusCode\"", "\"errorCode\"") + "]");
            }
            String id = newId();
            created.add(body);
            leads.put(id, ((ObjectNode) body.deepCopy()).put("Id", id).put("IsConverted", false));
            if (ext != null) {
              byExternalId.put(ext, id);
            }
            return json(201, "{\"id\":\"" + id + "\",\"success\":true,\"errors\":[]}");
          }
        }
        if (method.equals("PATCH") && path.matches("/sobjects/Lead/00Q[A-Za-z0-9]{12,15}")) {
          String id = path.substring("/sobjects/Lead/".length());
          synchronized (leads) {
            ObjectNode lead = leads.get(id);
            if (lead == null) {
              return json(404, "[{\"errorCode\":\"NOT_FOUND\",\"message\":\"The requested resource does not "
                  + "exist\"}]");
            }
            if (lead.path("IsConverted").asBoolean()) {
              return json(400, "[{\"message\":\"cannot reference converted lead\",\"errorCode\":"
                  + "\"CANNOT_UPDATE_CONVERTED_LEAD\",\"fields\":[]}]");
            }
            lead.setAll((ObjectNode) body);
            return new ResponseDefinitionBuilder().withStatus(204)
                .withHeader("Sforce-Limit-Info", limitInfo()).build();
          }
        }
        if (path.startsWith("/composite/sobjects")) {
          boolean upsert = method.equals("PATCH") && path.equals("/composite/sobjects/Lead/" + EXT_FIELD);
          if (!upsert && !(method.equals("POST") && path.equals("/composite/sobjects"))) {
            return json(404, "[{\"errorCode\":\"NOT_FOUND\",\"message\":\"The requested resource does not exist\"}]");
          }
          ArrayNode results = MAPPER.createArrayNode();
          for (JsonNode rec : body.path("records")) {
            String err = recordErrors.get(rec.path("LastName").asText());
            if (err == null) {
              err = invalidEmail(rec);
            }
            if (err == null && !(upsert && byExternalId.containsKey(rec.path(EXT_FIELD).asText()))) {
              err = duplicate(rec, allowSave);
            }
            if (err != null) {
              ObjectNode fail = results.addObject().put("success", false);
              fail.putArray("errors").add(MAPPER.readTree(err));
              continue;
            }
            if (upsert) {
              results.add(upsert(rec.path(EXT_FIELD).asText(), rec));
            } else {
              created.add(rec);
              String id = newId();
              synchronized (leads) {
                leads.put(id, ((ObjectNode) rec.deepCopy()).put("Id", id).put("IsConverted", false));
              }
              results.addObject().put("id", id).put("success", true).putArray("errors");
            }
          }
          return json(200, results.toString());
        }
        return json(404, "[{\"errorCode\":\"NOT_FOUND\",\"message\":\"The requested resource does not exist\"}]");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /**
     * The duplicate rule's refusal of creating this record (statusCode form), or null: no rule, no unconverted Lead
     * with its Email, or an Allow rule's alert acknowledged by {@code allowSave}.
     */
    private String duplicate(JsonNode rec, boolean allowSave) {
      String action = duplicateRuleAction;
      String email = rec.path("Email").asText("");
      if (action == null || email.isEmpty() || action.equals("Allow") && allowSave) {
        return null;
      }
      List<String> matches = leads().stream().filter(l -> !l.path("IsConverted").asBoolean())
          .filter(l -> l.path("Email").asText("").equalsIgnoreCase(email)).map(l -> l.path("Id").asText()).toList();
      if (matches.isEmpty()) {
        return null;
      }
      String message = "You're creating a duplicate record. We recommend you use an existing record instead.";
      ObjectNode e = MAPPER.createObjectNode();
      ObjectNode dup = e.putObject("duplicateResult").put("allowSave", action.equals("Allow"))
          .put("duplicateRule", "Standard_Lead_Duplicate_Rule").put("duplicateRuleEntityType", "Lead")
          .put("errorMessage", message);
      ObjectNode match = dup.putArray("matchResults").addObject().put("entityType", "Lead")
          .put("matchEngine", "FuzzyMatchEngine").put("rule", "Standard_Lead_Match_Rule_v1_0").put("size", matches.size())
          .put("success", true);
      ArrayNode records = match.putArray("matchRecords");
      matches.forEach(id -> records.addObject().put("matchConfidence", 100.0).putObject("record")
          .put("Id", id).putObject("attributes").put("type", "Lead"));
      e.put("statusCode", "DUPLICATES_DETECTED").put("message", message).putArray("fields");
      return e.toString();
    }

    /** Salesforce's answer to an Email it does not take (statusCode form), or null. */
    private String invalidEmail(JsonNode rec) {
      if (!rec.has("Email")) {
        return null;
      }
      String email = rec.path("Email").asText();
      if (email.length() <= 80 && EMAIL.matcher(email).matches()) {
        return null;
      }
      ObjectNode e = MAPPER.createObjectNode().put("statusCode", "INVALID_EMAIL_ADDRESS")
          .put("message", "Email: invalid email address: " + email);
      e.putArray("fields").add("Email");
      return e.toString();
    }

    private ObjectNode upsert(String ext, JsonNode body) {
      String err = recordErrors.get(body.path("LastName").asText());
      ObjectNode result = MAPPER.createObjectNode();
      if (err != null) {
        throw new IllegalStateException("per-record errors are scripted for collections only");
      }
      upserted.add(body);
      boolean[] isNew = {false};
      synchronized (leads) {
        String id = byExternalId.computeIfAbsent(ext, k -> {
          isNew[0] = true;
          return newId();
        });
        ObjectNode held = leads.computeIfAbsent(id, k -> MAPPER.createObjectNode().put("Id", k)
            .put("IsConverted", false));
        held.setAll(((ObjectNode) body.deepCopy()).put(EXT_FIELD, ext));
        held.remove("attributes");
        result.put("id", id).put("success", true).put("created", isNew[0]).putArray("errors");
      }
      return result;
    }

    /** The query resource: SELECT Id or COUNT() FROM Lead WHERE one field equals a literal. */
    private ResponseDefinition query(String q) {
      Soql soql = Soql.parse(q);
      if (soql == null) {
        return json(400, "[{\"message\":\"unexpected token in query: " + q.replace("\\", "\\\\").replace("\"", "\\\"")
            + "\",\"errorCode\":\"MALFORMED_QUERY\"}]");
      }
      List<String> ids;
      synchronized (leads) {
        ids = leads.values().stream()
            .filter(l -> l.path(soql.field()).asText("\u0000").equalsIgnoreCase(soql.value()))
            .filter(l -> !soql.unconvertedOnly() || !l.path("IsConverted").asBoolean())
            .map(l -> l.path("Id").asText()).toList();
      }
      ObjectNode answer = MAPPER.createObjectNode().put("totalSize", ids.size()).put("done", true);
      ArrayNode records = answer.putArray("records");
      if (!soql.count()) {
        ids.stream().limit(soql.limit()).forEach(id -> {
          ObjectNode rec = records.addObject();
          rec.putObject("attributes").put("type", "Lead").put("url", API + "/sobjects/Lead/" + id);
          rec.put("Id", id);
        });
        answer.put("totalSize", records.size()); // totalSize counts the rows returned (LIMIT applies)
      }
      return json(200, answer.toString());
    }

    private ResponseDefinition json(int status, String body) {
      return new ResponseDefinitionBuilder().withStatus(status)
          .withHeader("Content-Type", "application/json;charset=UTF-8")
          .withHeader("Sforce-Limit-Info", limitInfo())
          .withBody(body).build();
    }
  }

  /**
   * The one query shape the sink sends, parsed strictly: {@code SELECT Id|COUNT() FROM Lead WHERE <field> =
   * '<literal>' [AND IsConverted = false] [LIMIT n]}. The literal takes SOQL's backslash escapes (new line, carriage
   * return, tab, bell, form feed, both quotes, backslash, four-digit Unicode); a bare quote inside or any other
   * backslash makes the query malformed (null).
   */
  record Soql(boolean count, String field, String value, boolean unconvertedOnly, int limit) {
    private static final java.util.regex.Pattern HEAD = java.util.regex.Pattern.compile(
        "SELECT (Id|COUNT\\(\\)) FROM Lead WHERE ([A-Za-z0-9_]+) = '(.*)", java.util.regex.Pattern.DOTALL);
    private static final java.util.regex.Pattern TAIL = java.util.regex.Pattern.compile(
        "( AND IsConverted = false)?( LIMIT (\\d+))?");

    static Soql parse(String q) {
      java.util.regex.Matcher m = HEAD.matcher(q);
      if (!m.matches()) {
        return null;
      }
      String rest = m.group(3);
      StringBuilder value = new StringBuilder();
      int i = 0;
      for (; i < rest.length(); i++) {
        char c = rest.charAt(i);
        if (c == '\'') {
          break;
        }
        if (c != '\\') {
          value.append(c);
          continue;
        }
        if (++i == rest.length()) {
          return null;
        }
        char e = rest.charAt(i);
        switch (Character.toLowerCase(e)) {
          case 'n' -> value.append('\n');
          case 'r' -> value.append('\r');
          case 't' -> value.append('\t');
          case 'b' -> value.append('\b');
          case 'f' -> value.append('\f');
          case '"', '\'', '\\' -> value.append(e);
          case 'u' -> {
            if (i + 4 >= rest.length()) {
              return null;
            }
            value.append((char) Integer.parseInt(rest.substring(i + 1, i + 5), 16));
            i += 4;
          }
          default -> {
            return null; // "If you use a backslash character in any other context, an error occurs."
          }
        }
      }
      if (i >= rest.length()) {
        return null; // no closing quote
      }
      java.util.regex.Matcher t = TAIL.matcher(rest.substring(i + 1));
      if (!t.matches()) {
        return null;
      }
      return new Soql(m.group(1).startsWith("COUNT"), m.group(2), value.toString(), t.group(1) != null,
          t.group(3) == null ? Integer.MAX_VALUE : Integer.parseInt(t.group(3)));
    }
  }
}
