package io.leadrouter.salesforce;

import io.leadrouter.salesforce.internal.Urls;
import io.leadrouter.spi.Require;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The settings of a {@link WebToLeadSink} (type {@code salesforce-web2lead}).
 *
 * @param orgId the org's id ({@code oid}), 15 or 18 characters starting {@code 00D}
 * @param endpoint the Web-to-Lead servlet URL
 * @param dailyLimit Web-to-Lead requests per day the sink sends before answering quota
 * @param timeZone where the sink's day starts and ends (midnight) for {@code dailyLimit}
 * @param fields which form field receives each part of a lead
 * @param leadSourceValue a fixed lead_source value instead of the descriptor (for restricted picklists)
 * @param timeout per-request timeout
 * @param maxConcurrency most requests in flight
 * @param restCredentials REST credentials with which {@code verify()} checks Lead's fields for real
 */
public record WebToLeadConfig(
    String orgId,
    URI endpoint,
    int dailyLimit,
    ZoneId timeZone,
    FieldMapping fields,
    Optional<String> leadSourceValue,
    Duration timeout,
    int maxConcurrency,
    Optional<SalesforceCredentials> restCredentials) {

  /** Salesforce's Web-to-Lead servlet. */
  public static final URI DEFAULT_ENDPOINT =
      URI.create("https://webto.salesforce.com/servlet/servlet.WebToLead?encoding=UTF-8");
  /** Salesforce's default daily Web-to-Lead limit per org. */
  public static final int DEFAULT_DAILY_LIMIT = 500;
  /** Default concurrency: Web-to-Lead is a form servlet, not a bulk API. */
  public static final int DEFAULT_MAX_CONCURRENCY = 2;
  private static final Pattern ORG_ID = Pattern.compile("00D[a-zA-Z0-9]{12}([a-zA-Z0-9]{3})?");

  /** Validates the parts. */
  public WebToLeadConfig {
    Objects.requireNonNull(orgId, "orgId");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(timeZone, "timeZone");
    Objects.requireNonNull(fields, "fields");
    Objects.requireNonNull(leadSourceValue, "leadSourceValue");
    Objects.requireNonNull(restCredentials, "restCredentials");
    Urls.requireAbsolute(endpoint, "endpoint");
    Require.atLeast(dailyLimit, 1, "dailyLimit");
    Require.positive(timeout, "timeout"); // and present
    Require.atLeast(maxConcurrency, 1, "maxConcurrency");
  }

  /** Shows every setting; never a password or token in the endpoint's user info, nor a REST secret. */
  @Override
  public String toString() {
    return "WebToLeadConfig[orgId=" + orgId + ", endpoint="
        + io.leadrouter.spi.Scrubber.standard().scrubCredentials(endpoint.toString()) + ", dailyLimit=" + dailyLimit + ", timeZone=" + timeZone + ", fields=" + fields
        + ", leadSourceValue=" + leadSourceValue + ", timeout=" + timeout + ", maxConcurrency=" + maxConcurrency
        + ", restCredentials=" + restCredentials + "]";
  }

  /**
   * Why {@code orgId} is not a Salesforce organization id (15 or 18 letters and digits starting {@code 00D}, the 18
   * character form with a matching case checksum), if it is not.
   */
  public static Optional<String> orgIdProblem(String orgId) {
    if (!ORG_ID.matcher(orgId).matches()) {
      return Optional.of("'" + orgId + "' is not a Salesforce org id (15 or 18 letters and digits starting 00D)");
    }
    if (orgId.length() == 18 && !orgId.substring(15).equals(checksum(orgId.substring(0, 15)))) {
      return Optional.of("'" + orgId + "' has a wrong 18-character checksum (last 3 characters)");
    }
    return Optional.empty();
  }

  /** The 3-character case checksum Salesforce appends to a 15-character id. */
  static String checksum(String id15) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
    StringBuilder out = new StringBuilder(3);
    for (int chunk = 0; chunk < 3; chunk++) {
      int bits = 0;
      for (int i = 0; i < 5; i++) {
        char c = id15.charAt(chunk * 5 + i);
        if (c >= 'A' && c <= 'Z') {
          bits |= 1 << i;
        }
      }
      out.append(alphabet.charAt(bits));
    }
    return out.toString();
  }
}
