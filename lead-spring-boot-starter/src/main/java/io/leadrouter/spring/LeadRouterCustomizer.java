package io.leadrouter.spring;

import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterBuilder;

/**
 * Adjusts the auto-configured router's builder before it is built: declare a bean of this type to add sinks,
 * listeners or a journal in code (e.g. {@code builder -> builder.journal(PostgresJournal.using(dataSource))}).
 * Customizers run in {@link org.springframework.core.Ordered} order, after the {@code leadrouter.*} settings.
 */
@FunctionalInterface
public interface LeadRouterCustomizer {
  /** Adjusts the builder. */
  void customize(LeadRouterBuilder builder);
}
