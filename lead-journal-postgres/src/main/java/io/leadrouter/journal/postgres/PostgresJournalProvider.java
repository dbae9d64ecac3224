package io.leadrouter.journal.postgres;

import io.leadrouter.ConfigurationException;
import io.leadrouter.RouterDescriptor.JournalSettings;
import io.leadrouter.journal.LeadJournal;
import io.leadrouter.journal.spi.JournalProvider;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Opens {@code journal: {type: postgresql, url: ..., user: ..., password: ${ENV}, schema: ...}} from descriptors and
 * {@code leadrouter ... --journal postgresql://...}. The URL is libpq's form ({@code postgresql://[user@]host[:port]/
 * database[?param=value]}) or the JDBC driver's ({@code jdbc:postgresql://...}); a password in the URL is refused
 * (it would show in process lists and logs): give it as {@code password: ${ENV_VAR}}.
 */
public final class PostgresJournalProvider implements JournalProvider {
  /** How long connecting may take, unless the URL sets {@code loginTimeout}. */
  static final int LOGIN_TIMEOUT_SECONDS = 15;

  /** Used by {@link java.util.ServiceLoader}. */
  public PostgresJournalProvider() {}

  @Override
  public String type() {
    return JournalSettings.POSTGRESQL;
  }

  @Override
  public LeadJournal open(JournalSettings settings) {
    PGSimpleDataSource ds = dataSource(settings.url().orElseThrow(() -> new ConfigurationException("journal.url",
        "is required by the postgresql journal", "write e.g. url: postgresql://db.internal:5432/sales")),
        settings.user());
    settings.password().ifPresent(p -> ds.setPassword(p.reveal()));
    PostgresJournal.Builder b = PostgresJournal.builder(ds);
    settings.schema().ifPresent(s -> {
      try {
        b.schema(s);
      } catch (IllegalArgumentException e) {
        throw new ConfigurationException("journal.schema", e.getMessage(), "use e.g. schema: leadrouter");
      }
    });
    return b.build();
  }

  /** A data source for the URL; {@code user} overrides the URL's. */
  static PGSimpleDataSource dataSource(String url, Optional<String> user) {
    String text = url.strip();
    String lower = text.toLowerCase(Locale.ROOT);
    String jdbc;
    Optional<String> urlUser = Optional.empty();
    if (lower.startsWith("jdbc:postgresql:")) {
      jdbc = text;
      // the driver does not read user:password@host: it would take it for a host name and show it in errors
      int start = lower.startsWith("jdbc:postgresql://") ? "jdbc:postgresql://".length() : -1;
      if (start > 0) {
        int end = text.indexOf('/', start);
        String authority = text.substring(start, end < 0 ? text.length() : end);
        int query = authority.indexOf('?');
        if ((query < 0 ? authority : authority.substring(0, query)).contains("@")) {
          throw new ConfigurationException("journal.url", "holds user information (user@ or user:password@)",
              "remove it from the URL: give the user as user: and the password as password: ${ENV_VAR} (or the"
                  + " --journal-password-env variable)");
        }
      }
    } else if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
      URI uri;
      try {
        uri = new URI(text);
      } catch (URISyntaxException e) {
        throw new ConfigurationException("journal.url", "is not a valid URL: " + e.getReason(),
            "write it as postgresql://host:5432/database");
      }
      String info = uri.getRawUserInfo();
      if (info != null && info.contains(":")) {
        throw new ConfigurationException("journal.url", "holds a password",
            "remove it from the URL and give it as password: ${ENV_VAR} (or the --journal-password-env variable)");
      }
      if (uri.getHost() == null) {
        throw new ConfigurationException("journal.url", "names no host", "write it as postgresql://host:5432/database");
      }
      urlUser = Optional.ofNullable(info).filter(s -> !s.isEmpty());
      jdbc = "jdbc:postgresql://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
          + (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
          + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
    } else {
      throw new ConfigurationException("journal.url", "is not a PostgreSQL URL",
          "write it as postgresql://host:5432/database");
    }
    if (lower.contains("password=")) {
      throw new ConfigurationException("journal.url", "holds a password",
          "remove it from the URL and give it as password: ${ENV_VAR} (or the --journal-password-env variable)");
    }
    PGSimpleDataSource ds = new PGSimpleDataSource();
    try {
      ds.setURL(jdbc);
    } catch (IllegalArgumentException e) {
      throw new ConfigurationException("journal.url", "is not a valid PostgreSQL URL: " + e.getMessage(),
          "write it as postgresql://host:5432/database");
    }
    Optional<String> fromUrl = urlUser;
    user.or(() -> fromUrl).ifPresent(ds::setUser);
    ds.setApplicationName("leadrouter");
    if (!lower.contains("logintimeout=")) {
      // the driver's default waits for ever for a server that accepts the connection and never answers (a hung
      // server, a proxy without a backend): opening, and every reconnect after a restart, would hang with it
      ds.setLoginTimeout(LOGIN_TIMEOUT_SECONDS);
    }
    return ds;
  }
}
