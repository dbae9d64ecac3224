package io.leadrouter.dynamics;

import io.leadrouter.Problem;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.RecordMatching;
import io.leadrouter.spi.Secret;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The settings of a {@link DynamicsSink}. {@code toString()} never shows the client secret.
 *
 * @param tenantId Microsoft Entra tenant: a GUID or a verified domain
 * @param clientId the app registration's application (client) id, a GUID
 * @param clientSecret the app registration's client secret
 * @param instanceUrl the Dataverse instance, {@code https://<org>.crm.dynamics.com}
 * @param authorityHost the Entra authority host ({@code https://login.microsoftonline.com}; another one for
 *     sovereign clouds)
 * @param idColumn the Lead column holding the lead id, backed by an alternate key; enables upsert by that key
 * @param mapping lead field ({@link #LEAD_FIELDS}) to Dataverse column; a field mapped to {@code ""} is not sent
 * @param leadSourceCode the {@code leadsourcecode} option value sent with each lead (8 = Web)
 * @param timeout connect, read and write timeout of each request
 * @param unreachableAfter consecutive timeouts or connect failures after which failures carry
 *     {@code DYNAMICS_INSTANCE_UNREACHABLE}
 * @param matching how a lead finds its row ({@code match: leadId | email}) and what it may do with it
 *     ({@code mode: create | upsert | update-only}); {@link RecordMatching#DEFAULT} = by lead id, upsert
 */
public record DynamicsConfig(
    String tenantId,
    String clientId,
    Secret clientSecret,
    URI instanceUrl,
    URI authorityHost,
    Optional<String> idColumn,
    Map<String, String> mapping,
    int leadSourceCode,
    Duration timeout,
    int unreachableAfter,
    RecordMatching matching) {

  /** The public Azure authority host. */
  public static final URI DEFAULT_AUTHORITY = URI.create("https://login.microsoftonline.com");
  /** The {@code leadsourcecode} option "Web". */
  public static final int DEFAULT_LEAD_SOURCE_CODE = 8;
  /** The default request timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  /** The default number of consecutive connect failures or timeouts that mean "unreachable". */
  public static final int DEFAULT_UNREACHABLE_AFTER = 3;

  /** The lead fields that can be mapped, with their default Dataverse columns. */
  public static final Map<String, String> DEFAULT_MAPPING = defaultMapping();
  /** The names of the lead fields that can be mapped. */
  public static final List<String> LEAD_FIELDS = List.copyOf(DEFAULT_MAPPING.keySet());

  private static final Pattern GUID = Pattern.compile(
      "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern DOMAIN = Pattern.compile(
      "(?=.{4,253}$)([a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\\.)+[a-zA-Z]{2,63}");
  private static final Pattern COLUMN = Pattern.compile("[a-z][a-z0-9_]{0,49}");

  /** Copies the mapping and checks every part is present. */
  public DynamicsConfig {
    Objects.requireNonNull(tenantId, "tenantId");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(clientSecret, "clientSecret");
    Objects.requireNonNull(instanceUrl, "instanceUrl");
    Objects.requireNonNull(authorityHost, "authorityHost");
    Objects.requireNonNull(idColumn, "idColumn");
    mapping = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(mapping, "mapping")));
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(matching, "matching");
  }

  /** The settings as before matching was configurable: by lead id, upsert ({@link RecordMatching#DEFAULT}). */
  public DynamicsConfig(String tenantId, String clientId, Secret clientSecret, URI instanceUrl, URI authorityHost,
      Optional<String> idColumn, Map<String, String> mapping, int leadSourceCode, Duration timeout,
      int unreachableAfter) {
    this(tenantId, clientId, clientSecret, instanceUrl, authorityHost, idColumn, mapping, leadSourceCode, timeout,
        unreachableAfter, RecordMatching.DEFAULT);
  }

  /** Shows every setting except the secret. */
  @Override
  public String toString() {
    return "DynamicsConfig[tenantId=" + tenantId + ", clientId=" + clientId + ", clientSecret=" + clientSecret
        + ", instanceUrl=" + shown(instanceUrl) + ", authorityHost=" + shown(authorityHost) + ", idColumn="
        + idColumn.orElse("(none)") + ", mapping=" + mapping + ", leadSourceCode=" + leadSourceCode + ", timeout="
        + timeout + ", unreachableAfter=" + unreachableAfter + ", " + matching + "]";
  }

  /**
   * Every problem with these settings, each with the key it concerns as its path (the builder prefixes it).
   */
  List<Problem> problems() {
    return problems(tenantId, clientId, clientSecret, instanceUrl, authorityHost, idColumn, mapping, timeout,
        unreachableAfter, matching);
  }

  /**
   * Every problem with settings as a builder holds them: an empty text, an empty secret or a {@code null} URL is
   * "required". The one place the Dynamics settings are checked ({@link DynamicsSink.Builder#build()}).
   */
  static List<Problem> problems(String tenantId, String clientId, Secret clientSecret, URI instanceUrl,
      URI authorityHost, Optional<String> idColumn, Map<String, String> mapping, Duration timeout,
      int unreachableAfter, RecordMatching matching) {
    List<Problem> out = new ArrayList<>();
    if (tenantId.isEmpty()) {
      out.add(new Problem("tenantId", "is required", "set the Directory (tenant) ID from the Microsoft Entra ID "
          + "overview, or a verified domain such as contoso.onmicrosoft.com"));
    } else {
      tenantProblem(tenantId).ifPresent(out::add);
    }
    if (clientId.isEmpty()) {
      out.add(new Problem("clientId", "is required",
          "set the Application (client) ID from the app registration's overview page"));
    } else if (!GUID.matcher(clientId).matches()) {
      out.add(new Problem("clientId", "'" + clientId + "' is not a GUID",
          "copy the Application (client) ID from the app registration's overview page"));
    }
    if (clientSecret.isEmpty()) {
      out.add(new Problem("clientSecret", "is required",
          "set the app registration's client secret; in a descriptor as ${ENV_VAR} or ${file:/path/to/file}"));
    }
    if (instanceUrl == null) {
      out.add(new Problem("instanceUrl", "is required", "set https://<org>.crm.dynamics.com"));
    } else {
      urlProblem("instanceUrl", instanceUrl, "https://<org>.crm.dynamics.com").ifPresent(out::add);
    }
    urlProblem("authorityHost", authorityHost, "https://login.microsoftonline.com").ifPresent(out::add);
    idColumn.filter(c -> !COLUMN.matcher(c).matches()).ifPresent(c -> out.add(new Problem("idColumn",
        "'" + c + "' is not a column logical name", "use the lower-case logical name, e.g. new_leadrouterid")));
    mapping.forEach((field, column) -> {
      if (!DEFAULT_MAPPING.containsKey(field)) {
        out.add(new Problem("mapping." + field, "'" + field + "' is not a lead field",
            "map one of " + String.join(", ", LEAD_FIELDS)));
      } else if (!column.isEmpty() && !COLUMN.matcher(column).matches()) {
        out.add(new Problem("mapping." + field, "'" + column + "' is not a column logical name",
            "use the lower-case logical name, e.g. emailaddress1, or an empty value to not send the field"));
      }
    });
    if (timeout.isZero() || timeout.isNegative()) {
      out.add(new Problem("timeout", "must be positive", "use e.g. 30s"));
    }
    if (unreachableAfter < 1 || unreachableAfter > 100) {
      out.add(new Problem("unreachableAfter", unreachableAfter + " is out of range", "use a value from 1 to 100"));
    }
    if (matching.match() == RecordMatching.Match.EMAIL && mapping.getOrDefault("email", "").isEmpty()) {
      out.add(new Problem(RecordMatching.MATCH_KEY, "'email' looks leads up by their e-mail column, but "
          + "mapping.email is empty (the e-mail is not sent)", "map email to the Lead column holding it (e.g. "
          + "emailaddress1), or use match: leadId"));
    }
    return out;
  }

  /** A problem with the tenant id, if it is neither a GUID nor a domain. */
  static Optional<Problem> tenantProblem(String tenantId) {
    if (GUID.matcher(tenantId).matches() || DOMAIN.matcher(tenantId).matches()) {
      return Optional.empty();
    }
    return Optional.of(new Problem("tenantId", "'" + tenantId + "' is not a GUID or domain",
        "copy the Directory (tenant) ID from the Microsoft Entra ID overview, or use a verified domain such as "
            + "contoso.onmicrosoft.com"));
  }

  /** The URL as an error may show it: a password in its user info and a secret query value removed. */
  private static String shown(Object url) {
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials(String.valueOf(url));
  }

  /** An https URL with a host and no path beyond {@code /}; plain http is allowed for loopback test fakes only. */
  static Optional<Problem> urlProblem(String key, URI url, String example) {
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    String host = url.getHost();
    if (host == null || host.isEmpty()) {
      return Optional.of(new Problem(key, "'" + shown(url) + "' has no host", "write it as " + example));
    }
    if (okhttp3.HttpUrl.parse(url.toString()) == null) { // e.g. an IPv6 zone (fe80::1%25eth0), which java.net.URI takes
      return Optional.of(new Problem(key, "'" + shown(url) + "' is not a URL the HTTP client can reach",
          "write it as " + example));
    }
    if (!scheme.equals("https") && !(scheme.equals("http") && AddressGuard.namesThisMachine(host))) {
      return Optional.of(new Problem(key, "'" + shown(url) + "' is not an https URL", "write it as " + example));
    }
    String path = url.getRawPath() == null ? "" : url.getRawPath();
    if (!(path.isEmpty() || path.equals("/")) || url.getRawQuery() != null || url.getRawFragment() != null) {
      return Optional.of(new Problem(key, "'" + shown(url) + "' must not have a path or query",
          "write only the scheme and host, e.g. " + example));
    }
    return Optional.empty();
  }

  private static Map<String, String> defaultMapping() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("firstName", "firstname");
    m.put("lastName", "lastname");
    m.put("email", "emailaddress1");
    m.put("phone", "telephone1");
    m.put("company", "companyname");
    m.put("title", "jobtitle");
    m.put("country", "address1_country");
    m.put("subject", "subject");
    m.put("description", "description");
    m.put("leadSourceCode", "leadsourcecode");
    return Collections.unmodifiableMap(m);
  }
}
