/**
 * Internal: not API. The JDBC journal and its SQLite dialect. May change in any release; use the public packages.
 */
package io.leadrouter.internal.journal;
