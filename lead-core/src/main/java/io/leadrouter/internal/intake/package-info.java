/**
 * Internal: not API. Lossless intake: the strict reader and normaliser of marketplace leads. May change in any
 * release; use the public packages.
 */
package io.leadrouter.internal.intake;
