package io.leadrouter.salesforce.internal;

import io.leadrouter.salesforce.SalesforceErrors;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.QuotaExceededException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Watches the org's daily API budget from {@code Sforce-Limit-Info: api-usage=N/M} and refuses further calls for
 * {@code pause} once N/M reaches the threshold, so that the last of the budget stays for the org's other
 * integrations. After the pause one call goes through and its header tells whether usage dropped. Thread-safe.
 */
public final class ApiBudget {
  /**
   * The org-wide {@code api-usage=N/M} entry, in any case and with any white space around {@code =} and {@code /};
   * never the connected app's own {@code per-app-api-usage=N/M(appName=...)}, which may come first (Salesforce,
   * "Limit Info Header", developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/headers_api_usage.htm).
   */
  private static final Pattern API_USAGE = Pattern.compile("(?<![\\w-])api-usage\\s*=\\s*(\\d+)\\s*/\\s*(\\d+)",
      Pattern.CASE_INSENSITIVE);
  private final int thresholdPercent;
  private final Duration pause;
  private final Clock clock;
  private long used = -1;
  private long limit = -1;
  private Instant pausedUntil = Instant.MIN;

  /** A budget that pauses for {@code pause} once usage reaches {@code thresholdPercent} % of the daily limit. */
  public ApiBudget(int thresholdPercent, Duration pause, Clock clock) {
    this.thresholdPercent = thresholdPercent;
    this.pause = pause;
    this.clock = clock;
  }

  /** Parses the org's {@code api-usage=N/M} out of a {@code Sforce-Limit-Info} header value. */
  public static Optional<long[]> parse(String header) {
    if (header == null) {
      return Optional.empty();
    }
    Matcher m = API_USAGE.matcher(header);
    if (!m.find()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))});
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** Records the usage a response reported. */
  public synchronized void record(String sforceLimitInfo) {
    Optional<long[]> usage = parse(sforceLimitInfo);
    if (usage.isEmpty()) {
      return;
    }
    used = usage.get()[0];
    limit = usage.get()[1];
    // exact: used * 100 and limit * threshold overflow a long from 17 digits on, and a usage of 99.9 % read as
    // negative let every call through
    if (limit > 0 && java.math.BigInteger.valueOf(used).multiply(java.math.BigInteger.valueOf(100)).compareTo(
        java.math.BigInteger.valueOf(limit).multiply(java.math.BigInteger.valueOf(thresholdPercent))) >= 0) {
      pausedUntil = clock.instant().plus(pause);
    } else {
      pausedUntil = Instant.MIN;
    }
  }

  /** Throws when the budget is (nearly) spent and the pause has not yet passed. */
  public synchronized void check() throws QuotaExceededException {
    if (clock.instant().isBefore(pausedUntil)) {
      throw new QuotaExceededException(new Diagnosis(SalesforceErrors.API_USAGE_HIGH,
          "the org has used " + used + " of its " + limit + " daily API requests (threshold " + thresholdPercent
              + "%)",
          "wait: leads are held and sent when usage drops; or raise apiUsageThreshold, or buy more API calls"),
          pausedUntil);
    }
  }
}
