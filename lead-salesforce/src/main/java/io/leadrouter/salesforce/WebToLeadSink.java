package io.leadrouter.salesforce;

import io.leadrouter.Lead;
import io.leadrouter.http.ExplainRequests;
import io.leadrouter.http.HttpAnswer;
import io.leadrouter.http.HttpClients;
import io.leadrouter.http.HttpFailures;
import io.leadrouter.salesforce.internal.DailyCounter;
import io.leadrouter.salesforce.internal.LeadChecks;
import io.leadrouter.salesforce.internal.LeadDescribe;
import io.leadrouter.salesforce.internal.RestClient;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.SinkCapabilities;
import io.leadrouter.spi.TransientDeliveryException;
import io.leadrouter.spi.VerificationReport;
import java.io.IOException;
import io.leadrouter.spi.AddressGuard;
import java.net.URI;
import javax.net.ssl.SSLHandshakeException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands leads to Salesforce Web-to-Lead (type {@code salesforce-web2lead}): a UTF-8 form POST with {@code oid} and
 * the mapped fields, needing only the org id. Salesforce answers 200 whatever happens to the lead, so success is
 * {@code HANDED_OFF}, never {@code CREATED}. There is no upsert, and every form taken creates a Lead: a form whose
 * answer was lost after it went out (a dropped connection, a timeout, a gateway's 502/504) is therefore never sent
 * again but dead-lettered as {@link SalesforceErrors#WEB_TO_LEAD_OUTCOME_UNKNOWN}, to be replayed once the Lead is
 * known to be missing (send the {@code LeadId} in a hidden custom field to find it). Counts its sends per day and answers
 * quota at the daily limit instead of sending leads Salesforce would not create. Thread-safe.
 *
 * <p>Each form goes on a connection of its own, closed after the answer (a pooled connection the peer has closed
 * fails like a lost form): there is no pool to size, so however many forms the router's in-flight setting posts at
 * once, they run side by side, one connection each, and {@link LeadSink#prepareFor} is left as the default.
 */
public final class WebToLeadSink implements LeadSink {
  private static final Logger LOG = LoggerFactory.getLogger(WebToLeadSink.class);
  /** Web-to-Lead form names of standard fields, with their Lead API names (for verify's describe check). */
  /** The form fields of Lead's "Email Opt Out" and "Do Not Call" checkboxes, as Salesforce's generated form names them. */
  static final String EMAIL_OPT_OUT = "emailOptOut";
  static final String DO_NOT_CALL = "doNotCall";
  private static final Map<String, String> FORM_TO_API = Map.ofEntries(
      Map.entry("first_name", "FirstName"), Map.entry("last_name", "LastName"), Map.entry("email", "Email"),
      Map.entry("phone", "Phone"), Map.entry("company", "Company"), Map.entry("title", "Title"),
      Map.entry("country", "Country"), Map.entry("country_code", "CountryCode"),
      Map.entry("lead_source", "LeadSource"), Map.entry("description", "Description"),
      Map.entry("city", "City"), Map.entry("state", "State"), Map.entry("zip", "PostalCode"),
      Map.entry("street", "Street"), Map.entry("mobile", "MobilePhone"), Map.entry("industry", "Industry"),
      Map.entry("URL", "Website"), Map.entry("salutation", "Salutation"),
      Map.entry(EMAIL_OPT_OUT, "HasOptedOutOfEmail"), Map.entry(DO_NOT_CALL, "DoNotCall"));

  private final WebToLeadConfig config;
  private final OkHttpClient http;
  private final HttpUrl endpoint;
  private final DailyCounter counter;
  private final Optional<RestClient> rest;
  private final Clock clock;

  private WebToLeadSink(WebToLeadConfig config, Optional<OkHttpClient> baseClient, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.http = HttpClients.derive(baseClient.orElse(null), config.timeout(), config.maxConcurrency());
    // the form is UTF-8, and the servlet reads a form without ?encoding=UTF-8 as ISO-8859-1 (José became JosÃ©): the
    // parameter goes on every endpoint, whatever the setting wrote (a sandbox URL copied without it, another charset)
    this.endpoint = HttpUrl.get(config.endpoint().toString()).newBuilder().setQueryParameter("encoding", "UTF-8")
        .build();
    this.counter = new DailyCounter(config.dailyLimit(), config.timeZone(), clock);
    // verify's reads only: no usage threshold of its own, a spent limit holds an hour
    this.rest = config.restCredentials().map(c -> RestClient.signedIn(() -> http, c, 100, Duration.ofHours(1),
        clock));
  }

  /** A builder; {@code orgId} is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings this sink runs with. */
  public WebToLeadConfig config() {
    return config;
  }

  /** How many leads this sink has handed off today (in {@link WebToLeadConfig#timeZone()}). */
  public int sentToday() {
    return counter.today();
  }

  /** Keeps the daily count in the router's journal, so a restart does not forget what today already spent. */
  @Override
  public void useCounters(io.leadrouter.spi.SinkCounters counters) {
    counter.keepIn(counters, "webToLead.sent");
  }

  @Override
  public DeliveryResult deliver(Lead lead) throws DeliveryException {
    Objects.requireNonNull(lead, "lead");
    Request request = request(lead);
    java.time.LocalDate slot = counter.reserve();
    try (Response response = http.newCall(request).execute()) {
      int status = response.code();
      if (status >= 200 && status < 300) {
        LOG.debug("lead {} handed off to Web-to-Lead (HTTP {})", io.leadrouter.Pii.maskLeadId(lead.id().value()),
            status);
        return DeliveryResult.handedOff();
      }
      if (status == 502 || status == 504) {
        // a gateway answered for Salesforce: the form may have reached the servlet, which creates a Lead for every
        // form it takes and cannot be asked whether it did; its slot stays spent, like a timeout's
        throw outcomeUnknown(lead, "a gateway answered HTTP " + status + " for " + endpoint.host());
      }
      counter.release(slot);
      if (status >= 300 && status < 400) {
        // Web-to-Lead answers 200 (a page, with a meta refresh to retURL when one is sent); a redirect (not followed:
        // it would re-send the customer's data elsewhere) means the servlet never took the lead: a moved endpoint,
        // a proxy's sign-in page. Not handed off; retried, and dead-lettered with this diagnosis at the give-up age.
        HttpUrl to = Optional.ofNullable(response.header("Location")).map(endpoint::resolve).orElse(null);
        String msg = "the Web-to-Lead endpoint " + endpoint.host() + endpoint.encodedPath() + " answered HTTP "
            + status + " redirecting " + (to == null ? "nowhere" : "to " + to.host()) + ": the lead was not taken";
        throw new TransientDeliveryException(msg, null, new Diagnosis(SalesforceErrors.WEB_TO_LEAD_REJECTED, msg,
            "set endpoint to " + WebToLeadConfig.DEFAULT_ENDPOINT + " (or remove it to use that default); if it is "
                + "that already, check for a proxy between this server and Salesforce"), null);
      }
      if (HttpFailures.throttled(status)) {
        throw TransientDeliveryException.throttled("Web-to-Lead answered HTTP " + status,
            HttpAnswer.retryAfter(response, clock).orElse(null), null);
      }
      if (HttpFailures.retryLater(status)) {
        throw new TransientDeliveryException("Web-to-Lead answered HTTP " + status,
            HttpAnswer.retryAfter(response, clock).orElse(null), null, null);
      }
      throw new PermanentDeliveryException(new Diagnosis(SalesforceErrors.WEB_TO_LEAD_REJECTED,
          "the Web-to-Lead endpoint " + endpoint.host() + endpoint.encodedPath() + " answered HTTP " + status,
          "set endpoint to " + WebToLeadConfig.DEFAULT_ENDPOINT + " (or remove it to use that default)"));
    } catch (IOException e) {
      if (HttpFailures.neverSent(e) || e instanceof SSLHandshakeException || AddressGuard.blockedCause(e).isPresent()) {
        counter.release(slot); // never reached Salesforce
        throw SalesforceErrors.unreachable("Web-to-Lead POST to " + endpoint.host(), e);
      }
      // the form went out and no answer says what became of it (a timeout, a dropped or cut connection): its slot
      // stays spent, and it is not sent again
      throw outcomeUnknown(lead, "the POST to " + endpoint.host() + " got no answer: " + HttpFailures.describe(e));
    }
  }

  /**
   * The form may have created a Lead, and a second form would create a second Lead (Web-to-Lead has no key to
   * deduplicate by, nor a way to ask): dead-lettered, saying how to find out and to replay only if it is missing.
   */
  private PermanentDeliveryException outcomeUnknown(Lead lead, String what) {
    String find = config.fields().name(LeadField.LEAD_ID).map(f -> "the Lead whose field " + f + " is " + lead.id())
        .orElse("a Lead created around " + clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            + " from lead " + lead.id() + " (set leadIdField to make it findable)");
    // the id masked as the router's own lines mask it: a sender may make it of the customer's e-mail or phone
    LOG.warn("Web-to-Lead outcome unknown for lead {}: not sent again, dead-lettered as {}",
        io.leadrouter.Pii.maskLeadId(lead.id().value()),
        SalesforceErrors.WEB_TO_LEAD_OUTCOME_UNKNOWN);
    return new PermanentDeliveryException(new Diagnosis(SalesforceErrors.WEB_TO_LEAD_OUTCOME_UNKNOWN,
        "the Web-to-Lead form of lead " + lead.id() + " was sent but " + what + "; Salesforce may have created the "
            + "Lead, and Web-to-Lead can neither be asked nor deduplicate, so it is not sent again",
        "look for " + find + " in Salesforce; only if it is missing, replay this dead letter ('leadrouter replay "
            + "--code " + SalesforceErrors.WEB_TO_LEAD_OUTCOME_UNKNOWN + "')"));
  }

  /** The form POST for a lead: {@code oid} and the mapped fields, UTF-8. */
  private Request request(Lead lead) {
    FormBody.Builder form = new FormBody.Builder(StandardCharsets.UTF_8).add("oid", config.orgId());
    config.fields().values(lead, config.leadSourceValue()).forEach(form::add);
    if (lead.isDoNotContact()) { // a ticked checkbox posts "1"
      form.add(EMAIL_OPT_OUT, "1").add(DO_NOT_CALL, "1");
    }
    // a fresh connection per form: a pooled one the peer has closed fails like a form lost on its way, which is
    // dead-lettered as OUTCOME_UNKNOWN rather than retried (Web-to-Lead takes 500 forms a day: no cost to speak of)
    return new Request.Builder().url(endpoint).header("Connection", "close").post(form.build()).build();
  }

  /** The form POST {@link #deliver} sends (no credential: Web-to-Lead needs only the org id). */
  @Override
  public Optional<ExplainedRequest> explain(Lead lead) {
    Objects.requireNonNull(lead, "lead");
    return Optional.of(ExplainRequests.of(request(lead))
        .note("Salesforce answers 200 whatever happens: the lead is reported HANDED_OFF, never CREATED")
        .note("counts against " + config.dailyLimit() + " Web-to-Lead leads a day (" + counter.today()
            + " sent today)").build());
  }

  @Override
  public VerificationReport verify() {
    VerificationReport.Builder r = VerificationReport.builder(WebToLeadSinkProvider.TYPE);
    Optional<String> orgProblem = WebToLeadConfig.orgIdProblem(config.orgId());
    if (orgProblem.isPresent()) {
      r.failed("org id", new Diagnosis(SalesforceErrors.INVALID_ORG_ID, orgProblem.get(),
          "copy the Organization ID from Setup > Company Information (15 characters starting 00D)"));
      r.skipped("lead fields", "invalid org id");
      r.skipped("test lead", "invalid org id");
      return r.build();
    }
    r.passed("org id", config.orgId() + " is a well-formed org id");
    if (rest.isPresent()) {
      checkLeadFields(r, rest.get());
    } else {
      r.warning("lead fields", new Diagnosis(SalesforceErrors.WEB_TO_LEAD_BLOCKERS,
          "Web-to-Lead cannot report errors: a required custom field, a validation rule or a restricted picklist "
              + "on Lead silently drops these leads",
          "make sure Lead has no required field this sink does not send and that LeadSource accepts the values "
              + "sent; or set myDomain, clientId and clientSecret so verify checks Lead for real"));
    }
    if (r.hasFailed()) {
      r.skipped("test lead", "fix the failures above first");
      return r.build();
    }
    Lead test = Lead.marketplaceTestLead(clock, "LeadRouter verify");
    try {
      deliver(test);
      r.passed("test lead", test.customer().lastName() + " handed off; Salesforce cannot confirm it: look for "
          + "this Lead in the org");
    } catch (DeliveryException e) {
      r.failed("test lead", SalesforceSink.diagnosis(e, "SALESFORCE_TEST_LEAD_FAILED"));
    }
    return r.build();
  }

  private void checkLeadFields(VerificationReport.Builder r, RestClient client) {
    try {
      client.tokens().token();
      r.passed("token", "REST credentials accepted");
      LeadDescribe describe = LeadDescribe.fetch(client);
      Set<String> sent = new LinkedHashSet<>(Set.of("LastName", "Company")); // Web-to-Lead fills these itself
      config.fields().names().values().stream().map(WebToLeadSink::apiName).flatMap(Optional::stream)
          .forEach(sent::add);
      Optional<String> leadSource = config.fields().name(LeadField.LEAD_SOURCE).flatMap(WebToLeadSink::apiName);
      LeadChecks.addSteps(r, describe, sent, leadSource, config.leadSourceValue(),
          SalesforceErrors.WEB_TO_LEAD_BLOCKERS, "Web-to-Lead silently drops every lead");
      LeadChecks.addOptOutStep(r, describe, "Web-to-Lead would silently drop DNC leads");
    } catch (DeliveryException e) {
      r.failed("lead fields", SalesforceSink.diagnosis(e, "SALESFORCE_DESCRIBE_FAILED"));
    }
  }

  /** The Lead API name of a form field; custom fields named by their 15-character id cannot be checked. */
  private static Optional<String> apiName(String formName) {
    if (FORM_TO_API.containsKey(formName)) {
      return Optional.of(FORM_TO_API.get(formName));
    }
    return formName.endsWith("__c") ? Optional.of(formName) : Optional.empty();
  }

  @Override
  public SinkCapabilities capabilities() {
    return SinkCapabilities.builder().maxBatchSize(1).maxConcurrency(config.maxConcurrency()).upsert(false)
        .confirmsDelivery(false).build();
  }

  @Override
  public void close() {
    HttpClients.release(http);
  }

  /** Shows the org and endpoint; never REST credentials. */
  @Override
  public String toString() {
    return "WebToLeadSink[oid=" + config.orgId() + ", " + endpoint.host() + ", dailyLimit=" + config.dailyLimit()
        + " per day in " + config.timeZone() + "]";
  }

  /**
   * Builds a {@link WebToLeadSink}; usable without configuration strings. Only the default {@code matching} is
   * possible (Web-to-Lead posts a form and cannot look a Lead up): {@link #build()} refuses any other, saying why.
   */
  public static final class Builder extends SalesforceBuilderBase<Builder> {
    private String orgId;
    private URI endpoint = WebToLeadConfig.DEFAULT_ENDPOINT;
    private int dailyLimit = WebToLeadConfig.DEFAULT_DAILY_LIMIT;
    private ZoneId timeZone = ZoneOffset.UTC;
    private SalesforceCredentials restCredentials;

    private Builder() {
      super(FieldMapping.webToLeadDefaults(), WebToLeadConfig.DEFAULT_MAX_CONCURRENCY);
    }

    @Override
    protected Builder self() {
      return this;
    }

    /** The org id ({@code oid}), e.g. {@code 00D5e000000AbCd}. */
    public Builder orgId(String v) {
      orgId = Objects.requireNonNull(v, "orgId");
      return this;
    }

    /** The Web-to-Lead URL (default Salesforce's servlet with {@code ?encoding=UTF-8}). */
    public Builder endpoint(URI v) {
      endpoint = Objects.requireNonNull(v, "endpoint");
      return this;
    }

    /** Requests per day before answering quota (default 500, Salesforce's default limit). */
    public Builder dailyLimit(int v) {
      dailyLimit = v;
      return this;
    }

    /** Where the day starts for the daily limit (default UTC; use the org's time zone to match its day). */
    public Builder timeZone(ZoneId v) {
      timeZone = Objects.requireNonNull(v, "timeZone");
      return this;
    }

    /** Sends the {@code LeadId} in this hidden custom field (its form name, usually the field's {@code 00N} id). */
    public Builder leadIdField(String formName) {
      fields = fields.with(LeadField.LEAD_ID, Objects.requireNonNull(formName, "leadIdField"));
      return this;
    }

    /** REST credentials with which {@code verify()} checks Lead's required fields and picklists for real. */
    public Builder restCredentials(SalesforceCredentials v) {
      restCredentials = Objects.requireNonNull(v, "restCredentials");
      return this;
    }

    /**
     * Builds the sink: the one place the settings are checked.
     *
     * @throws io.leadrouter.ConfigurationException listing every missing or invalid setting
     */
    public WebToLeadSink build() {
      java.util.List<io.leadrouter.Problem> problems = new java.util.ArrayList<>();
      String orgIdFix = "copy the Organization ID from Setup > Company Information";
      if (orgId == null || orgId.isEmpty()) {
        problems.add(new io.leadrouter.Problem("orgId", "is required", orgIdFix));
      } else {
        WebToLeadConfig.orgIdProblem(orgId).ifPresent(p -> problems.add(new io.leadrouter.Problem("orgId", p,
            orgIdFix)));
      }
      addRequestProblems(problems);
      if (dailyLimit < 1) {
        problems.add(new io.leadrouter.Problem("dailyLimit", dailyLimit + " is out of range",
            "use Salesforce's daily Web-to-Lead limit for the org, e.g. 500"));
      }
      addEndpointProblem(problems, endpoint, WebToLeadConfig.DEFAULT_ENDPOINT);
      if (matching().match() != io.leadrouter.spi.RecordMatching.DEFAULT.match()) {
        problems.add(new io.leadrouter.Problem(io.leadrouter.spi.RecordMatching.MATCH_KEY, "'" + matching().match()
            + "' is not possible with Web-to-Lead: it posts a form and cannot look a Lead up (Salesforce's own "
            + "duplicate rules decide)", "use type: salesforce (the REST API) with match: email, or remove match"));
      }
      if (matching().mode() != io.leadrouter.spi.RecordMatching.DEFAULT.mode()) {
        problems.add(new io.leadrouter.Problem(io.leadrouter.spi.RecordMatching.MODE_KEY, "'" + matching().mode()
            + "' is not possible with Web-to-Lead: it only creates, cannot tell what exists and cannot update",
            "use type: salesforce (the REST API) for mode: " + matching().mode() + ", or remove mode"));
      }
      if (restCredentials != null) {
        addMyDomainProblem(problems, restCredentials.myDomain());
      }
      if (!problems.isEmpty()) {
        throw new io.leadrouter.ConfigurationException(problems);
      }
      WebToLeadConfig config = new WebToLeadConfig(orgId, endpoint, dailyLimit, timeZone, fields,
          leadSource(), timeout(), maxConcurrency, Optional.ofNullable(restCredentials));
      return new WebToLeadSink(config, httpClient(), clock());
    }
  }
}
