/**
 * The built-in file sink ({@code type: file}): the marketplace JSON appended one lead per line, fsynced, idempotent
 * by lead id.
 */
package io.leadrouter.file;
