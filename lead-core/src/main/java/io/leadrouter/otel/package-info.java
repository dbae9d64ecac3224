/**
 * OpenTelemetry tracing for a router; {@code opentelemetry-api} is an optional dependency, loaded only through this
 * package.
 */
package io.leadrouter.otel;
