/**
 * Internal: not API. The starter's plumbing (environment binding, lifecycle, conditions, failure analysis). May
 * change in any release; use the public packages.
 */
package io.leadrouter.spring.internal;
