/**
 * The PostgreSQL journal ({@code journal: type: postgresql}), built on core's published journal SPI
 * ({@code io.leadrouter.journal.spi}). The JDBC driver is the application's ({@code org.postgresql.jdbc}, provided
 * scope): add it to the module path. {@code io.leadrouter.journal.postgres.internal} is not exported.
 */
module io.leadrouter.journal.postgres {
  requires transitive io.leadrouter.core;
  requires transitive java.sql;
  requires static org.postgresql.jdbc;
  requires org.slf4j;

  exports io.leadrouter.journal.postgres;

  provides io.leadrouter.journal.spi.JournalProvider with io.leadrouter.journal.postgres.PostgresJournalProvider;
}
