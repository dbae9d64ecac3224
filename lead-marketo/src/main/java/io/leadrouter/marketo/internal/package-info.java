/**
 * Internal: not API. The Marketo sink's plumbing. May change in any release; use the public packages.
 */
package io.leadrouter.marketo.internal;
