package io.leadrouter.salesforce;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.Lead;
import io.leadrouter.http.ExplainRequests;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpClients;
import io.leadrouter.salesforce.internal.ApiBudget;
import io.leadrouter.salesforce.internal.LeadChecks;
import io.leadrouter.salesforce.internal.LeadDescribe;
import io.leadrouter.salesforce.internal.RestClient;
import io.leadrouter.salesforce.internal.TokenClient;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.Secret;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.io.IOException;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;

/**
 * Delivers leads to Salesforce through the REST API (type {@code salesforce}) with confirmed results. With an
 * external id field it upserts by {@code LeadId} ({@code PATCH /sobjects/Lead/<field>/<LeadId>}), so redelivery
 * updates the same Lead; without one it creates ({@code POST /sobjects/Lead}) and is not idempotent. Batches go
 * through sObject Collections (up to 200, {@code allOrNone=false}: one bad record fails only itself). Thread-safe.
 */
public final class SalesforceSink implements LeadSink {
  /** The value Salesforce itself puts into LastName / Company when Web-to-Lead leaves them empty. */
  static final String NOT_PROVIDED = "[not provided]";
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final SalesforceConfig config;
  private final OkHttpClient http;
  private final RestClient rest;
  private final Clock clock;

  private SalesforceSink(SalesforceConfig config, Optional<OkHttpClient> baseClient, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.http = HttpClients.derive(baseClient.orElse(null), config.timeout(), config.maxConcurrency());
    HttpUrl domain = HttpUrl.get(config.credentials().myDomain().toString());
    TokenClient tokens = new TokenClient(http, domain, config.credentials().clientId(),
        config.credentials().clientSecret(), clock);
    this.rest = new RestClient(http, domain, config.credentials().apiVersion(), tokens,
        new ApiBudget(config.apiUsageThreshold(), config.quotaRetryAfter(), clock), clock, config.quotaRetryAfter());
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
    Write w = write(lead);
    HttpAnswer r = rest.send(w.method(), w.url(), w.json());
    if (!r.successful()) {
      throw rest.failure(r);
    }
    return switch (r.status()) {
      case 201 -> DeliveryResult.created(id(r.body()));
      case 204 -> DeliveryResult.updated(null); // upsert of an existing Lead before API v46: no body
      default -> created(r.body()) ? DeliveryResult.created(id(r.body())) : DeliveryResult.updated(id(r.body()));
    };
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
    Write w = write(lead);
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
    if (leads.size() <= 1) {
      return LeadSink.super.deliverBatch(leads);
    }
    List<BatchItemResult> out = new ArrayList<>(leads.size());
    for (int from = 0; from < leads.size(); from += config.maxBatchSize()) {
      out.addAll(collection(leads.subList(from, Math.min(leads.size(), from + config.maxBatchSize()))));
    }
    return out;
  }

  /** One sObject Collections request; per-record results map to per-lead results in order. */
  private List<BatchItemResult> collection(List<Lead> leads) throws DeliveryException {
    ObjectNode body = MAPPER.createObjectNode().put("allOrNone", false);
    ArrayNode records = body.putArray("records");
    for (Lead lead : leads) {
      records.add(record(lead, true));
    }
    Optional<String> extField = config.externalIdField();
    HttpAnswer r = extField.isPresent()
        ? rest.send("PATCH", rest.url("composite", "sobjects", "Lead", extField.get()), json(body))
        : rest.send("POST", rest.url("composite", "sobjects"), json(body));
    if (!r.successful()) {
      throw rest.failure(r);
    }
    JsonNode results = parse(r.body());
    List<BatchItemResult> out = new ArrayList<>(leads.size());
    for (int i = 0; i < leads.size(); i++) {
      Lead lead = leads.get(i);
      JsonNode item = results.path(i);
      if (item.isMissingNode()) {
        out.add(BatchItemResult.failure(lead.id(), new TransientDeliveryException(
            "Salesforce returned " + results.size() + " results for " + leads.size() + " records")));
      } else if (item.path("success").asBoolean(false)) {
        String id = item.path("id").asText(null);
        // collection create results carry no "created" flag: a create is always a creation
        boolean created = extField.isEmpty() || item.path("created").asBoolean(true);
        out.add(BatchItemResult.success(lead.id(),
            created ? DeliveryResult.created(id) : DeliveryResult.updated(id)));
      } else {
        out.add(BatchItemResult.failure(lead.id(),
            SalesforceErrors.recordFailure(item.path("errors"), rest.quotaResumeAt())));
      }
    }
    return out;
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

  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().maxBatchSize(config.maxBatchSize()).maxConcurrency(config.maxConcurrency())
        .upsert(config.externalIdField().isPresent()).confirmsDelivery(true)
        .orderingKey(SinkCapabilities.OrderingKey.CUSTOMER).build(); // two calls for one person: two records
  }

  @Override
  public void close() {
    HttpClients.release(http);
  }

  /** Shows the org and mode; never the client secret. */
  @Override
  public String toString() {
    return "SalesforceSink[" + config.credentials().myDomain() + " " + config.credentials().apiVersion() + ", "
        + config.externalIdField().map(f -> "upsert by " + f).orElse("create (not idempotent)") + "]";
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

  private static boolean created(String body) {
    try {
      return MAPPER.readTree(body).path("created").asBoolean(false);
    } catch (IOException e) {
      return false;
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
      } else if (okhttp3.HttpUrl.parse(myDomain.toString()) == null) {
        problems.add(new io.leadrouter.Problem("myDomain", "'" + myDomain + "' is not an http(s) URL",
            "write the org's My Domain URL, e.g. https://contoso.my.salesforce.com"));
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
      if (!problems.isEmpty()) {
        throw new io.leadrouter.ConfigurationException(problems);
      }
      SalesforceConfig config = new SalesforceConfig(
          new SalesforceCredentials(myDomain, clientId, clientSecret, apiVersion), Optional.ofNullable(externalIdField),
          fields, leadSource(), apiUsageThreshold, quotaRetryAfter, timeout(), maxConcurrency,
          maxBatchSize);
      return new SalesforceSink(config, httpClient(), clock());
    }
  }
}
