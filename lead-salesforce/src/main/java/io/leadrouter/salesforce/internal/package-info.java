/**
 * Internal: not API. The Salesforce sinks' plumbing. May change in any release; use the public packages.
 */
package io.leadrouter.salesforce.internal;
