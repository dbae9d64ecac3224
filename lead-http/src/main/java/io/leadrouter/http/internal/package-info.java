/**
 * Internal: not API. The HTTP toolkit's plumbing: the interceptor sending the delivery attempt's {@code
 * traceparent}. May change in any release; use the public packages.
 */
package io.leadrouter.http.internal;
