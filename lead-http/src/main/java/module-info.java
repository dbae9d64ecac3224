/**
 * The HTTP toolkit the HTTP-based sinks share (OkHttp client set-up, bounded bodies, Retry-After, failure
 * classification). {@code io.leadrouter.http.internal} is not exported.
 */
module io.leadrouter.http {
  requires transitive io.leadrouter.core;
  requires transitive okhttp3;
  requires okio;
  requires org.slf4j;
  requires com.fasterxml.jackson.databind;

  exports io.leadrouter.http;
}
