/**
 * Internal: not API. The delivery engine: destination workers, the pure delivery decision, event publication,
 * backoff, the sink registry, the guarded tracer. May change in any release; use the public packages.
 */
package io.leadrouter.internal;
