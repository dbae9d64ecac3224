/**
 * Spring Boot auto-configuration of a {@code LeadRouter} from {@code leadrouter.*}: health per destination,
 * metrics, traces, graceful shutdown.
 */
package io.leadrouter.spring;
