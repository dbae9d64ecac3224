/**
 * The Marketo REST sink ({@code type: marketo}): {@code createOrUpdate} in batches, or {@code submitForm}.
 */
package io.leadrouter.marketo;
