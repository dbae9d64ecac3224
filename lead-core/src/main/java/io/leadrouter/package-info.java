/**
 * The public API: {@code Lead} and its parts, {@code LeadRouter} and its builder, routing rules, router
 * descriptors, receipts, events and listeners, delivery policies and the tracing seam.
 */
package io.leadrouter;
