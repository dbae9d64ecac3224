/**
 * The PostgreSQL journal, shared by several routers: exactly-once claims, shared rate limits and parking,
 * enqueueing in the caller's transaction.
 */
package io.leadrouter.journal.postgres;
