/**
 * Internal: not API. The webhook sink's plumbing: signing keys, header maps, answer classification, the ids
 * recently sent, URLs shown without their secrets. May change in any release; use the public packages.
 */
package io.leadrouter.https.internal;
