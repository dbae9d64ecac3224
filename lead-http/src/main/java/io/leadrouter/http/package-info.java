/**
 * What the OkHttp-based sinks share, as OpenTelemetry's exporters share {@code sender/okhttp}: clients derived from
 * one shared client ({@link io.leadrouter.http.HttpClients}), bounded body reading ({@link io.leadrouter.http.Bodies}),
 * answers with their {@code Retry-After} ({@link io.leadrouter.http.HttpAnswer}) and failure classification
 * ({@link io.leadrouter.http.HttpFailures}), and the base of their builders ({@link io.leadrouter.http.HttpSinkBuilder}).
 * For sink authors; applications do not need it.
 */
package io.leadrouter.http;
