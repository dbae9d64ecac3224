/**
 * LeadRouter's core: the router, the lead model, the sink SPI, the journals (SQLite, in-memory) and the file sink.
 * {@code io.leadrouter.internal} and its sub-packages are not exported: they are not API.
 */
module io.leadrouter.core {
  requires transitive java.sql;
  requires org.slf4j;
  requires com.fasterxml.jackson.databind;
  requires com.fasterxml.jackson.dataformat.yaml;
  requires org.yaml.snakeyaml;
  requires io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.ratelimiter;
  requires org.xerial.sqlitejdbc;
  // optional: only MicrometerLeadListener and OpenTelemetryTracing use them, and only if the caller has them
  requires static micrometer.core;
  requires static io.opentelemetry.api;
  requires static io.opentelemetry.context;

  exports io.leadrouter;
  exports io.leadrouter.file;
  exports io.leadrouter.journal;
  exports io.leadrouter.journal.spi;
  exports io.leadrouter.metrics;
  exports io.leadrouter.otel;
  exports io.leadrouter.spi;

  uses io.leadrouter.spi.LeadSinkProvider;
  uses io.leadrouter.journal.spi.JournalProvider;

  provides io.leadrouter.spi.LeadSinkProvider with io.leadrouter.file.FileSinkProvider;
}
