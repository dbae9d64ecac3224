package io.leadrouter.azuretable;

import io.leadrouter.ConfigurationException;
import io.leadrouter.Problem;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.BlockedAddressException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The settings of an {@link AzureTableSink}.
 *
 * @param account the storage account and its credential
 * @param tableName the table written to; the marketplace's is {@code MarketplaceLeads}
 * @param createTableIfMissing whether a missing table is created (otherwise {@code AZURETABLE_TABLE_NOT_FOUND})
 * @param requestTimeout how long one request (including the SDK's own retries) may take
 * @param connectTimeout how long opening a connection may take
 * @param maxRetries how often the Azure SDK itself retries a failed request (the router retries later anyway)
 * @param retryDelay the SDK's first retry delay (doubled per retry)
 * @param maxConcurrency most deliveries in flight at once
 */
public record AzureTableConfig(
    AzureTableAccount account,
    String tableName,
    boolean createTableIfMissing,
    Duration requestTimeout,
    Duration connectTimeout,
    int maxRetries,
    Duration retryDelay,
    int maxConcurrency) {

  /** The marketplace's table name. */
  public static final String DEFAULT_TABLE = "MarketplaceLeads";
  /** Default for {@link #requestTimeout()}. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
  /** Default for {@link #connectTimeout()}. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Default for {@link #maxRetries()}: one quick retry in the SDK, the rest is the router's job. */
  public static final int DEFAULT_MAX_RETRIES = 1;
  /** Most SDK retries allowed, so a request never hides a long outage from the router. */
  public static final int MAX_RETRIES_LIMIT = 5;
  /** Default for {@link #retryDelay()}. */
  public static final Duration DEFAULT_RETRY_DELAY = Duration.ofMillis(200);
  /** Default for {@link #maxConcurrency()}. */
  public static final int DEFAULT_MAX_CONCURRENCY = 8;

  /** Azure's rule: 3 to 63 letters and digits, starting with a letter. */
  static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9]{2,62}");

  /**
   * Validates every part.
   *
   * @throws ConfigurationException listing every problem (see {@link #problems})
   */
  public AzureTableConfig {
    Objects.requireNonNull(account, "account");
    Objects.requireNonNull(tableName, "tableName");
    Objects.requireNonNull(requestTimeout, "requestTimeout");
    Objects.requireNonNull(connectTimeout, "connectTimeout");
    Objects.requireNonNull(retryDelay, "retryDelay");
    List<Problem> problems = problems(account, tableName, requestTimeout, connectTimeout, maxRetries, retryDelay,
        maxConcurrency);
    if (!problems.isEmpty()) {
      throw new ConfigurationException(problems);
    }
  }

  /**
   * Every problem with these settings, each under its key (the descriptor's): the one place the Azure Table
   * settings are checked ({@link AzureTableSink.Builder#build()}, the provider through it).
   */
  static List<Problem> problems(AzureTableAccount account, String tableName, Duration requestTimeout,
      Duration connectTimeout, int maxRetries, Duration retryDelay, int maxConcurrency) {
    List<Problem> out = new ArrayList<>();
    addTableProblems(out, tableName, requestTimeout, connectTimeout, maxRetries, retryDelay);
    if (maxConcurrency < 1) {
      out.add(new Problem("maxConcurrency", maxConcurrency + " is out of range", "use 1 or more"));
    }
    if (account == null) { // AzureTableAccount.connectionString(...) or .sas(...) in code
      out.add(new Problem("connectionString", "is required (or endpoint and sasToken)",
          "set connectionString as ${ENV_VAR}, or endpoint and sasToken"));
    } else {
      addEndpointProblems(out, account);
    }
    return out;
  }

  /**
   * The problem with the account's table endpoint, if any: a host the Azure SDK cannot read (it would fail with a
   * NullPointerException), or an IP literal, in any spelling, of a metadata / link-local / unspecified address
   * (server-side request forgery; names resolving there are refused per request). Shows scheme, host and path only.
   */
  static void addEndpointProblems(List<Problem> out, AzureTableAccount account) {
    URI endpoint = account.endpoint();
    String key = account.connectionStringSecret().isPresent() ? "connectionString" : "endpoint";
    String where = key.equals("endpoint") ? "endpoint" : "the connection string's table endpoint";
    String example = "https://<account>.table.core.windows.net";
    // java.net.URI has no host for spellings like 169.254.43518 or 0xa9.0xfe.0xa9.0xfe: judge the authority's
    String host = endpoint.getHost() != null ? endpoint.getHost() : hostOf(endpoint.getRawAuthority());
    try {
      AddressGuard.forCloudApi().checkHost(host);
    } catch (BlockedAddressException e) {
      out.add(new Problem(key, where + " " + e.getMessage(), "write the storage account's table endpoint, "
          + example + ": the Table service is never at such an address"));
      return;
    }
    if (endpoint.getHost() == null) {
      out.add(new Problem(key, where + " has no host name that can be read (" + shown(endpoint) + ")",
          "write it as " + example + ", or a host name of your own domain"));
    }
  }

  /** The host of a URI authority: user info and port dropped. */
  private static String hostOf(String authority) {
    String a = Objects.requireNonNullElse(authority, "");
    a = a.substring(a.lastIndexOf('@') + 1);
    int colon = a.lastIndexOf(':');
    return colon > a.lastIndexOf(']') ? a.substring(0, colon) : a;
  }

  private static String shown(URI endpoint) {
    String authority = Objects.requireNonNullElse(endpoint.getRawAuthority(), "");
    int at = authority.lastIndexOf('@'); // user info may be a credential
    return endpoint.getScheme() + "://" + authority.substring(at + 1)
        + Objects.requireNonNullElse(endpoint.getRawPath(), "");
  }

  /** The problems with the settings the sink and the poller share: the table's name and how requests run. */
  static void addTableProblems(List<Problem> out, String tableName, Duration requestTimeout, Duration connectTimeout,
      int maxRetries, Duration retryDelay) {
    if (!TABLE_NAME.matcher(tableName).matches() || tableName.equalsIgnoreCase("tables")) {
      out.add(new Problem("tableName", "'" + tableName + "' is not a valid table name",
          "use 3 to 63 letters and digits, starting with a letter"));
    }
    if (requestTimeout.isZero() || requestTimeout.isNegative()) {
      out.add(new Problem("requestTimeout", "must be positive", "write e.g. 30s"));
    }
    if (connectTimeout.isZero() || connectTimeout.isNegative()) {
      out.add(new Problem("connectTimeout", "must be positive", "write e.g. 10s"));
    }
    if (maxRetries < 0 || maxRetries > MAX_RETRIES_LIMIT) {
      out.add(new Problem("maxRetries", maxRetries + " is out of range", "use a value from 0 to " + MAX_RETRIES_LIMIT));
    }
    if (retryDelay.isNegative()) {
      out.add(new Problem("retryDelay", "must not be negative", "write e.g. 200ms"));
    }
  }
}
