/**
 * Internal: not API. The command's plumbing: the lead receiver and server of {@code serve}, progress and event
 * printing, tables, time arguments. May change in any release; use the public packages.
 */
package io.leadrouter.cli.internal;
