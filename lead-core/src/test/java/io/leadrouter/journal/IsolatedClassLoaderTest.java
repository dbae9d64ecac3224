package io.leadrouter.journal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The journal opened from a class loader of its own (an application server, a plugin host, the shared perf
 * harness), whose parent knows nothing of LeadRouter or SQLite: {@code DriverManager} would not see the loader's
 * driver, so the journal opens through the driver's own DataSource; without the driver it says the driver is
 * missing, never that the file may be damaged.
 */
class IsolatedClassLoaderTest {
  @TempDir
  Path dir;

  /** The test's class path (surefire's, or the JVM's), minus test classes and whatever {@code drop} matches. */
  private static URLClassLoader isolated(Predicate<String> drop) throws Exception {
    String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<URL> urls = new ArrayList<>();
    for (String entry : cp.split(File.pathSeparator)) {
      if (entry.isBlank() || entry.contains("test-classes") || drop.test(entry)) {
        continue;
      }
      urls.add(Path.of(entry).toUri().toURL());
    }
    return new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
  }

  private static Object open(ClassLoader loader, Path file) throws Throwable {
    Class<?> journals = Class.forName(SqliteJournal.class.getName(), true, loader);
    assertThat(journals.getClassLoader()).isSameAs(loader);
    Method open = journals.getMethod("open", Path.class);
    try {
      return open.invoke(null, file);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @Test
  void opens_whenTheDriverIsOnlyInTheLoadersOwnClassPath() throws Throwable {
    try (URLClassLoader loader = isolated(entry -> false)) {
      Object journal = open(loader, dir.resolve("isolated.db"));
      journal.getClass().getMethod("close").invoke(journal);
    }

    assertThat(dir.resolve("isolated.db")).exists();
  }

  @Test
  void theInMemoryJournal_opensToo_whenTheDriverIsOnlyInTheLoadersOwnClassPath() throws Throwable {
    try (URLClassLoader loader = isolated(entry -> false)) {
      Class<?> journals = Class.forName(InMemoryJournal.class.getName(), true, loader);
      Object journal = journals.getMethod("create").invoke(null);
      assertThat(journal.getClass().getClassLoader()).isSameAs(loader);
      Class<?> api = Class.forName(LeadJournal.class.getName(), true, loader);
      assertThat(api.getMethod("counts").invoke(journal)).as("a working journal").isNotNull();
      api.getMethod("close").invoke(journal);
    }
  }

  @Test
  void withoutTheDriver_theInMemoryJournal_saysTheDriverIsMissing() throws Throwable {
    Throwable failure;
    try (URLClassLoader loader = isolated(entry -> entry.contains("sqlite-jdbc"))) {
      try {
        Class.forName(InMemoryJournal.class.getName(), true, loader).getMethod("create").invoke(null);
        failure = null;
      } catch (InvocationTargetException e) {
        failure = e.getCause();
      }
    }

    assertThat(failure).isNotNull();
    assertThat(failure.getClass().getName()).isEqualTo(JournalException.class.getName());
    assertThat(failure.getMessage()).contains("SQLite JDBC driver is missing", "org.xerial:sqlite-jdbc");
  }

  @Test
  void withoutTheDriver_saysTheDriverIsMissing_notThatTheFileIsDamaged() throws Throwable {
    Path file = dir.resolve("nodriver.db");
    Throwable failure;
    try (URLClassLoader loader = isolated(entry -> entry.contains("sqlite-jdbc"))) {
      try {
        open(loader, file);
        failure = null;
      } catch (Throwable t) {
        failure = t;
      }
    }

    assertThat(failure).isNotNull();
    assertThat(failure.getClass().getName()).isEqualTo(JournalException.class.getName());
    assertThat(failure.getMessage()).contains("SQLite JDBC driver is missing", "org.xerial:sqlite-jdbc")
        .doesNotContain("damaged", "backup");
    assertThat(Files.exists(file)).as("no journal file is created without a driver").isFalse();
  }
}
