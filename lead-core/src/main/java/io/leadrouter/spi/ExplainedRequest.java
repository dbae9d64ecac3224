package io.leadrouter.spi;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The request a sink would send for one lead, as {@link LeadSink#explain} shows it without sending anything: method,
 * URL, headers and body, built by the same code that builds the real request. Credentials never appear: a sink puts
 * {@link #REDACTED} where a token, key or signature would go (and the router masks the customer's personal data
 * unless asked not to).
 *
 * @param method the HTTP method ({@code POST}, {@code PATCH}...) or another verb for non-HTTP sinks ({@code APPEND})
 * @param url where the request goes (with secret query values redacted), or a file path for the file sink
 * @param headers the headers the sink sets, in order (transport headers such as {@code Host} are left to the client)
 * @param body the exact body bytes, possibly empty
 * @param notes what else the reader should know: extra requests (token, lookups), batching, what a retry changes
 */
public record ExplainedRequest(String method, String url, List<Header> headers, byte[] body, List<String> notes) {
  /** What stands where a secret value would go. */
  public static final String REDACTED = "<redacted>";

  /** Checks and copies. */
  public ExplainedRequest {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(url, "url");
    headers = List.copyOf(headers);
    body = body.clone();
    notes = List.copyOf(notes);
  }

  /** A builder for a request with this method and URL. */
  public static Builder builder(String method, String url) {
    return new Builder(method, url);
  }

  /** The body bytes (a copy). */
  @Override
  public byte[] body() {
    return body.clone();
  }

  /** The body as UTF-8 text. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  /** The first value of a header (names compared case-insensitively). */
  public Optional<String> header(String name) {
    return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Header::value).findFirst();
  }

  /** Whether the value of this header was redacted. */
  public boolean isRedacted(String name) {
    return header(name).map(v -> v.contains(REDACTED)).orElse(false);
  }

  /** The same request with {@code edit} applied to the URL, every header value and a textual body. */
  public ExplainedRequest map(UnaryOperator<String> edit) {
    List<Header> h = new ArrayList<>(headers.size());
    headers.forEach(x -> h.add(new Header(x.name(), edit.apply(x.value()))));
    byte[] b = isText() ? edit.apply(bodyText()).getBytes(StandardCharsets.UTF_8) : body;
    return new ExplainedRequest(method, edit.apply(url), h, b, notes);
  }

  /** Whether the body is text (JSON, a form, plain text, or no declared type at all). */
  public boolean isText() {
    String type = header("Content-Type").orElse("").toLowerCase(Locale.ROOT);
    return type.isEmpty() || type.contains("json") || type.startsWith("text/") || type.contains("form-urlencoded")
        || type.contains("xml");
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExplainedRequest r && method.equals(r.method) && url.equals(r.url)
        && headers.equals(r.headers) && Arrays.equals(body, r.body) && notes.equals(r.notes);
  }

  @Override
  public int hashCode() {
    return Objects.hash(method, url, headers, Arrays.hashCode(body), notes);
  }

  /**
   * Shows the request as an HTTP message: request line, headers, a blank line and the body (as text), without
   * credentials ({@link Scrubber#scrubCredentials}: a sink redacts its own, this also catches one in the lead's
   * text). The customer's data is shown as the request holds it: {@code explain} masks it unless asked not to.
   */
  @Override
  public String toString() {
    Scrubber scrubber = Scrubber.standard();
    StringBuilder s = new StringBuilder(method).append(' ').append(scrubber.scrubCredentials(url)).append('\n');
    headers.forEach(h -> s.append(h).append('\n'));
    s.append('\n');
    if (isText()) {
      s.append(scrubber.scrubCredentials(bodyText()));
    } else {
      s.append('(').append(body.length).append(" bytes)");
    }
    return s.toString();
  }

  /**
   * One header as the sink sets it.
   *
   * @param name the header name
   * @param value its value, {@link #REDACTED} (or containing it) for a credential
   */
  public record Header(String name, String value) {
    /** Checks both parts are present. */
    public Header {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(value, "value");
    }

    /** {@code Name: value}, without a credential the value may hold (one the sink redacted is shown so). */
    @Override
    public String toString() {
      String line = name + ": " + value;
      return value.contains(REDACTED) ? line : Scrubber.standard().scrubCredentials(line);
    }
  }

  /** Builds an {@link ExplainedRequest}. */
  public static final class Builder {
    private final String method;
    private final String url;
    private final List<Header> headers = new ArrayList<>();
    private byte[] body = new byte[0];
    private final List<String> notes = new ArrayList<>();

    private Builder(String method, String url) {
      this.method = Objects.requireNonNull(method, "method");
      this.url = Objects.requireNonNull(url, "url");
    }

    /** Adds a header. */
    public Builder header(String name, String value) {
      headers.add(new Header(name, value));
      return this;
    }

    /** Adds a header whose value is a credential: shown as {@link #REDACTED}. */
    public Builder secretHeader(String name) {
      headers.add(new Header(name, REDACTED));
      return this;
    }

    /** Replaces the value of every header of this name (case-insensitive) by {@code value}. */
    public Builder replaceHeader(String name, String value) {
      headers.replaceAll(h -> h.name().equalsIgnoreCase(name) ? new Header(h.name(), value) : h);
      return this;
    }

    /** The body bytes. */
    public Builder body(byte[] body) {
      this.body = Objects.requireNonNull(body, "body").clone();
      return this;
    }

    /** Adds a note for the reader. */
    public Builder note(String note) {
      notes.add(Objects.requireNonNull(note, "note"));
      return this;
    }

    /** The request. */
    public ExplainedRequest build() {
      return new ExplainedRequest(method, url, headers, body, notes);
    }
  }
}
