package io.leadrouter.marketo;

import io.leadrouter.Lead;
import io.leadrouter.Problem;
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
 * @param mode {@code createOrUpdate} (Sync Leads, batches of 300) or {@code submitForm} (Submit Form, one lead a call)
 * @param lookupField the Marketo field createOrUpdate matches existing leads on ({@code email} by default)
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

  /** The mapping used unless overridden: the marketplace's customer fields and lead source to Marketo's standard fields. */
  public static Map<LeadField, String> defaultMapping() {
    Map<LeadField, String> m = new EnumMap<>(LeadField.class);
    for (LeadField f : LeadField.values()) {
      f.defaultMarketoField().ifPresent(name -> m.put(f, name));
    }
    return Collections.unmodifiableMap(m);
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
    return problems(endpoint, identity, mode, lookupField, formId, mapping, leadIdField, timeout);
  }

  /**
   * The same checks over settings as a builder holds them ({@code null} URLs are left to its "is required"): the one
   * place the Marketo settings are checked ({@link MarketoSink.Builder#build()}).
   */
  static List<Problem> problems(URI endpoint, URI identity, Mode mode, String lookupField, OptionalInt formId,
      Map<LeadField, String> mapping, Optional<String> leadIdField, Duration timeout) {
    List<Problem> problems = new ArrayList<>();
    Set<String> marketoFields = new LinkedHashSet<>(mapping.values());
    leadIdField.ifPresent(marketoFields::add);
    checkUrl(problems, "endpoint", endpoint, "/rest");
    checkUrl(problems, "identity", identity, "/identity");
    if (mode == Mode.SUBMIT_FORM) {
      if (formId.isEmpty()) {
        problems.add(new Problem("formId", "is required when mode is submitForm",
            "set formId to the id of the Marketo form to submit (shown in the form's URL, e.g. 1001)"));
      }
      if (!lookupField.equals(DEFAULT_LOOKUP_FIELD)) {
        problems.add(new Problem("lookupField", "'" + lookupField + "' cannot be used with mode submitForm",
            "Submit Form always matches leads by email: remove lookupField or use mode createOrUpdate"));
      }
      if (!"email".equals(mapping.get(LeadField.EMAIL))) {
        problems.add(new Problem("mapping.email", "submitForm needs the e-mail mapped to Marketo's email field",
            "remove mapping.email or set it to email"));
      }
    } else {
      if (formId.isPresent()) {
        problems.add(new Problem("formId", "only applies to mode submitForm", "remove formId or set mode: submitForm"));
      }
      if (!marketoFields.contains(lookupField)) {
        problems.add(new Problem("lookupField", "'" + lookupField + "' is not a field this sink writes "
            + marketoFields, "map a lead field to it (mapping.<leadField>: " + lookupField
            + ") or set leadIdField: " + lookupField));
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

  private static void checkUrl(List<Problem> problems, String key, URI uri, String suffix) {
    if (uri == null) {
      return;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String host = uri.getHost() == null ? "" : uri.getHost();
    boolean loopback = host.equals("localhost") || host.equals("127.0.0.1") || host.equals("[::1]");
    if (!scheme.equals("https") && !(scheme.equals("http") && loopback)) {
      problems.add(new Problem(key, "'" + uri + "' is not an https:// URL",
          "use https://<munchkin>.mktorest.com" + suffix + " (the client secret travels in the identity URL)"));
    }
    String path = uri.getPath() == null ? "" : uri.getPath();
    if (!path.replaceAll("/+$", "").endsWith(suffix)) {
      problems.add(new Problem(key, "'" + uri + "' does not end with " + suffix,
          "copy it from Admin > Integration > Web Services > REST API, e.g. https://123-ABC-456.mktorest.com"
              + suffix));
    }
  }

  /** How leads are written. */
  public enum Mode {
    /** Sync Leads ({@code POST /rest/v1/leads.json}, action {@code createOrUpdate}), up to 300 leads a call. */
    CREATE_OR_UPDATE("createOrUpdate"),
    /** Submit Form ({@code POST /rest/v1/leads/submitForm.json}), one lead a call, matched by e-mail. */
    SUBMIT_FORM("submitForm");

    private final String key;

    Mode(String key) {
      this.key = key;
    }

    /** The name used in descriptors. */
    public String key() {
      return key;
    }

    /** The mode with this descriptor name (case-insensitive). */
    public static Optional<Mode> fromKey(String key) {
      for (Mode m : values()) {
        if (m.key.equalsIgnoreCase(key)) {
          return Optional.of(m);
        }
      }
      return Optional.empty();
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
