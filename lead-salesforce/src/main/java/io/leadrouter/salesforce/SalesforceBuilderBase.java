package io.leadrouter.salesforce;

import io.leadrouter.Problem;
import io.leadrouter.http.MatchingSinkBuilder;
import io.leadrouter.spi.AddressGuard;
import java.net.URI;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import okhttp3.HttpUrl;

/**
 * What both Salesforce sinks' builders set ({@link SalesforceSink.Builder}, {@link WebToLeadSink.Builder}) beyond
 * the HTTP and matching settings: the field mapping, a fixed LeadSource and the concurrency. Written once so both
 * accept, default and check them alike. (Web-to-Lead's {@code build()} refuses any matching but the default: it
 * posts a form and cannot look a Lead up; the setters are there so that such a setting gets that reason.)
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class SalesforceBuilderBase<B extends SalesforceBuilderBase<B>> extends MatchingSinkBuilder<B> {
  /** The most requests in flight a sink may make. */
  static final int MAX_CONCURRENCY_LIMIT = 64;

  FieldMapping fields;
  private String leadSourceValue;
  int maxConcurrency;

  SalesforceBuilderBase(FieldMapping defaultFields, int defaultMaxConcurrency) {
    super(SalesforceConfig.DEFAULT_TIMEOUT);
    this.fields = defaultFields;
    this.maxConcurrency = defaultMaxConcurrency;
  }

  /** Which field receives each part of a lead (Lead API names for REST, form field names for Web-to-Lead). */
  public B fields(FieldMapping v) {
    fields = Objects.requireNonNull(v, "fields");
    return self();
  }

  /** A fixed LeadSource ({@code lead_source}) value, for restricted picklists; the descriptor is sent otherwise. */
  public B leadSourceValue(String v) {
    leadSourceValue = Objects.requireNonNull(v, "leadSourceValue");
    return self();
  }

  /** Most requests in flight (default 4 for the REST sink, 2 for Web-to-Lead). */
  public B maxConcurrency(int v) {
    maxConcurrency = v;
    return self();
  }

  /** The fixed LeadSource value, if set. */
  Optional<String> leadSource() {
    return Optional.ofNullable(leadSourceValue);
  }

  /** The URL as an error may show it: a password in its user info and a secret query value removed. */
  private static String shown(Object url) {
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials(String.valueOf(url));
  }

  /**
   * Adds the problem with a My Domain URL (the REST sink's, Web-to-Lead's REST credentials') OkHttp cannot call, or
   * that is plain http: the client secret and the token travel to it (http only for a loopback test fake).
   */
  static void addMyDomainProblem(List<Problem> out, URI myDomain) {
    String fix = "write the org's My Domain URL, e.g. https://contoso.my.salesforce.com";
    HttpUrl url = HttpUrl.parse(myDomain.toString());
    if (url == null) {
      out.add(new Problem("myDomain", "'" + shown(myDomain) + "' is not an http(s) URL", fix));
    } else if (!url.isHttps() && !AddressGuard.namesThisMachine(url.host())) {
      out.add(new Problem("myDomain", "'" + shown(myDomain) + "' is plain http: the client secret and the access token "
          + "would travel unencrypted", fix));
    }
  }

  /**
   * Adds the problem with a Web-to-Lead endpoint OkHttp cannot call, or that is plain http: the customer's name,
   * e-mail and phone travel to it (http only for a loopback test fake).
   */
  static void addEndpointProblem(List<Problem> out, URI endpoint, URI example) {
    HttpUrl url = HttpUrl.parse(endpoint.toString());
    if (url == null) {
      out.add(new Problem("endpoint", "'" + shown(endpoint) + "' is not an http(s) URL", "write it as " + example));
    } else if (!url.isHttps() && !AddressGuard.namesThisMachine(url.host())) {
      out.add(new Problem("endpoint", "'" + shown(endpoint) + "' is plain http: the customer's personal data would travel "
          + "unencrypted", "write it as " + example));
    }
  }

  /** Adds the problems with the request settings both sinks share. */
  void addRequestProblems(List<Problem> out) {
    if (timeout().isZero() || timeout().isNegative()) {
      out.add(new Problem("timeout", "must be positive", "write e.g. 30s"));
    }
    if (maxConcurrency < 1 || maxConcurrency > MAX_CONCURRENCY_LIMIT) {
      out.add(new Problem("maxConcurrency", maxConcurrency + " is out of range",
          "use a value from 1 to " + MAX_CONCURRENCY_LIMIT));
    }
  }
}
