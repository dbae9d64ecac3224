/**
 * Internal: not API. Reading and validating router descriptors. May change in any release; use the public packages.
 */
package io.leadrouter.internal.descriptor;
