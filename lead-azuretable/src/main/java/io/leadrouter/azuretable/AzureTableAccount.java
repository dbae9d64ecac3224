package io.leadrouter.azuretable;

import com.azure.core.credential.AzureNamedKeyCredential;
import com.azure.core.credential.AzureSasCredential;
import io.leadrouter.spi.AddressGuard;
import io.leadrouter.spi.Secret;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How to reach and sign in to one storage account's Table service: a connection string (account key), the table
 * endpoint with a SAS token, or the endpoint with an account-key credential the application rotates itself. Its
 * {@code toString()} shows the account and endpoint only, never a key or signature.
 */
public final class AzureTableAccount {
  private final Secret connectionString;
  private final URI endpoint;
  private final AzureSasCredential sas;
  private final AzureNamedKeyCredential key;
  private final String accountName;
  /**
   * The credentials inside the connection string or SAS token (the account key, the SAS and its signature, raw and
   * URL-decoded) as secrets of their own, held while the account is in use: the Scrubber then removes each from what
   * the service or a proxy echoes, also when it is quoted without the rest of the string.
   */
  @SuppressWarnings("unused")
  private final List<Secret> parts;

  private AzureTableAccount(Secret connectionString, URI endpoint, AzureSasCredential sas,
      AzureNamedKeyCredential key, String accountName) {
    this.parts = credentialParts(connectionString, sas);
    this.connectionString = connectionString;
    this.endpoint = endpoint;
    this.sas = sas;
    this.key = key;
    this.accountName = accountName;
  }

  /**
   * An account from its connection string ({@code DefaultEndpointsProtocol=https;AccountName=..;AccountKey=..;
   * EndpointSuffix=core.windows.net}, or with {@code TableEndpoint=} for Azurite and custom domains, or
   * {@code UseDevelopmentStorage=true} for Azurite on its default port, 10002). Read as people paste it: keys in any
   * case, spaces around parts, empty parts and values skipped, an endpoint's trailing {@code /} dropped; with both
   * {@code AccountKey} and {@code SharedAccessSignature}, the key signs.
   *
   * @throws IllegalArgumentException naming the missing, doubled or damaged part (never showing the string)
   */
  public static AzureTableAccount connectionString(Secret connectionString) {
    Objects.requireNonNull(connectionString, "connectionString");
    Map<String, String> parts = parts(connectionString.reveal());
    Optional<String> development = part(parts, "UseDevelopmentStorage");
    if (development.isPresent()) {
      return developmentStorage(connectionString, parts, development.get());
    }
    String name = part(parts, "AccountName").orElse("");
    Optional<String> tableEndpoint = part(parts, "TableEndpoint");
    Optional<String> sas = part(parts, "SharedAccessSignature").map(t -> t.startsWith("?") ? t.substring(1) : t);
    Optional<String> accountKey = part(parts, "AccountKey");
    if (name.isEmpty() && tableEndpoint.isEmpty()) {
      throw new IllegalArgumentException(
          "the connection string has neither AccountName nor TableEndpoint: copy it from the storage account's "
              + "Access keys page");
    }
    if (sas.isEmpty() && accountKey.isEmpty()) {
      throw new IllegalArgumentException(
          "the connection string has neither AccountKey nor SharedAccessSignature: copy it from the storage "
              + "account's Access keys page");
    }
    if (accountKey.isPresent() && !isBase64(accountKey.get())) {
      // the SDK would fail each request signing with it, which read as the service not answering, retried for days
      throw new IllegalArgumentException("the connection string's AccountKey is not a storage account key (not "
          + "Base64, " + accountKey.get().length() + " characters; a key is 88): it was cut or changed when copied. "
          + "Copy key1 or key2, or the whole connection string, from the storage account's Access keys page");
    }
    URI endpoint;
    try {
      endpoint = tableEndpoint.map(URI::create).orElseGet(() -> URI.create(
          part(parts, "DefaultEndpointsProtocol").orElse("https") + "://" + name + ".table."
              + part(parts, "EndpointSuffix").orElse("core.windows.net")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the connection string's TableEndpoint is not a URL");
    }
    endpoint = withoutTrailingSlash(endpoint);
    if (name.isEmpty() && accountKey.isPresent() && certainAccount(endpoint).isEmpty()) {
      // the key signs each request for an account name: one guessed from a custom host (a CNAME, a proxy, a private
      // DNS name) signed for the wrong account, and every request failed as 'not a current key' while the key was right
      throw new IllegalArgumentException("the connection string has an AccountKey but no AccountName, and its "
          + "TableEndpoint (host " + Objects.requireNonNullElse(endpoint.getHost(), "none") + ") does not say which "
          + "account the key is of: add AccountName=<the storage account's name>, or copy the whole connection string"
          + " from the storage account's Access keys page");
    }
    String account = name.isEmpty() ? accountFromEndpoint(endpoint) : name;
    // the client is built from what is read here, never from the string again: the Azure SDK reads connection strings
    // more strictly (no spaces around '=', keys in their exact case, no empty value) and differently (the last of a
    // key given twice), so what was checked here (the endpoint's address) is what it connects to
    AzureNamedKeyCredential key = accountKey.map(k -> new AzureNamedKeyCredential(account, k)).orElse(null);
    AzureSasCredential sasCredential = key == null ? new AzureSasCredential(sas.orElseThrow()) : null;
    return new AzureTableAccount(connectionString, endpoint, sasCredential, key, account);
  }

  /** Azurite's development account on its default table port (10002), as the Azure SDK reads the same string. */
  private static final String DEVELOPMENT_ACCOUNT = "devstoreaccount1";

  /**
   * {@code UseDevelopmentStorage=true}, the shorthand of Azure's tools for the local emulator (Azurite): its
   * well-known account {@code devstoreaccount1} at {@code http://127.0.0.1:10002}, or at the scheme and host of
   * {@code DevelopmentStorageProxyUri} (port 10002 either way, as the Azure SDK reads it).
   */
  private static AzureTableAccount developmentStorage(Secret connectionString, Map<String, String> parts,
      String value) {
    if (!value.equalsIgnoreCase("true")) {
      throw new IllegalArgumentException("the connection string's UseDevelopmentStorage is '" + value + "': only"
          + " 'true' (Azurite on this machine) means something; for a storage account remove it and copy the"
          + " connection string from the account's Access keys page");
    }
    URI proxy;
    try {
      proxy = part(parts, "DevelopmentStorageProxyUri").map(URI::create)
          .orElse(URI.create("http://127.0.0.1"));
    } catch (IllegalArgumentException e) {
      proxy = null;
    }
    if (proxy == null || proxy.getScheme() == null || proxy.getHost() == null) {
      throw new IllegalArgumentException("the connection string's DevelopmentStorageProxyUri is not a URL: give the"
          + " emulator's scheme and host, e.g. DevelopmentStorageProxyUri=http://azurite (port 10002 is used)");
    }
    URI endpoint = URI.create(proxy.getScheme() + "://" + proxy.getHost() + ":10002/" + DEVELOPMENT_ACCOUNT);
    return new AzureTableAccount(connectionString, endpoint, null, null, DEVELOPMENT_ACCOUNT);
  }

  /**
   * An account reached at its table endpoint ({@code https://<account>.table.core.windows.net}, or
   * {@code http://127.0.0.1:10002/devstoreaccount1} for Azurite) with a SAS token (with or without the leading
   * {@code ?}, or the portal's SAS URL, {@code https://<account>.table.core.windows.net/?sv=...}, whose query is the
   * token).
   */
  public static AzureTableAccount sas(URI endpoint, Secret sasToken) {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(sasToken, "sasToken");
    String given = sasToken.reveal().strip();
    // the portal shows the token and, next to it, the SAS URL: given the URL, the SDK sent it as the token, the service
    // refused it and the fix read as a signature not valid
    if (given.regionMatches(true, 0, "https://", 0, 8) || given.regionMatches(true, 0, "http://", 0, 7)) {
      int query = given.indexOf('?');
      given = query < 0 ? "" : given.substring(query + 1);
    }
    String token = given.startsWith("?") ? given.substring(1) : given;
    if (token.isBlank()) {
      throw new IllegalArgumentException("the SAS token is empty");
    }
    URI base = withoutTrailingSlash(endpoint);
    return new AzureTableAccount(null, base, new AzureSasCredential(token), null, accountFromEndpoint(base));
  }

  /**
   * An account reached at its table endpoint with an account-key credential. The application may rotate the key
   * with {@link AzureNamedKeyCredential#update}; the next request uses the new key.
   */
  public static AzureTableAccount sharedKey(URI endpoint, AzureNamedKeyCredential credential) {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(credential, "credential");
    return new AzureTableAccount(null, withoutTrailingSlash(endpoint), null, credential,
        credential.getAzureNamedKey().getName());
  }

  /** The storage account's name (from the connection string, the credential or the endpoint). */
  public String accountName() {
    return accountName;
  }

  /** The Table service endpoint. */
  public URI endpoint() {
    return endpoint;
  }

  /** How this account signs in: {@code connection string}, {@code SAS token} or {@code account key}. */
  public String authentication() {
    if (connectionString != null) {
      return "connection string";
    }
    return sas != null ? "SAS token" : "account key";
  }

  Optional<Secret> connectionStringSecret() {
    return Optional.ofNullable(connectionString);
  }

  Optional<AzureSasCredential> sasCredential() {
    return Optional.ofNullable(sas);
  }

  /** The SAS token this account signs with (alone or inside the connection string), if it uses one. */
  Optional<String> sasToken() {
    return Optional.ofNullable(sas).map(AzureSasCredential::getSignature); // with both, the account key signs
  }

  Optional<AzureNamedKeyCredential> keyCredential() {
    return Optional.ofNullable(key);
  }

  /** Shows the account, endpoint and kind of credential; never the credential. */
  @Override
  public String toString() {
    // a URL's user info may be a password or a token
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials("AzureTableAccount[" + accountName + " at " + endpoint + ", " + authentication() + "]");
  }

  private static List<Secret> credentialParts(Secret connectionString, AzureSasCredential sas) {
    List<String> values = new ArrayList<>();
    Optional<String> token = Optional.ofNullable(sas).map(AzureSasCredential::getSignature);
    if (connectionString != null) {
      part(connectionString.reveal(), "AccountKey").ifPresent(values::add);
      token = part(connectionString.reveal(), "SharedAccessSignature");
    }
    token.ifPresent(t -> {
      values.add(t);
      for (String kv : t.split("&")) {
        if (kv.regionMatches(true, 0, "sig=", 0, 4) && kv.length() > 4) {
          values.add(kv.substring(4));
          values.add(URLDecoder.decode(kv.substring(4), StandardCharsets.UTF_8));
        }
      }
    });
    List<Secret> out = new ArrayList<>();
    values.stream().distinct().forEach(v -> out.add(Secret.of(v)));
    return List.copyOf(out);
  }

  /**
   * The connection string's parts, keys in any case and spaces around them ignored, empty parts and values skipped.
   *
   * @throws IllegalArgumentException for a part without {@code =}, or a key given twice with two values (which one
   *     is meant cannot be told); never showing a value
   */
  private static Map<String, String> parts(String connectionString) {
    Map<String, String> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
    int n = 0;
    for (String kv : connectionString.split(";")) {
      n++;
      if (kv.isBlank()) {
        continue;
      }
      int eq = kv.indexOf('=');
      String key = eq < 0 ? "" : kv.substring(0, eq).strip();
      if (key.isEmpty()) {
        throw new IllegalArgumentException("the connection string's part " + n + " is not 'Name=value': copy the "
            + "connection string again, whole, from the storage account's Access keys page");
      }
      String value = kv.substring(eq + 1).strip();
      if (value.isEmpty()) {
        continue;
      }
      String before = out.putIfAbsent(key, value);
      if (before != null && !before.equals(value)) {
        // a name the connection string format knows is shown; anything else may be a piece of a key pasted alone
        String named = KNOWN_PARTS.contains(key) ? key : "part " + n + "'s name";
        throw new IllegalArgumentException("the connection string gives " + named + " twice, with two values: keep"
            + " the one meant (copy the connection string again from the storage account's Access keys page)");
      }
    }
    return out;
  }

  /** The parts of a storage connection string, by name (any case). */
  private static final java.util.Set<String> KNOWN_PARTS = knownParts("DefaultEndpointsProtocol", "AccountName",
      "AccountKey", "EndpointSuffix", "TableEndpoint", "BlobEndpoint", "QueueEndpoint", "FileEndpoint",
      "SharedAccessSignature", "UseDevelopmentStorage", "DevelopmentStorageProxyUri", "TableSecondaryEndpoint",
      "BlobSecondaryEndpoint", "QueueSecondaryEndpoint", "FileSecondaryEndpoint");

  private static java.util.Set<String> knownParts(String... names) {
    java.util.Set<String> set = new java.util.TreeSet<>(String.CASE_INSENSITIVE_ORDER);
    set.addAll(List.of(names));
    return set;
  }

  private static Optional<String> part(Map<String, String> parts, String name) {
    return Optional.ofNullable(parts.get(name));
  }

  private static Optional<String> part(String connectionString, String name) {
    try {
      return part(parts(connectionString), name);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static boolean isBase64(String key) {
    try {
      return java.util.Base64.getDecoder().decode(key).length > 0;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The endpoint without the slash(es) ending its path ({@code https://acct.table.core.windows.net/}, as the portal
   * writes a SAS connection string's endpoints): the SDK would put the table after them, {@code //MarketplaceLeads},
   * which the service refuses.
   */
  private static URI withoutTrailingSlash(URI endpoint) {
    String text = endpoint.toString();
    String trimmed = text.replaceAll("/+$", "");
    return trimmed.equals(text) || trimmed.endsWith(":") || trimmed.endsWith(":/") ? endpoint : URI.create(trimmed);
  }

  /** The Table service's own host names, whose first label is the account: public, Private Link, sovereign clouds. */
  private static final Pattern SERVICE_HOST = Pattern.compile("([a-z0-9]{3,24})\\.(?:privatelink\\.)?table\\.core\\."
      + "(?:windows\\.net|chinacloudapi\\.cn|usgovcloudapi\\.net)\\.?", Pattern.CASE_INSENSITIVE);

  /**
   * The account an endpoint names with certainty: {@code <account>.table.core.windows.net} (or Private Link's and the
   * sovereign clouds' forms), or Azurite's path style, {@code http://127.0.0.1:10002/<account>} (a host that is an IP
   * address or names this machine). A custom host (a CNAME, a proxy) names none.
   */
  private static Optional<String> certainAccount(URI endpoint) {
    String host = Objects.requireNonNullElse(endpoint.getHost(), "");
    String path = Objects.requireNonNullElse(endpoint.getPath(), "").replaceAll("^/+|/+$", "");
    Matcher service = SERVICE_HOST.matcher(host);
    if (service.matches() && path.isEmpty()) {
      return Optional.of(service.group(1).toLowerCase(Locale.ROOT));
    }
    boolean ipOrLocal = AddressGuard.namesThisMachine(host) || host.matches("[0-9.]+") || host.contains(":");
    return ipOrLocal && !path.isEmpty() && !path.contains("/") ? Optional.of(path) : Optional.empty();
  }

  /**
   * {@code acct.table.core.windows.net} gives {@code acct}; a path-style endpoint, Azurite's
   * {@code 127.0.0.1:port/acct} or {@code LOCALHOST:port/acct} (any host naming this machine, or an IP address), gives
   * {@code acct}.
   */
  private static String accountFromEndpoint(URI endpoint) {
    String host = Objects.requireNonNullElse(endpoint.getHost(), "");
    String path = Objects.requireNonNullElse(endpoint.getPath(), "").replaceAll("^/+|/+$", "");
    boolean ipOrLocal = AddressGuard.namesThisMachine(host) || host.matches("[0-9.]+") || host.contains(":");
    if (ipOrLocal && !path.isEmpty()) {
      return path.split("/")[0];
    }
    int dot = host.indexOf('.');
    return (dot > 0 ? host.substring(0, dot) : host).toLowerCase(Locale.ROOT);
  }
}
