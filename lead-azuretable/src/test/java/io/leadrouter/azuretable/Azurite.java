package io.leadrouter.azuretable;

import com.azure.core.credential.AzureNamedKeyCredential;
import com.azure.data.tables.TableClient;
import com.azure.data.tables.TableClientBuilder;
import io.leadrouter.spi.Secret;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Azurite table service (the npm package the module's build installs into {@code target/azurite}) on a free
 * loopback port. {@link #start()} keeps its data in memory: Azurite's disk persistence (LokiJS) writes the whole
 * database as one JSON document 5 s after each change, on Node's only thread, so a run's tables (120 MB of them by
 * {@code AzureTableLeadPollerMemoryTest}) held every request for seconds at each save, and now and then a poll ran
 * into its request timeout. {@link #startPersistent()} keeps its data in a temporary folder, so it can be stopped and
 * started again on the same port and data (an outage, not a reset): for the tests that stop it, which write little.
 */
final class Azurite implements AutoCloseable {
  /** Azurite's development account. */
  static final String ACCOUNT = "devstoreaccount1";
  /** Azurite's well-known, public development key (documented by Microsoft; not a secret). */
  static final String KEY =
      "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);

  private final Path bin;
  private final Path location;
  private final int port;
  private final boolean persistent;
  private Process process;

  private Azurite(Path bin, Path location, int port, boolean persistent) {
    this.bin = bin;
    this.location = location;
    this.port = port;
    this.persistent = persistent;
  }

  /**
   * Starts Azurite, its data in memory, from the build's install on a free loopback port, or fails saying what to
   * install. Stopped and started again ({@link #ensureRunning}), it starts empty.
   */
  static Azurite start() {
    return start(freePort(), false);
  }

  /**
   * Starts Azurite, its data on disk, from the build's install on a free loopback port: stopped and started again,
   * it holds what it held.
   */
  static Azurite startPersistent() {
    return start(freePort(), true);
  }

  /** Starts Azurite (data in memory) on {@code port} of 127.0.0.1, or fails saying what to install. */
  static Azurite start(int port) {
    return start(port, false);
  }

  private static Azurite start(int port, boolean persistent) {
    String home = System.getProperty("azurite.home", "target/azurite/" + System.getProperty("azurite.version", ""));
    Path bin = Path.of(home, "node_modules", ".bin", "azurite-table").toAbsolutePath();
    requireNode();
    if (!Files.isExecutable(bin)) {
      throw new IllegalStateException("Azurite is not installed at " + bin + ". The build installs it with npm "
          + "(azurite@" + System.getProperty("azurite.version", "?") + ") before the tests: install Node.js 20+ "
          + "and npm (e.g. apt-get install nodejs npm), then run 'mvn verify -pl lead-azuretable' again");
    }
    try {
      Path location = Files.createTempDirectory("azurite-");
      Azurite a = new Azurite(bin, location, port, persistent);
      a.startProcess();
      return a;
    } catch (IOException e) {
      throw new IllegalStateException("cannot start Azurite: " + e.getMessage(), e);
    }
  }

  private static void requireNode() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("'node --version' failed: install Node.js 20+ and npm for the Azurite tests");
      }
    } catch (IOException e) {
      throw new IllegalStateException("Node.js is not on the PATH: the Azure Table tests run against Azurite, "
          + "which needs Node.js 20+ and npm (e.g. apt-get install nodejs npm)", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("cannot find a free port: " + e.getMessage(), e);
    }
  }

  /** Starts it again (same port; same data if {@link #startPersistent persistent}, else empty) if it was stopped. */
  synchronized void ensureRunning() {
    if (process == null || !process.isAlive()) {
      startProcess();
    }
  }

  private synchronized void startProcess() {
    try {
      List<String> command = new ArrayList<>(List.of(bin.toString(), "--tableHost", "127.0.0.1", "--tablePort",
          String.valueOf(port), "--skipApiVersionCheck", "--silent", "--disableTelemetry"));
      // Azurite refuses --location with --inMemoryPersistence: the working folder is the temporary one either way
      command.addAll(persistent ? List.of("--location", location.toString()) : List.of("--inMemoryPersistence"));
      process = new ProcessBuilder(command).directory(location.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(location.resolve("azurite.log").toFile()))
          .start();
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + bin + ": " + e.getMessage(), e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!answers()) {
      if (!process.isAlive()) {
        throw new IllegalStateException("Azurite exited with " + process.exitValue() + ": " + log());
      }
      if (System.nanoTime() > deadline) {
        stop();
        throw new IllegalStateException("Azurite did not answer on port " + port + " within " + START_TIMEOUT
            + ": " + log());
      }
      pause();
    }
  }

  private boolean answers() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Stops it like an operator would (SIGINT: Azurite saves its data and closes), waiting until the port is closed;
   * the process tree is destroyed if it does not exit in time. The data stays on disk for {@link #ensureRunning}.
   */
  synchronized void stop() {
    if (process == null) {
      return;
    }
    try {
      interrupt(process.pid());
      if (!process.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      process.descendants().forEach(ProcessHandle::destroy);
    }
    long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
    while (answers() && System.nanoTime() < deadline) {
      pause();
    }
  }

  /** SIGINT (Azurite's graceful shutdown); where there is no {@code kill} command, a plain destroy. */
  private void interrupt(long pid) throws InterruptedException {
    try {
      Process kill = new ProcessBuilder("kill", "-INT", Long.toString(pid)).redirectErrorStream(true).start();
      if (kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0) {
        return;
      }
    } catch (IOException e) {
      // no kill command (Windows): fall through
    }
    process.destroy();
  }

  private static void pause() {
    try {
      Thread.sleep(50); // polling a port within a bounded wait, not timing a test
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private String log() {
    try {
      return Files.readString(location.resolve("azurite.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  int port() {
    return port;
  }

  /** The table endpoint, {@code http://127.0.0.1:<port>/devstoreaccount1}. */
  URI endpoint() {
    return URI.create("http://127.0.0.1:" + port + "/" + ACCOUNT);
  }

  /** The development account's connection string. */
  Secret connectionString() {
    return Secret.of("DefaultEndpointsProtocol=http;AccountName=" + ACCOUNT + ";AccountKey=" + KEY
        + ";TableEndpoint=" + endpoint() + ";");
  }

  /** A fresh (rotatable) credential with the development key. */
  static AzureNamedKeyCredential credential() {
    return new AzureNamedKeyCredential(ACCOUNT, KEY);
  }

  /** A plain SDK client, to look at what is really in a table. */
  TableClient table(String name) {
    return new TableClientBuilder().endpoint(endpoint().toString()).credential(credential()).tableName(name)
        .buildClient();
  }

  /**
   * The settle delay the tests' pollers use ({@code settleDelayBelowMinimum}): Azurite is one process on this host,
   * whose rows are visible once written, so the service's minimum of 1 s would only make each poll wait.
   */
  static final Duration SETTLE = Duration.ofMillis(100);

  /**
   * {@code poller}, once every row of its table is older than {@link #SETTLE} on Azurite's clock (which a poller reads
   * from the {@code Date} of its answer, in whole seconds), so its next poll takes them all: waits at most
   * {@code SETTLE} plus a second. Returns at once when the table is missing or Azurite is down.
   */
  AzureTableLeadPoller settled(AzureTableLeadPoller poller) {
    awaitSettled(poller.tableName());
    return poller;
  }

  /** Waits until every row of {@code table} is older than {@link #SETTLE} on Azurite's clock (see {@link #settled}). */
  void awaitSettled(String table) {
    TableClient client = new TableClientBuilder().endpoint(endpoint().toString()).credential(credential())
        .tableName(table).retryOptions(new com.azure.core.http.policy.RetryOptions(
            new com.azure.core.http.policy.FixedDelayOptions(0, Duration.ofMillis(1)))).buildClient();
    java.time.Instant latest = null;
    for (int attempt = 0; attempt < 3 && latest == null; attempt++) {
      try {
        java.time.Instant last = java.time.Instant.EPOCH;
        for (var row : client.listEntities(new com.azure.data.tables.models.ListEntitiesOptions()
            .setSelect(java.util.List.of("Timestamp")), Duration.ofSeconds(30), null)) {
          java.time.Instant ts = row.getTimestamp().toInstant();
          last = ts.isAfter(last) ? ts : last;
        }
        latest = last;
      } catch (RuntimeException e) {
        if (e instanceof com.azure.data.tables.models.TableServiceException t
            && t.getResponse().getStatusCode() == 404) {
          return; // no table: nothing to wait for
        }
        // Azurite stopped or restarted (a pooled connection reset): asked again, then waited for as if just written
      }
    }
    if (latest == null) {
      latest = java.time.Instant.now();
    }
    // a poll takes a row once its Date header (whole seconds of this host's clock: Azurite runs here) minus SETTLE is
    // after the row's Timestamp, i.e. from the second after the one holding Timestamp + SETTLE
    java.time.Instant settled = latest.plus(SETTLE).truncatedTo(java.time.temporal.ChronoUnit.SECONDS).plusSeconds(1)
        .plusMillis(20);
    long wait = Duration.between(java.time.Instant.now(), settled).toMillis();
    if (wait > 0) {
      try {
        Thread.sleep(wait); // until an instant computed from the rows, not a guess
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A table name no other test uses. */
  static String uniqueTable(String prefix) {
    return prefix + Long.toHexString(System.nanoTime()) + Integer.toHexString((int) (Math.random() * 0xFFFF));
  }

  /** Creates a table no other test uses, its name starting with {@code prefix}; returns the name. */
  String createTable(String prefix) {
    String name = uniqueTable(prefix);
    table(name).createTable();
    return name;
  }

  @Override
  public void close() {
    stop();
    try (var files = Files.walk(location)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // a temp folder left behind is harmless
    }
  }
}
