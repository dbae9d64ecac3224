package io.leadrouter.journal.postgres;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.leadrouter.journal.JournalException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The journal on the application's connection pool (HikariCP): a pool too small for the connections the journal
 * holds is named as the cause (the pool's own message named none, and the journal's advice was to check the URL,
 * user and password).
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ConnectionPoolTest {
  private final String schema = PostgresServer.newSchema();

  private HikariDataSource pool(int size, String name) {
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl("jdbc:postgresql://localhost:" + PostgresServer.port() + "/postgres?ApplicationName=" + name);
    config.setUsername("postgres");
    config.setMaximumPoolSize(size);
    config.setConnectionTimeout(1000);
    return new HikariDataSource(config);
  }

  @Test
  void poolSmallerThanWhatTheJournalHolds_isNamedAsTheCause() {
    try (HikariDataSource pool = pool(1, schema + "-small")) { // opening takes two at once
      assertThatThrownBy(() -> PostgresJournal.builder(pool).schema(schema).build())
          .isInstanceOf(JournalException.class)
          .hasMessageContaining("Connection is not available, request timed out after")
          .hasMessageContaining("the DataSource (a connection pool) gave no connection in time: one journal holds up"
              + " to 3 connections")
          .hasMessageNotContaining("check the DataSource's URL, user and password");
    }
  }
}
