/**
 * Internal: not API. The PostgreSQL dialect, the shared rate limiter and the shared-journal plumbing. May change in
 * any release; use the public packages.
 */
package io.leadrouter.journal.postgres.internal;
