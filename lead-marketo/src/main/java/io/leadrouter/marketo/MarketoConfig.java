package io.leadrouter.marketo;

import io.leadrouter.Lead;
import io.leadrouter.Problem;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.RecordMatching.Match;
import io.leadrouter.spi.RecordMatching.SyncMode;
import io.leadrouter.spi.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Function;

/**
 * The settings of a {@link MarketoSink}: where Marketo is, how to sign in, how leads are written and which Marketo
 * field receives each lead field. Immutable; {@link #problems()} lists every cross-field mistake at once.
 *
 * @param endpoint the REST API endpoint, {@code https://<munchkin>.mktorest.com/rest}
 * @param identity the Identity URL, {@code https://<munchkin>.mktorest.com/identity}
 * @param clientId the LaunchPoint custom service's client id
 * @param clientSecret the LaunchPoint custom service's client secret
 * @param mode a Sync Leads action ({@code create}, {@code upsert}, {@code update-only}; batches of 300) or
 *     {@code submitForm} (Submit Form, one lead a call)
 * @param lookupField the Marketo field Sync Leads matches existing leads on ({@code email} by default)
 * @param formId the form submitted in {@code submitForm} mode
 * @param mapping which Marketo field (REST API name) receives each lead field; unmapped lead fields are not sent
 * @param leadIdField the Marketo field that receives the lead's {@link io.leadrouter.LeadId}, if any
 * @param timeout the longest one HTTP call may take
 */
public record MarketoConfig(
    URI endpoint,
    URI identity,
    String clientId,
    Secret clientSecret,
    Mode mode,
    String lookupField,
    OptionalInt formId,
    Map<LeadField, String> mapping,
    Optional<String> leadIdField,
    Duration timeout) {

  /** The most leads one Sync Leads call may carry (Marketo's documented limit). */
  public static final int MAX_BATCH = 300;
  /** The lookup field used when none is configured. */
  public static final String DEFAULT_LOOKUP_FIELD = "email";
  /** The HTTP timeout used when none is configured. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  /** Checks parts are present and copies the mapping. */
  public MarketoConfig {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(identity, "identity");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(clientSecret, "clientSecret");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(lookupField, "lookupField");
    Objects.requireNonNull(formId, "formId");
    Objects.requireNonNull(leadIdField, "leadIdField");
    Objects.requireNonNull(timeout, "timeout");
    Map<LeadField, String> copy = new EnumMap<>(LeadField.class);
    Objects.requireNonNull(mapping, "mapping").forEach((k, v) -> copy.put(Objects.requireNonNull(k, "mapping key"),
        Objects.requireNonNull(v, "mapping value")));
    mapping = Collections.unmodifiableMap(copy);
  }

  /** Shows every setting; never the client secret, nor a password or token in a URL's user info. */
  @Override
  public String toString() {
    return "MarketoConfig[endpoint=" + shown(endpoint) + ", identity=" + shown(identity) + ", clientId=" + clientId + ", clientSecret=" + clientSecret + ", mode=" + mode
        + ", lookupField=" + lookupField + ", formId=" + formId + ", mapping=" + mapping + ", leadIdField="
        + leadIdField + ", timeout=" + timeout + "]";
  }

  /** The mapping used unless overridden: the marketplace's customer fields and lead source to Marketo's standard fields. */
  public static Map<LeadField, String> defaultMapping() {
    Map<LeadField, String> m = new EnumMap<>(LeadField.class);
    for (LeadField f : LeadField.values()) {
      f.defaultMarketoField().ifPresent(name -> m.put(f, name));
    }
    return Collections.unmodifiableMap(m);
  }

  /**
   * Which key existing Marketo leads are matched on, read from the lookup field: {@link Match#EMAIL} when it is the
   * field the lead's e-mail is written to, {@link Match#LEAD_ID} when it is {@link #leadIdField}; empty for another
   * field (a {@code lookupField} set by name, e.g. a custom key).
   */
  public Optional<Match> match() {
    if (leadIdField.filter(lookupField::equals).isPresent()) {
      return Optional.of(Match.LEAD_ID);
    }
    return lookupField.equals(mapping.get(LeadField.EMAIL)) ? Optional.of(Match.EMAIL) : Optional.empty();
  }

  /**
   * The shared view of {@link #match()} and {@link #mode()} ({@code match: email, mode: upsert}); empty for a
   * {@code lookupField} that is neither the e-mail nor the lead id. Submit Form counts as {@code upsert}.
   */
  public Optional<RecordMatching> matching() {
    return match().map(m -> new RecordMatching(m, mode.syncMode()));
  }

  /**
   * The lookup field a match key stands for under these settings: the field the e-mail is written to, or
   * {@code leadIdField}; empty when the settings give it none (reported by {@link #problems}).
   */
  static Optional<String> lookupFieldOf(Match match, Map<LeadField, String> mapping, Optional<String> leadIdField) {
    return match == Match.EMAIL ? Optional.ofNullable(mapping.get(LeadField.EMAIL)) : leadIdField;
  }

  /** Every Marketo field this sink writes: the mapped fields, then the lead-id field. */
  public Set<String> marketoFields() {
    Set<String> fields = new LinkedHashSet<>(mapping.values());
    leadIdField.ifPresent(fields::add);
    return Collections.unmodifiableSet(fields);
  }

  /** The Marketo fields and values this sink sends for {@code lead}; blank values are left out, never sent empty. */
  public Map<String, String> fieldsOf(Lead lead) {
    Map<String, String> out = new LinkedHashMap<>();
    mapping.forEach((field, marketoName) -> {
      String value = field.valueOf(lead);
      if (!value.isBlank()) {
        out.put(marketoName, value);
      }
    });
    leadIdField.ifPresent(name -> out.put(name, lead.id().value()));
    return out;
  }

  /**
   * Every cross-field mistake, each as a {@link Problem} whose path is the setting's key (e.g. {@code formId});
   * empty when the configuration is usable.
   */
  public List<Problem> problems() {
    return problems(endpoint, identity, mode, null, lookupField, formId, mapping, leadIdField, timeout);
  }

  /**
   * The same checks over settings as a builder holds them ({@code null} URLs are left to its "is required"): the one
   * place the Marketo settings are checked ({@link MarketoSink.Builder#build()}).
   */
  static List<Problem> problems(URI endpoint, URI identity, Mode mode, Match match, String lookupField,
      OptionalInt formId, Map<LeadField, String> mapping, Optional<String> leadIdField, Duration timeout) {
    List<Problem> problems = new ArrayList<>();
    Set<String> marketoFields = new LinkedHashSet<>(mapping.values());
    leadIdField.ifPresent(marketoFields::add);
    checkUrl(problems, "endpoint", endpoint, "/rest");
    checkUrl(problems, "identity", identity, "/identity");
    String lookup = lookupField == null ? DEFAULT_LOOKUP_FIELD : lookupField;
    if (match != null) {
      lookup = matchProblems(problems, mode, match, lookupField, mapping, leadIdField);
    }
    if (mode == Mode.SUBMIT_FORM) {
      if (formId.isEmpty()) {
        problems.add(new Problem("formId", "is required when mode is submitForm",
            "set formId to the id of the Marketo form to submit (shown in the form's URL, e.g. 1001)"));
      }
      if (match == null && lookup != null && !lookup.equals(DEFAULT_LOOKUP_FIELD)) {
        problems.add(new Problem("lookupField", "'" + lookup + "' cannot be used with mode submitForm",
            "Submit Form always matches leads by email: remove lookupField or use mode upsert"));
      }
      if (!"email".equals(mapping.get(LeadField.EMAIL))) {
        problems.add(new Problem("mapping.email", "submitForm needs the e-mail mapped to Marketo's email field",
            "remove mapping.email or set it to email"));
      }
    } else {
      if (formId.isPresent()) {
        problems.add(new Problem("formId", "only applies to mode submitForm", "remove formId or set mode: submitForm"));
      }
      if (lookup != null && !marketoFields.contains(lookup)) {
        problems.add(new Problem("lookupField", "'" + lookup + "' is not a field this sink writes "
            + marketoFields, "map a lead field to it (mapping.<leadField>: " + lookup
            + ") or set leadIdField: " + lookup));
      }
    }
    Map<String, LeadField> seen = new LinkedHashMap<>();
    mapping.forEach((field, name) -> {
      LeadField other = seen.putIfAbsent(name, field);
      if (name.isBlank()) {
        problems.add(new Problem("mapping." + field.key(), "is blank", "name a Marketo field, or leave the key out"));
      } else if (other != null) {
        problems.add(new Problem("mapping." + field.key(), "writes '" + name + "', which mapping." + other.key()
            + " already writes", "map each lead field to a different Marketo field"));
      }
    });
    leadIdField.ifPresent(name -> {
      if (seen.containsKey(name)) {
        problems.add(new Problem("leadIdField", "'" + name + "' is also written by mapping." + seen.get(name).key(),
            "use a dedicated Marketo field (e.g. a custom string field leadRouterLeadId) for the lead id"));
      }
    });
    if (timeout.isZero() || timeout.isNegative()) {
      problems.add(new Problem("timeout", "must be positive", "use e.g. 30s"));
    }
    return problems;
  }

  /**
   * The checks of a requested match key; returns the lookup field it stands for, or null when a problem about it is
   * already reported (so that one mistake is reported once).
   */
  private static String matchProblems(List<Problem> problems, Mode mode, Match match, String lookupField,
      Map<LeadField, String> mapping, Optional<String> leadIdField) {
    Optional<String> derived = lookupFieldOf(match, mapping, leadIdField);
    if (mode == Mode.SUBMIT_FORM && match == Match.LEAD_ID) {
      // Adobe, "Leads" > "Submit Form": a form fill is matched to a person by its e-mail address, as on a Marketo page
      problems.add(new Problem("match", "leadId cannot be used with mode submitForm: Submit Form matches people by"
          + " e-mail only (Marketo de-duplicates form fills on the e-mail address)",
          "use match: email (or leave match out) with submitForm, or mode: upsert with match: leadId"));
      return null;
    }
    if (derived.isEmpty()) {
      problems.add(match == Match.LEAD_ID
          ? new Problem("match", "leadId needs leadIdField: Marketo has no field of its own for the marketplace's"
              + " LeadId", "create a custom string field in Marketo (e.g. leadRouterLeadId) and set leadIdField to"
              + " it; or use match: email")
          : new Problem("match", "email needs the lead's e-mail sent, but mapping.email is empty",
              "remove mapping.email: \"\" (the e-mail goes to Marketo's email field), or use match: leadId"));
      return null;
    }
    if (lookupField != null && !lookupField.equals(derived.get())) {
      problems.add(new Problem("lookupField", "'" + lookupField + "' contradicts match: " + match.spelling()
          + ", which looks leads up by '" + derived.get() + "'", "remove lookupField (match chooses it), or match"));
    }
    return derived.get();
  }

  /** The URL as an error may show it: a password in its user info and a secret query value removed. */
  private static String shown(Object url) {
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials(String.valueOf(url));
  }

  private static void checkUrl(List<Problem> problems, String key, URI uri, String suffix) {
    if (uri == null) {
      return;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost();
    if (!scheme.equals("https") && !(scheme.equals("http") && AddressGuard.namesThisMachine(host))) {
      problems.add(new Problem(key, "'" + shown(uri) + "' is not an https:// URL",
          "use https://<munchkin>.mktorest.com" + suffix + " (the client secret travels in the identity URL)"));
    } else if (okhttp3.HttpUrl.parse(uri.toString()) == null) { // e.g. an IPv6 zone (fe80::1%25eth0)
      problems.add(new Problem(key, "'" + shown(uri) + "' is not a URL the HTTP client can reach",
          "use https://<munchkin>.mktorest.com" + suffix));
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    if (!path.replaceAll("/+$", "").endsWith(suffix)) {
      problems.add(new Problem(key, "'" + shown(uri) + "' does not end with " + suffix,
          "copy it from Admin > Integration > Web Services > REST API, e.g. https://123-ABC-456.mktorest.com"
              + suffix));
    }
  }

  /**
   * How leads are written: one of Sync Leads' actions ({@code POST /rest/v1/leads.json}, up to 300 leads a call,
   * matched on the lookup field), or Submit Form. Adobe, Marketo REST API "Leads" > "Create and Update"
   * (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/lead-database/leads): {@code action} is
   * {@code createOnly}, {@code updateOnly}, {@code createOrUpdate} (its default) or {@code createDuplicate} (never
   * used here: it would create a second record on every redelivery).
   *
   * <p>The descriptor key {@code mode} takes the sync modes every CRM sink shares ({@code create}, {@code upsert},
   * {@code update-only}) and, as before, {@code submitForm}; {@code createOrUpdate}, its name before sync modes, still
   * means {@code upsert}.
   */
  public enum Mode {
    /** Sync Leads, action {@code createOnly}: new people are created; one already there is left unchanged (1005). */
    CREATE_ONLY("create", "createOnly"),
    /** Sync Leads, action {@code createOrUpdate}: creates or updates the person the lookup field finds. */
    CREATE_OR_UPDATE("upsert", "createOrUpdate"),
    /** Sync Leads, action {@code updateOnly}: updates the person the lookup field finds, never creates (1004). */
    UPDATE_ONLY("update-only", "updateOnly"),
    /**
     * Submit Form ({@code POST /rest/v1/leads/submitForm.json}), one lead a call: a form fill, which Marketo matches
     * to a person by e-mail only (a known address updates that person, a new one creates one).
     */
    SUBMIT_FORM("submitForm", null);

    /** The name {@code mode} had for {@link #CREATE_OR_UPDATE} before sync modes; still accepted. */
    public static final String LEGACY_CREATE_OR_UPDATE = "createOrUpdate";

    private final String key;
    private final String action;

    Mode(String key, String action) {
      this.key = key;
      this.action = action;
    }

    /** The name used in descriptors. */
    public String key() {
      return key;
    }

    /** The Sync Leads {@code action} this mode sends; empty for Submit Form. */
    public Optional<String> action() {
      return Optional.ofNullable(action);
    }

    /**
     * The shared sync mode this mode is: create, upsert or update-only; Submit Form is {@code upsert} (a form fill
     * creates the person or updates the one with its e-mail).
     */
    public SyncMode syncMode() {
      return switch (this) {
        case CREATE_ONLY -> SyncMode.CREATE;
        case CREATE_OR_UPDATE, SUBMIT_FORM -> SyncMode.UPSERT;
        case UPDATE_ONLY -> SyncMode.UPDATE_ONLY;
      };
    }

    /** The Sync Leads mode doing {@code mode}: createOnly, createOrUpdate or updateOnly. */
    public static Mode of(SyncMode mode) {
      return switch (Objects.requireNonNull(mode, "mode")) {
        case CREATE -> CREATE_ONLY;
        case UPSERT -> CREATE_OR_UPDATE;
        case UPDATE_ONLY -> UPDATE_ONLY;
      };
    }

    /** Whether this mode writes through Sync Leads (batches of up to 300, a lookup field). */
    public boolean syncLeads() {
      return action != null;
    }

    /**
     * The mode with this descriptor name (case-insensitive): {@code create}, {@code upsert}, {@code update-only},
     * {@code submitForm}, or the older {@code createOrUpdate} (= {@code upsert}).
     */
    public static Optional<Mode> fromKey(String key) {
      if (LEGACY_CREATE_OR_UPDATE.equalsIgnoreCase(key)) {
        return Optional.of(CREATE_OR_UPDATE);
      }
      for (Mode m : values()) {
        if (m.key.equalsIgnoreCase(key)) {
          return Optional.of(m);
        }
      }
      return Optional.empty();
    }

    /** Every name {@code mode} accepts, the current ones first. */
    public static List<String> keys() {
      List<String> keys = new ArrayList<>();
      for (Mode m : values()) {
        keys.add(m.key);
      }
      keys.add(LEGACY_CREATE_OR_UPDATE);
      return List.copyOf(keys);
    }
  }

  /** A part of a lead that can be written to a Marketo field ({@code mapping.<key>} in descriptors). */
  public enum LeadField {
    /** The customer's first name. */
    FIRST_NAME("firstName", "firstName", l -> l.customer().firstName()),
    /** The customer's last name. */
    LAST_NAME("lastName", "lastName", l -> l.customer().lastName()),
    /** The customer's e-mail. */
    EMAIL("email", "email", l -> l.customer().email()),
    /** The customer's phone. */
    PHONE("phone", "phone", l -> l.customer().phone()),
    /** The customer's country (ISO 3166 alpha-2). */
    COUNTRY("country", "country", l -> l.customer().country()),
    /** The customer's company. */
    COMPANY("company", "company", l -> l.customer().company()),
    /** The customer's job title. */
    TITLE("title", "title", l -> l.customer().title()),
    /** The lead-source descriptor as received, e.g. {@code AzureMarketplace-INS|contoso.crm-connector}. */
    LEAD_SOURCE("leadSource", "leadSource", l -> l.source().raw()),
    /** The offer id part of the lead source. */
    OFFER_ID("offerId", null, l -> l.source().offerId()),
    /** The offer's display name. */
    OFFER_TITLE("offerTitle", null, Lead::offerTitle),
    /** The lead's description (may carry campaign data as JSON). */
    DESCRIPTION("description", null, Lead::description),
    /** The action part of the lead source, e.g. {@code INS}. */
    ACTION("action", null, l -> l.source().actionText()),
    /** When the marketplace created the lead, ISO-8601 UTC. */
    CREATED_TIME("createdTime", null, l -> l.createdTime().toString());

    private final String key;
    private final String defaultMarketoField;
    private final Function<Lead, String> extractor;

    LeadField(String key, String defaultMarketoField, Function<Lead, String> extractor) {
      this.key = key;
      this.defaultMarketoField = defaultMarketoField;
      this.extractor = extractor;
    }

    /** The name used after {@code mapping.} in descriptors. */
    public String key() {
      return key;
    }

    /** The Marketo field written by default, if the field is mapped by default. */
    public Optional<String> defaultMarketoField() {
      return Optional.ofNullable(defaultMarketoField);
    }

    /** This field's value in {@code lead} (empty string when absent). */
    public String valueOf(Lead lead) {
      return Objects.requireNonNullElse(extractor.apply(Objects.requireNonNull(lead, "lead")), "");
    }

    /** The field with this descriptor key (exact case). */
    public static Optional<LeadField> fromKey(String key) {
      for (LeadField f : values()) {
        if (f.key.equals(key)) {
          return Optional.of(f);
        }
      }
      return Optional.empty();
    }
  }
}
