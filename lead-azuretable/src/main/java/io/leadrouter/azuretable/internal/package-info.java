/**
 * Internal: not API. The Azure Table sink's plumbing. May change in any release; use the public packages.
 */
package io.leadrouter.azuretable.internal;
