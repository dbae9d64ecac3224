package io.leadrouter.azuretable.internal;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import io.leadrouter.spi.Scrubber;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The Azure SDK's HTTP client with every answer that is not a success (3xx, 4xx, 5xx) scrubbed before the SDK reads it.
 * The SDK logs through SLF4J by itself: its {@code ClientLogger} writes a service exception's message, which quotes
 * the error body, at WARN/ERROR, under {@code com.azure.*} loggers LeadRouter does not own and whatever level the
 * application gives them. A body or header echoing the SAS signature, an account key or a customer's e-mail (a proxy,
 * a hostile endpoint, a service quoting the entity it refused) would be logged raw there, and kept raw in the
 * exception the SDK throws. Scrubbing the answer where it enters the SDK cleans both, whatever the log level. Bodies
 * and header values are scrubbed with {@link Scrubber#standard()} (live secrets in all their encodings, credentials by
 * name, e-mails and phones masked); error codes ({@code x-ms-error-code}, {@code odata.error.code}) and
 * {@code Retry-After} carry none of these and are kept as sent. Success answers are not touched: they are the rows the
 * poller reads. An error body is read up to {@value #MAX_ERROR_BYTES} bytes, the rest dropped. A success body is read
 * up to the client's bound (the largest answer the Table service sends to its requests) and fails past it: an endpoint
 * flooding an endless answer (not the Table service, or something between altering its answers) was read into memory
 * until the request timed out, gigabytes on a fast link.
 */
public final class ScrubbingHttpClient implements HttpClient {
  /** Most bytes of an error body kept (the service's own are a few hundred bytes). */
  static final int MAX_ERROR_BYTES = 64 * 1024;
  /** Default bound of a success answer's body: larger than any answer the Table service sends to a sink's request. */
  public static final long DEFAULT_MAX_ANSWER_BYTES = 64L << 20;
  /** The Azure SDK's context key asking its HTTP client to read an answer's body whole before returning it. */
  private static final String EAGERLY_READ_RESPONSE = "azure-eagerly-read-response";
  private final HttpClient delegate;
  private final long maxAnswerBytes;

  /** {@code delegate} with its non-success answers scrubbed, success bodies bounded by the default. */
  public ScrubbingHttpClient(HttpClient delegate) {
    this(delegate, DEFAULT_MAX_ANSWER_BYTES);
  }

  /** {@code delegate} with its non-success answers scrubbed and a success body failing past {@code maxAnswerBytes}. */
  public ScrubbingHttpClient(HttpClient delegate, long maxAnswerBytes) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    if (maxAnswerBytes < 1) {
      throw new IllegalArgumentException("maxAnswerBytes must be >= 1: " + maxAnswerBytes);
    }
    this.maxAnswerBytes = maxAnswerBytes;
  }

  @Override
  public Mono<HttpResponse> send(HttpRequest request) {
    return delegate.send(request).flatMap(this::scrubbed);
  }

  @Override
  public Mono<HttpResponse> send(HttpRequest request, Context context) {
    return delegate.send(request, lazily(context)).flatMap(this::scrubbed);
  }

  @Override
  public HttpResponse sendSync(HttpRequest request, Context context) {
    HttpResponse response = delegate.sendSync(request, lazily(context));
    if (response.getStatusCode() < 300) {
      return new Bounded(response, maxAnswerBytes);
    }
    try (response; InputStream in = response.getBodyAsBinaryData().toStream()) {
      return new Scrubbed(response, in.readNBytes(MAX_ERROR_BYTES));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@code context} asking the SDK's HTTP client not to read the body before answering: the SDK asks its Netty client
   * to read a body whole first (eagerly), which no bound set here would then limit; read lazily, through
   * {@link Bounded}, it is bounded.
   */
  private static Context lazily(Context context) {
    return (context == null ? Context.NONE : context).addData(EAGERLY_READ_RESPONSE, false);
  }

  private Mono<HttpResponse> scrubbed(HttpResponse response) {
    if (response.getStatusCode() < 300) {
      return Mono.just(new Bounded(response, maxAnswerBytes));
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    return response.getBody()
        .doOnNext(b -> {
          ByteBuffer copy = b.duplicate();
          byte[] chunk = new byte[Math.min(copy.remaining(), MAX_ERROR_BYTES - body.size())];
          copy.get(chunk);
          body.writeBytes(chunk);
        })
        .takeUntil(b -> body.size() >= MAX_ERROR_BYTES)
        .then(Mono.fromCallable(() -> {
          response.close();
          return (HttpResponse) new Scrubbed(response, body.toByteArray());
        }));
  }

  /** A success answer as sent, its body failing once it passes {@code max} bytes (the connection is then closed). */
  private static final class Bounded extends HttpResponse {
    private final HttpResponse original;
    private final long max;

    Bounded(HttpResponse original, long max) {
      super(original.getRequest());
      this.original = original;
      this.max = max;
    }

    @Override
    public int getStatusCode() {
      return original.getStatusCode();
    }

    @Override
    @Deprecated
    public String getHeaderValue(String name) {
      return original.getHeaders().getValue(HttpHeaderName.fromString(name));
    }

    @Override
    public HttpHeaders getHeaders() {
      return original.getHeaders();
    }

    @Override
    public Flux<ByteBuffer> getBody() {
      return Flux.defer(() -> {
        long[] seen = {0};
        return original.getBody().handle((b, sink) -> {
          seen[0] += b.remaining();
          if (seen[0] > max) {
            sink.error(new UncheckedIOException(new AnswerTooLongException(getRequest().getUrl().getHost(), max)));
          } else {
            sink.next(b);
          }
        });
      });
    }

    @Override
    public Mono<byte[]> getBodyAsByteArray() {
      return getBody().collect(ByteArrayOutputStream::new, (out, b) -> {
        ByteBuffer copy = b.duplicate();
        byte[] chunk = new byte[copy.remaining()];
        copy.get(chunk);
        out.writeBytes(chunk);
      }).map(ByteArrayOutputStream::toByteArray).filter(b -> b.length > 0); // no body: empty, as the client's
    }

    // getBodyAsBinaryData(): HttpResponse's own, lazy over getBody(), so never blocking a reactor thread

    @Override
    public Mono<String> getBodyAsString() {
      return getBodyAsString(StandardCharsets.UTF_8);
    }

    @Override
    public Mono<String> getBodyAsString(Charset charset) {
      return getBodyAsByteArray().map(b -> new String(b, charset));
    }

    @Override
    public void close() {
      original.close();
    }
  }

  /** A buffered answer with its header values and body scrubbed. */
  private static final class Scrubbed extends HttpResponse {
    private final int status;
    private final HttpHeaders headers = new HttpHeaders();
    private final byte[] body;

    Scrubbed(HttpResponse original, byte[] raw) {
      super(original.getRequest());
      Scrubber scrubber = Scrubber.standard();
      this.status = original.getStatusCode();
      for (HttpHeader h : original.getHeaders()) {
        h.getValuesList().forEach(v -> headers.add(h.getName(), scrubber.scrub(v)));
      }
      this.body = scrubber.scrub(new String(raw, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8);
      headers.set(HttpHeaderName.CONTENT_LENGTH, String.valueOf(body.length));
    }

    @Override
    public int getStatusCode() {
      return status;
    }

    @Override
    @Deprecated
    public String getHeaderValue(String name) {
      return headers.getValue(HttpHeaderName.fromString(name));
    }

    @Override
    public HttpHeaders getHeaders() {
      return headers;
    }

    @Override
    public Flux<ByteBuffer> getBody() {
      return Flux.defer(() -> Flux.just(ByteBuffer.wrap(body).asReadOnlyBuffer()));
    }

    @Override
    public BinaryData getBodyAsBinaryData() {
      return BinaryData.fromBytes(body);
    }

    @Override
    public Mono<byte[]> getBodyAsByteArray() {
      return Mono.fromSupplier(body::clone);
    }

    @Override
    public Mono<String> getBodyAsString() {
      return getBodyAsString(StandardCharsets.UTF_8);
    }

    @Override
    public Mono<String> getBodyAsString(Charset charset) {
      return Mono.fromSupplier(() -> new String(body, charset));
    }
  }
}
