/**
 * The journal SPI: what a module needs to put the journal on another database ({@link
 * io.leadrouter.journal.spi.SqlDialect}, {@link io.leadrouter.journal.spi.JdbcJournals}) or to make a journal type
 * available to descriptors and the command line ({@link io.leadrouter.journal.spi.JournalProvider}).
 */
package io.leadrouter.journal.spi;
