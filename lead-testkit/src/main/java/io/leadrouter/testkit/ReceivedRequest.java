package io.leadrouter.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.leadrouter.spi.ExplainedRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A request as the destination (or its fake) received it, to compare byte for byte with what {@code explain} showed
 * before: {@link #assertMatches(ExplainedRequest)}.
 *
 * @param method the method
 * @param url the absolute URL
 * @param headers every header received
 * @param body the body bytes
 */
public record ReceivedRequest(String method, String url, List<ExplainedRequest.Header> headers, byte[] body) {
  /** Checks and copies. */
  public ReceivedRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    headers = List.copyOf(headers);
    body = body.clone();
  }

  /** The request as WireMock logged it. */
  public static ReceivedRequest of(LoggedRequest r) {
    List<ExplainedRequest.Header> headers = new ArrayList<>();
    for (HttpHeader h : r.getHeaders().all()) {
      h.values().forEach(v -> headers.add(new ExplainedRequest.Header(h.key(), v)));
    }
    return new ReceivedRequest(r.getMethod().getName(), r.getAbsoluteUrl(), headers, r.getBody());
  }

  /** The last request WireMock received with the explained request's method and path. */
  public static Optional<ReceivedRequest> lastLike(WireMockServer server, ExplainedRequest explained) {
    String path = pathOf(explained.url());
    // the journal lists the newest first
    return server.getAllServeEvents().stream().map(e -> e.getRequest())
        .filter(r -> r.getMethod().getName().equals(explained.method()))
        .filter(r -> pathOf(r.getAbsoluteUrl()).equals(path))
        .findFirst().map(ReceivedRequest::of);
  }

  /**
   * Asserts this is the explained request: the same method, URL, body bytes and every explained header with the same
   * value, where {@link ExplainedRequest#REDACTED} stands for any text (a credential) that must be there.
   */
  public void assertMatches(ExplainedRequest explained) {
    assertThat(method).as("method").isEqualTo(explained.method());
    assertThat(url).as("URL").matches(pattern(explained.url()));
    for (ExplainedRequest.Header h : explained.headers()) {
      List<String> values = headers.stream().filter(x -> x.name().equalsIgnoreCase(h.name()))
          .map(ExplainedRequest.Header::value).toList();
      assertThat(values).as("received values of header %s", h.name()).hasSize(1);
      if (h.name().equalsIgnoreCase("Content-Type")) {
        // media types are case-insensitive (RFC 9110 8.3.1) and servers normalise them: Jetty answers charset=UTF-8
        assertThat(values.get(0)).as("header %s", h.name()).isEqualToIgnoringCase(h.value());
      } else {
        assertThat(values.get(0)).as("header %s", h.name()).matches(pattern(h.value()));
      }
      if (h.value().contains(ExplainedRequest.REDACTED)) {
        assertThat(values.get(0)).as("a redacted header carries a real value").doesNotContain(
            ExplainedRequest.REDACTED);
      }
    }
    assertThat(body).as("body bytes: received %s, explained %s", new String(body,
        java.nio.charset.StandardCharsets.UTF_8), explained.bodyText()).isEqualTo(explained.body());
  }

  /** The path of an absolute URL, whatever its query holds (a redacted value is no valid URI). */
  private static String pathOf(String url) {
    String noQuery = url.split("[?#]", 2)[0];
    return URI.create(noQuery).getRawPath();
  }

  /** The explained text as a pattern: literal, with each redaction matching any non-empty text. */
  private static Pattern pattern(String explained) {
    String[] parts = explained.split(Pattern.quote(ExplainedRequest.REDACTED), -1);
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < parts.length; i++) {
      if (i > 0) {
        re.append(".+");
      }
      re.append(Pattern.quote(parts[i]));
    }
    return Pattern.compile(re.toString(), Pattern.DOTALL);
  }
}
