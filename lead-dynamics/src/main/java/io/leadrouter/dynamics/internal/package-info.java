/**
 * Internal: not API. The Dynamics sink's plumbing: the Entra ID token client and the lead-to-entity mapping. May
 * change in any release; use the public packages.
 */
package io.leadrouter.dynamics.internal;
