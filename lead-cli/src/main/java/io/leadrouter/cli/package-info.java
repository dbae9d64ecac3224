/**
 * The {@code leadrouter} command: route, serve, verify, inspect and replay from a shell.
 */
package io.leadrouter.cli;
