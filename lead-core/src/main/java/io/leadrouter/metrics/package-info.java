/**
 * Micrometer metrics for a router; {@code micrometer-core} is an optional dependency.
 */
package io.leadrouter.metrics;
