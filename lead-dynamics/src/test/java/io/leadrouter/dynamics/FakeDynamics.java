package io.leadrouter.dynamics;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.Lead;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.CustomerRecords;
import io.leadrouter.testkit.FakeTransformer;
import io.leadrouter.testkit.RateLimitedFake;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stateful WireMock fake of the Microsoft Entra token endpoint and the Dataverse Web API, answering as their
 * public docs show:
 * <ul>
 *   <li>token: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (success
 *       {@code {"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":...}}, errors
 *       {@code {"error","error_description":"AADSTSnnn: ...","error_codes":[nnn],...}});</li>
 *   <li>create: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/create-entity-web-api (204 +
 *       {@code OData-EntityId});</li>
 *   <li>upsert: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/update-delete-entities-using-web-api
 *       ({@code If-None-Match: *} on an existing row = 412, {@code If-Match: *} on a missing row = 404);</li>
 *   <li>lookups: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/query/filter-rows
 *       ({@code $filter=<column> eq '<literal>'}, quotes doubled inside the literal, string comparisons
 *       case-insensitive; {@code $top}, {@code $count=true} adds {@code @odata.count}); a malformed literal is a 400
 *       syntax error;</li>
 *   <li>update by primary key: {@code PATCH leads(<id>)} updates, or inserts a missing row with that id unless
 *       {@code If-Match: *} (then 404) (perform-conditional-operations-using-web-api);</li>
 *   <li>errors: https://learn.microsoft.com/power-apps/developer/data-platform/webapi/compose-http-requests-handle-errors
 *       ({@code {"error":{"code":"0x...","message":...}}}); WhoAmI, RetrieveUserPrivileges and EntityDefinitions
 *       Keys as in the Web API reference.</li>
 * </ul>
 * Failure cases are added per test as higher-priority stubs.
 */
final class FakeDynamics extends FakeTransformer implements CustomerRecords, AutoCloseable {
  static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  static final String CLIENT = "0b2e1a6c-6a4e-4c1b-9f55-1f0d3c2a9e01";
  static final String SECRET = "Xq8~fake.client-secret_Value42";
  static final String USER_ID = "5e3f2d1c-0b9a-4c8d-9e7f-6a5b4c3d2e1f";
  static final String NO_ROLES_BODY = "{\"error\":{\"code\":\"0x80042F09\",\"message\":\"SecLib::RetrievePrivilegeFor"
      + "User failed - no roles are assigned to user. Returned hr = -2147209463, User: " + USER_ID + "\"}}";
  static final String NO_CREATE_BODY = "{\"error\":{\"code\":\"0x80040220\",\"message\":\"Principal user (Id="
      + USER_ID + ", type=8, roleCount=1, privilegeCount=14, accessMode=4), is missing prvCreateLead privilege "
      + "(Id=b1f6e5d8-1f51-4f6c-9a6d-2f3c8f1f1a11) on OTC=4 for entity 'lead'.\"}}";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern BY_ID = Pattern.compile("leads\\(([0-9a-f-]{36})\\)");
  private static final Pattern FILTER_EQ = Pattern.compile("([a-z0-9_]+) eq '(.*)", Pattern.DOTALL);
  private static final Pattern BY_KEY = Pattern.compile("leads\\(([a-z0-9_]+)='(.*)'\\)");

  final WireMockServer wm;
  private final Map<String, ObjectNode> rows = new ConcurrentHashMap<>();
  private final Map<String, String> altKeys = new ConcurrentHashMap<>();
  private final Set<String> issued = ConcurrentHashMap.newKeySet();
  private final AtomicInteger tokenCount = new AtomicInteger();
  /** The Lead table's standard columns this fake knows (a subset; custom columns are not checked). */
  static final List<String> LEAD_COLUMNS = List.of("leadid", "firstname", "lastname", "emailaddress1", "telephone1",
      "companyname", "jobtitle", "address1_country", "subject", "description", "leadsourcecode", "donotemail",
      "donotphone", "donotbulkemail", "donotpostalmail", "donotfax", "donotsendmm");
  /** Maximum lengths of the standard text columns (Lead table definition, learn.microsoft.com: lead EntityType). */
  static final Map<String, Integer> MAX_LENGTH = Map.of("firstname", 50, "lastname", 50, "emailaddress1", 100,
      "telephone1", 50, "companyname", 100, "jobtitle", 100, "address1_country", 80, "subject", 300,
      "description", 2000);
  private static final Pattern NAME_EQ = Pattern.compile("LogicalName eq '([a-z0-9_]+)'");
  private final Set<String> droppedColumns = ConcurrentHashMap.newKeySet();
  private volatile String keyColumn;
  private volatile boolean noRoles;
  private volatile List<String> privileges;
  private volatile int loseNextWrite;
  private volatile RateLimitedFake limit;
  private volatile String expiresIn;
  /** The next create takes this long before Dataverse applies it (0: none); see {@link #applyNextCreateLate}. */
  private final AtomicInteger lateCreateMillis = new AtomicInteger();
  private final AtomicInteger lateCreatesApplied = new AtomicInteger();
  private final ThreadLocal<Boolean> servingLateCreate = ThreadLocal.withInitial(() -> false);

  FakeDynamics() {
    wm = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1").extensions(this));
    wm.start();
    reset();
  }

  /** Back to a healthy, empty instance whose app user has create, read and write on Lead. */
  void reset() {
    wm.resetAll();
    rows.clear();
    altKeys.clear();
    issued.clear();
    keyColumn = null;
    droppedColumns.clear();
    noRoles = false;
    privileges = List.of("prvReadLead", "prvCreateLead", "prvWriteLead", "prvReadSystemUser");
    loseNextWrite = 0;
    lateCreateMillis.set(0);
    lateCreatesApplied.set(0);
    limit = null;
    expiresIn = "3599";
    resetTransformer();
    wm.stubFor(post(urlPathEqualTo(tokenPath())).atPriority(10)
        .withHeader("Content-Type", containing("application/x-www-form-urlencoded"))
        .withFormParam("grant_type", equalTo("client_credentials"))
        .withFormParam("client_id", equalTo(CLIENT))
        .withFormParam("client_secret", equalTo(SECRET))
        .withFormParam("scope", equalTo(baseUrl() + "/.default"))
        .willReturn(aResponse().withTransformers(getName())));
    wm.stubFor(any(urlPathMatching("/api/data/v9\\.2/.*")).atPriority(10)
        .willReturn(aResponse().withTransformers(getName())));
  }

  String baseUrl() {
    return "http://127.0.0.1:" + wm.port();
  }

  static String tokenPath() {
    return "/" + TENANT + "/oauth2/v2.0/token";
  }

  /** A sink builder pointed at this fake. */
  DynamicsSink.Builder sink() {
    return withCredentials().instanceUrl(baseUrl()).authorityHost(URI.create(baseUrl()));
  }

  /** A sink builder with the tenant, client and secret this fake accepts, for a test to point at its own URLs. */
  static DynamicsSink.Builder withCredentials() {
    return DynamicsSink.builder().tenantId(TENANT).clientId(CLIENT).clientSecret(Secret.of(SECRET));
  }

  /** Token requests received, from WireMock's journal. */
  int tokenRequests() {
    return wm.countRequestsMatching(postRequestedFor(urlPathEqualTo(tokenPath())).build()).getCount();
  }

  /** The {@code scope} of each token request received, from WireMock's journal. */
  List<String> tokenScopes() {
    List<String> out = new ArrayList<>();
    for (LoggedRequest r : wm.findAll(postRequestedFor(urlPathEqualTo(tokenPath())))) {
      for (String pair : r.getBodyAsString().split("&")) {
        if (pair.startsWith("scope=")) {
          out.add(URLDecoder.decode(pair.substring("scope=".length()), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }

  /** The token endpoint answers this from now on. */
  void tokenAnswers(ResponseDefinitionBuilder response) {
    wm.stubFor(post(urlPathEqualTo(tokenPath())).atPriority(1).willReturn(response));
  }

  /** The Web API answers this to every request from now on. */
  void dataverseAnswers(ResponseDefinitionBuilder response) {
    wm.stubFor(any(urlPathMatching("/api/data/v9\\.2/.*")).atPriority(1).willReturn(response));
  }

  /** {@code GET WhoAmI} answers this from now on (the rest of the Web API stays as it is). */
  void whoAmIAnswers(ResponseDefinitionBuilder response) {
    wm.stubFor(com.github.tomakehurst.wiremock.client.WireMock.get(urlPathEqualTo("/api/data/v9.2/WhoAmI"))
        .atPriority(1).willReturn(response));
  }

  /** Leads are keyed by an alternate key on this column. */
  void alternateKey(String column) {
    keyColumn = column;
  }

  /**
   * The Lead table has no such column (deleted, or hidden from the app user): its definition does not list it and a
   * write naming it is refused as Dataverse refuses an unknown property (400, 0x80060888).
   */
  void dropColumn(String column) {
    droppedColumns.add(column);
  }

  /** The application user has no security role: every Web API call answers 0x80042F09. */
  void noRoles() {
    noRoles = true;
  }

  /** The application user's privileges (RetrieveUserPrivileges and enforced on create). */
  void privileges(String... names) {
    privileges = List.of(names);
  }

  /**
   * The next create or update is applied, but its answer is lost: it comes after 6 s, past the client's read timeout
   * (status 0), or it is this 5xx status. This is the ambiguous failure that must not lead to a second row.
   */
  void loseNextWriteResponse(int status) {
    loseNextWrite = status < 0 ? 0 : status == 0 ? -1 : status;
  }

  /**
   * The next {@code POST leads} is applied only after {@code millis} (a create Dataverse is still running: plug-ins,
   * a busy instance), past the client's timeout; requests meanwhile are answered as usual, without its row.
   */
  void applyNextCreateLate(int millis) {
    lateCreateMillis.set(millis);
  }

  /** How many late creates ({@link #applyNextCreateLate}) Dataverse has finished (applied or refused). */
  int lateCreatesApplied() {
    return lateCreatesApplied.get();
  }

  /** Token requests are answered whatever their scope (for sinks whose instance is elsewhere), after a delay. */
  void tokenForAnyScope(int delayMillis) {
    wm.stubFor(post(urlPathEqualTo(tokenPath())).atPriority(5)
        .willReturn(aResponse().withTransformers(getName()).withFixedDelay(delayMillis)));
  }

  /** Tokens are issued with this {@code expires_in}, as JSON ({@code 3599}, {@code "3599"}, {@code 1e30}). */
  void tokenExpiresIn(String json) {
    expiresIn = json;
  }

  /** Every token issued so far is rejected with 401 (as if expired early). */
  void revokeTokens() {
    issued.clear();
  }

  /** Rows whose description carries this lead's id: what the instance holds for it. */
  int rowsFor(Lead lead) {
    String marker = "LeadRouter lead id: " + lead.id().value();
    return (int) rows.values().stream().filter(r -> r.path("description").asText("").endsWith(marker)).count();
  }

  /**
   * Lets at most {@code perSecond} Web API requests a second through; the rest get what Dataverse's service
   * protection limits answer (learn.microsoft.com/power-apps/developer/data-platform/api-limits): 429 with
   * {@code Retry-After} and error 0x80072322 ("Number of requests exceeded the limit of 6000 over time window of
   * 300 seconds").
   */
  RateLimitedFake throttleAbove(double perSecond) {
    RateLimitedFake l = new RateLimitedFake("/api/data/v9\\.2/leads", perSecond, () -> json(429,
        "{\"error\":{\"code\":\"0x80072322\",\"message\":\"Number of requests exceeded the limit of 6000 over"
            + " time window of 300 seconds.\"}}").withHeader("Retry-After", "1").build());
    limit = l;
    return l;
  }

  /** Rows whose e-mail column holds this address (compared as Dataverse does, ignoring case). */
  @Override
  public List<ObjectNode> recordsWithEmail(String email) {
    return rows.values().stream().filter(r -> r.path("emailaddress1").asText("").equalsIgnoreCase(email)).toList();
  }

  /** Adds a row as if created in Dynamics by someone else (e.g. a sales rep typing in a lead); returns its id. */
  synchronized String addRow(String email, String lastName) {
    String id = UUID.randomUUID().toString();
    rows.put(id, MAPPER.createObjectNode().put("leadid", id).put("emailaddress1", email).put("lastname", lastName));
    return id;
  }

  /** All rows held. */
  List<ObjectNode> rows() {
    return new ArrayList<>(rows.values());
  }

  @Override
  public int recordCount() {
    return rows.size();
  }

  @Override
  public FakeTransformer transformer() {
    return this;
  }

  /**
   * The e-mail a lead request writes or looks up, or null. Each Web API request about leads takes the
   * {@link #processingTime} outside the fake's lock, so concurrent requests overlap as they do against the real
   * service (and {@link #customers()} can see two of one customer overlap); then it is answered under the lock.
   */
  @Override
  protected String customerOf(LoggedRequest req) {
    if (!req.getUrl().startsWith("/api/data/v9.2/leads")) {
      return null;
    }
    if (req.getMethod().getName().equals("POST") && req.getUrl().equals("/api/data/v9.2/leads")) {
      int late = lateCreateMillis.getAndSet(0);
      if (late > 0) {
        // outside the fake's lock: the instance answers other requests while this create is still running
        servingLateCreate.set(true);
        try {
          Thread.sleep(late);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
    if (req.queryParameter("$filter").isPresent()) {
      Matcher f = FILTER_EQ.matcher(req.queryParameter("$filter").firstValue());
      return f.matches() && f.group(1).equals("emailaddress1") ? literal(f.group(2)) : null;
    }
    return jsonText(req, "emailaddress1");
  }

  /**
   * The value of an OData string literal's rest ({@code abc''d'} → {@code abc'd}): a doubled quote is one quote, a
   * single quote ends it and must end the expression. Null when malformed (an unescaped quote inside, no end).
   */
  static String literal(String rest) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c != '\'') {
        out.append(c);
      } else if (i + 1 < rest.length() && rest.charAt(i + 1) == '\'') {
        out.append('\'');
        i++;
      } else {
        return i == rest.length() - 1 ? out.toString() : null;
      }
    }
    return null;
  }

  @Override
  protected synchronized ResponseDefinition answer(ServeEvent event) {
    if (servingLateCreate.get()) {
      servingLateCreate.set(false);
      try {
        return answerNow(event);
      } finally {
        lateCreatesApplied.incrementAndGet();
      }
    }
    return answerNow(event);
  }

  private ResponseDefinition answerNow(ServeEvent event) {
    LoggedRequest req = event.getRequest();
    String path = URLDecoder.decode(URI.create(req.getUrl()).getRawPath(), StandardCharsets.UTF_8);
    if (path.equals(tokenPath())) {
      String token = "eyJ0eXAiOiJKV1QifQ.fake." + tokenCount.incrementAndGet();
      issued.add(token);
      return json(200, "{\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn + ",\"ext_expires_in\":"
          + expiresIn + ",\"access_token\":\"" + token + "\"}").build();
    }
    String auth = req.getHeader("Authorization");
    if (auth == null || !issued.contains(auth.replaceFirst("^Bearer ", ""))) {
      return aResponse().withStatus(401).withHeader("WWW-Authenticate", "Bearer error=invalid_token, "
          + "error_description=\"Error during token validation!\", authorization_uri=https://login.microsoftonline"
          + ".com/" + TENANT + "/oauth2/authorize, resource_id=" + baseUrl()).build();
    }
    if (noRoles) {
      return json(403, NO_ROLES_BODY).build();
    }
    RateLimitedFake l = limit;
    ResponseDefinition refused = l == null ? null : l.refusal(event);
    if (refused != null) {
      return refused; // throttled: nothing changes
    }
    String resource = path.substring("/api/data/v9.2/".length());
    String method = req.getMethod().getName();
    try {
      ResponseDefinitionBuilder answer = route(method, resource, req);
      int lose = loseNextWrite;
      if (lose != 0 && (method.equals("POST") || method.equals("PATCH"))) {
        loseNextWrite = 0;
        return lose < 0 ? answer.withFixedDelay(6_000).build()
            : json(lose, "{\"error\":{\"code\":\"0x80044151\",\"message\":\"Generic SQL error.\"}}").build();
      }
      return answer.build();
    } catch (IOException e) {
      return json(400, "{\"error\":{\"code\":\"0x80048d19\",\"message\":\"Error identified in Payload provided by "
          + "the user for Entity :'leads'\"}}").build();
    }
  }

  private ResponseDefinitionBuilder route(String method, String resource, LoggedRequest req) throws IOException {
    if (method.equals("GET") && resource.equals("WhoAmI")) {
      return json(200, "{\"@odata.context\":\"" + baseUrl() + "/api/data/v9.2/$metadata#Microsoft.Dynamics.CRM."
          + "WhoAmIResponse\",\"BusinessUnitId\":\"6f202e6c-e471-ec11-8941-000d3a5cdd7a\",\"UserId\":\"" + USER_ID
          + "\",\"OrganizationId\":\"883278f5-07af-45eb-a0bc-3fea67caa544\"}");
    }
    if (method.equals("GET") && resource.equals("systemusers(" + USER_ID
        + ")/Microsoft.Dynamics.CRM.RetrieveUserPrivileges()")) {
      StringBuilder b = new StringBuilder("{\"@odata.context\":\"" + baseUrl() + "/api/data/v9.2/$metadata#"
          + "Microsoft.Dynamics.CRM.RetrieveUserPrivilegesResponse\",\"RolePrivileges\":[");
      for (int i = 0; i < privileges.size(); i++) {
        b.append(i == 0 ? "" : ",").append("{\"Depth\":\"Global\",\"PrivilegeId\":\"").append(UUID.randomUUID())
            .append("\",\"BusinessUnitId\":\"6f202e6c-e471-ec11-8941-000d3a5cdd7a\",\"PrivilegeName\":\"")
            .append(privileges.get(i)).append("\"}");
      }
      return json(200, b.append("]}").toString());
    }
    if (method.equals("GET") && resource.equals("EntityDefinitions(LogicalName='lead')/Keys")) {
      String key = keyColumn == null ? "" : "{\"LogicalName\":\"" + keyColumn + "_key\",\"KeyAttributes\":[\""
          + keyColumn + "\"],\"EntityKeyIndexStatus\":\"Active\",\"MetadataId\":\"" + UUID.randomUUID() + "\"}";
      return json(200, "{\"@odata.context\":\"" + baseUrl() + "/api/data/v9.2/$metadata#EntityDefinitions('lead')"
          + "/Keys(LogicalName,KeyAttributes,EntityKeyIndexStatus)\",\"value\":[" + key + "]}");
    }
    if (method.equals("GET") && resource.equals("EntityDefinitions(LogicalName='lead')/Attributes")) {
      // $filter=LogicalName eq 'a' or LogicalName eq 'b', $select=LogicalName,IsValidForCreate (Query table definitions)
      Matcher names = NAME_EQ.matcher(req.queryParameter("$filter").isPresent()
          ? req.queryParameter("$filter").firstValue() : "");
      StringBuilder b = new StringBuilder();
      while (names.find()) {
        String name = names.group(1);
        if (LEAD_COLUMNS.contains(name) && !droppedColumns.contains(name)) {
          b.append(b.length() == 0 ? "" : ",").append("{\"@odata.type\":\"#Microsoft.Dynamics.CRM.BooleanAttribute"
              + "Metadata\",\"LogicalName\":\"").append(name).append("\",\"IsValidForCreate\":true,\"MetadataId\":\"")
              .append(UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8))).append("\"}");
        }
      }
      return json(200, "{\"@odata.context\":\"" + baseUrl() + "/api/data/v9.2/$metadata#EntityDefinitions('lead')"
          + "/Attributes(LogicalName,IsValidForCreate)\",\"value\":[" + b + "]}");
    }
    if ((method.equals("POST") || method.equals("PATCH")) && !req.getBodyAsString().isEmpty()) {
      JsonNode written = MAPPER.readTree(req.getBodyAsString());
      for (String name : (Iterable<String>) written::fieldNames) {
        Integer max = MAX_LENGTH.get(name);
        if (max != null && written.path(name).asText().length() > max) {
          return json(400, "{\"error\":{\"code\":\"0x80044331\",\"message\":\"A validation error occurred. The "
              + "length of the '" + name + "' attribute of the 'lead' entity exceeded the maximum allowed length of '"
              + max + "'.\"}}");
        }
        if (droppedColumns.contains(name)) {
          return json(400, "{\"error\":{\"code\":\"0x80060888\",\"message\":\"The property '" + name + "' does "
              + "not exist on type 'Microsoft.Dynamics.CRM.lead'. Make sure to only use property names that are "
              + "defined by the type.\"}}");
        }
      }
    }
    if (method.equals("POST") && resource.equals("leads")) {
      if (!privileges.contains("prvCreateLead")) {
        return json(403, NO_CREATE_BODY);
      }
      ObjectNode row = (ObjectNode) MAPPER.readTree(req.getBodyAsString());
      String id = row.path("leadid").asText(UUID.randomUUID().toString());
      String keyValue = keyColumn == null ? null : row.path(keyColumn).asText(null);
      if (rows.containsKey(id) || keyValue != null && altKeys.containsKey(keyValue)) {
        return duplicate();
      }
      row.put("leadid", id);
      rows.put(id, row);
      if (keyValue != null) {
        altKeys.put(keyValue, id);
      }
      return created(id);
    }
    if (method.equals("GET") && resource.equals("leads") && req.queryParameter("$filter").isPresent()) {
      // $filter=<column> eq '<value>' (a string literal, quotes doubled), $select=leadid
      String filter = req.queryParameter("$filter").firstValue();
      Matcher f = FILTER_EQ.matcher(filter);
      String value = f.matches() ? literal(f.group(2)) : null;
      if (value == null) {
        return json(400, "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Syntax error at position "
            + filter.length() + " in '" + filter.replace("\"", "\\\"") + "'.\"}}");
      }
      String column = f.group(1);
      if (!column.equals(keyColumn) && (!LEAD_COLUMNS.contains(column) || droppedColumns.contains(column))) {
        return json(400, "{\"error\":{\"code\":\"0x80060888\",\"message\":\"Could not find a property named '"
            + column + "' on type 'Microsoft.Dynamics.CRM.lead'.\"}}");
      }
      // string comparisons in $filter ignore case (filter-rows)
      List<String> ids = rows.entrySet().stream()
          .filter(e -> e.getValue().path(column).asText("\u0000").equalsIgnoreCase(value)).map(Map.Entry::getKey)
          .sorted().toList();
      int top = req.queryParameter("$top").isPresent()
          ? Integer.parseInt(req.queryParameter("$top").firstValue()) : Integer.MAX_VALUE;
      StringBuilder b = new StringBuilder();
      ids.stream().limit(top).forEach(id -> b.append(b.length() == 0 ? "" : ",").append("{\"@odata.etag\":\"W/\\\"")
          .append(Math.abs(id.hashCode())).append("\\\"\",\"leadid\":\"").append(id).append("\"}"));
      boolean count = req.queryParameter("$count").isPresent()
          && req.queryParameter("$count").firstValue().equals("true");
      return json(200, "{\"@odata.context\":\"" + baseUrl() + "/api/data/v9.2/$metadata#leads(leadid)\","
          + (count ? "\"@odata.count\":" + ids.size() + "," : "") + "\"value\":[" + b + "]}");
    }
    if (method.equals("PATCH") && BY_ID.matcher(resource).matches()) {
      String id = BY_ID.matcher(resource).replaceFirst("$1");
      ObjectNode existing = rows.get(id);
      ObjectNode written = (ObjectNode) MAPPER.readTree(req.getBodyAsString());
      if (existing == null) {
        if ("*".equals(req.getHeader("If-Match"))) {
          return notFound(id);
        }
        // identity insert: a PATCH to a missing primary key creates the row (update-delete-entities-using-web-api)
        if (!privileges.contains("prvCreateLead")) {
          return json(403, NO_CREATE_BODY);
        }
        rows.put(id, written.put("leadid", id));
        return created(id);
      }
      if ("*".equals(req.getHeader("If-None-Match"))) {
        return duplicate();
      }
      existing.setAll(written);
      return created(id);
    }
    Matcher byId = BY_ID.matcher(resource);
    if (method.equals("GET") && byId.matches()) {
      ObjectNode row = rows.get(byId.group(1));
      return row == null ? notFound(byId.group(1))
          : json(200, "{\"@odata.context\":\"" + baseUrl() + "/api/data/v9.2/$metadata#leads(leadid)/$entity\","
              + "\"leadid\":\"" + byId.group(1) + "\"}");
    }
    Matcher byKey = BY_KEY.matcher(resource);
    if (method.equals("PATCH") && byKey.matches()) {
      if (!byKey.group(1).equals(keyColumn)) {
        return json(400, "{\"error\":{\"code\":\"0x80040203\",\"message\":\"Invalid EntityKey Operation performed "
            + ": Entity lead does not contain an attribute named " + byKey.group(1) + ".\"}}");
      }
      String value = byKey.group(2).replace("''", "'");
      if (!DynamicsSink.keyAddressable(value)) {
        // Dataverse refuses these characters in an alternate key addressed in the URL (define-alternate-keys-entity)
        return json(400, "{\"error\":{\"code\":\"0x80060891\",\"message\":\"A URL was given with an invalid "
            + "key value: '" + value + "'.\"}}");
      }
      String existing = altKeys.get(value);
      if (existing != null && "*".equals(req.getHeader("If-None-Match"))) {
        return duplicate();
      }
      if (existing == null && "*".equals(req.getHeader("If-Match"))) {
        return notFound(value);
      }
      ObjectNode row = (ObjectNode) MAPPER.readTree(req.getBodyAsString());
      row.put(keyColumn, value);
      String id = existing != null ? existing : UUID.randomUUID().toString();
      row.put("leadid", id);
      if (existing != null) {
        ObjectNode merged = rows.get(id);
        merged.setAll(row);
      } else {
        if (!privileges.contains("prvCreateLead")) {
          return json(403, NO_CREATE_BODY);
        }
        rows.put(id, row);
        altKeys.put(value, id);
      }
      return created(id);
    }
    return json(404, "{\"error\":{\"code\":\"0x8006088a\",\"message\":\"Resource not found for the segment '"
        + resource + "'.\"}}");
  }

  private ResponseDefinitionBuilder created(String id) {
    return aResponse().withStatus(204).withHeader("OData-Version", "4.0")
        .withHeader("OData-EntityId", baseUrl() + "/api/data/v9.2/leads(" + id + ")");
  }

  private static ResponseDefinitionBuilder duplicate() {
    return json(412, "{\"error\":{\"code\":\"0x80040237\",\"message\":\"A record with matching key values already "
        + "exists.\"}}");
  }

  private static ResponseDefinitionBuilder notFound(String key) {
    return json(404, "{\"error\":{\"code\":\"0x80040217\",\"message\":\"lead With Ids = " + key
        + " Does Not Exist\"}}");
  }

  static ResponseDefinitionBuilder json(int status, String body) {
    return aResponse().withStatus(status).withHeader("Content-Type", "application/json; odata.metadata=minimal")
        .withHeader("OData-Version", "4.0").withBody(body);
  }

  /** An Entra error answer as the token endpoint sends it. */
  static ResponseDefinitionBuilder entraError(int status, String error, long code, String description) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("error_description", "AADSTS" + code + ": " + description + "\r\nTrace ID: "
        + "0b6d7f3e-1c2a-4b5e-9f8d-7a6c5b4e3d00\r\nCorrelation ID: 9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d\r\n"
        + "Timestamp: 2026-11-25 10:15:30Z");
    body.put("error_codes", List.of(code));
    body.put("timestamp", "2026-11-25 10:15:30Z");
    body.put("trace_id", "0b6d7f3e-1c2a-4b5e-9f8d-7a6c5b4e3d00");
    body.put("correlation_id", "9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d");
    body.put("error_uri", "https://login.microsoftonline.com/error?code=" + code);
    try {
      return json(status, MAPPER.writeValueAsString(body));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The JSON body of a logged request. */
  static JsonNode body(LoggedRequest r) throws IOException {
    return MAPPER.readTree(r.getBodyAsString());
  }

  @Override
  public void close() {
    wm.stop();
  }
}
