package io.leadrouter.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the real shaded {@code leadrouter.jar} in a subprocess, every wait bounded. */
final class Jar {
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  private Jar() {}

  /** The jar built by the package phase (failsafe passes its path). */
  static Path jar() {
    Path jar = Path.of(System.getProperty("leadrouter.jar", "target/leadrouter.jar"));
    assertThat(jar).as("the shaded jar (run the tests with mvn verify)").isRegularFile();
    return jar;
  }

  /** The repository's examples folder. */
  static Path examples() {
    return Path.of(System.getProperty("leadrouter.examples", "../examples"));
  }

  /** What a finished run printed and returned. */
  record Result(int exit, String out, String err) {
    String all() {
      return out + "\n" + err;
    }
  }

  /** Runs {@code leadrouter args...} in {@code dir} with extra environment variables and stdin. */
  static Result run(Path dir, Map<String, String> env, String stdin, String... args) {
    Process p = start(dir, env, args);
    try {
      // stdout and stderr are drained on their own threads, so a chatty process never blocks on a full pipe
      Drain out = new Drain(p.getInputStream());
      Drain err = new Drain(p.getErrorStream());
      try (var in = p.getOutputStream()) {
        if (stdin != null) {
          in.write(stdin.getBytes(StandardCharsets.UTF_8));
        }
      }
      if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("leadrouter " + String.join(" ", args) + " did not finish within " + TIMEOUT
            + "; output so far:\n" + out.text() + "\n" + err.text());
      }
      return new Result(p.exitValue(), out.join(), err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Runs {@code leadrouter args...} in {@code dir}. */
  static Result run(Path dir, String... args) {
    return run(dir, Map.of(), null, args);
  }

  /** Starts {@code leadrouter args...} without waiting. */
  static Process start(Path dir, Map<String, String> env, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-XX:TieredStopAtLevel=1");
    cmd.add("-Xshare:auto");
    cmd.add("-jar");
    cmd.add(jar().toAbsolutePath().toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().putAll(env);
    try {
      return pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A running {@code leadrouter serve}: the process, the port it printed, and its output so far. */
  record Serve(Process process, int port, Drain out, Drain err) {
    /** The URL of {@code path} on this server. */
    String url(String path) {
      return "http://127.0.0.1:" + port + path;
    }
  }

  private static final java.util.regex.Pattern LISTENING =
      java.util.regex.Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");

  /** Starts {@code leadrouter serve args...} and waits (bounded) until it says where it listens. */
  static Serve serve(Path dir, Map<String, String> env, List<String> args) throws InterruptedException {
    List<String> all = new ArrayList<>(List.of("serve"));
    all.addAll(args);
    Process p = start(dir, env, all.toArray(String[]::new));
    Drain out = new Drain(p.getInputStream());
    Drain err = new Drain(p.getErrorStream());
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline && p.isAlive()) {
      java.util.regex.Matcher m = LISTENING.matcher(out.text());
      if (m.find()) {
        return new Serve(p, Integer.parseInt(m.group(1)), out, err);
      }
      TimeUnit.MILLISECONDS.sleep(50);
    }
    p.destroyForcibly();
    throw new AssertionError("serve did not start:\n" + out.text() + "\n" + err.text());
  }

  private static final java.net.http.HttpClient HTTP = java.net.http.HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  /** POSTs JSON to {@code url} (20 s at most), with extra {@code headers} (name, value, name, value...). */
  static java.net.http.HttpResponse<String> post(String url, String body, String... headers)
      throws IOException, InterruptedException {
    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
        .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return HTTP.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs {@code body} as it is to {@code url} with {@code contentType} (20 s at most). */
  static java.net.http.HttpResponse<String> post(String url, byte[] body, String contentType)
      throws IOException, InterruptedException {
    return HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(20))
        .header("Content-Type", contentType).POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** GETs {@code url} (20 s at most). */
  static java.net.http.HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).timeout(Duration.ofSeconds(20))
        .GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /** Copies the example descriptor and leads into {@code dir}. */
  static Path copyExamples(Path dir) throws IOException {
    Files.copy(examples().resolve("leadrouter.yaml"), dir.resolve("leadrouter.yaml"));
    Files.copy(examples().resolve("leads.ndjson"), dir.resolve("leads.ndjson"));
    return dir.resolve("leadrouter.yaml");
  }

  /**
   * Copies the example leads into {@code dir} and writes a descriptor whose one file sink {@code local} must write to
   * {@code out/leads.ndjson}, where a folder stands: every delivery fails FILE_NOT_WRITABLE (permanent) and is
   * dead-lettered until the folder is deleted (the fix). Returns the descriptor's path.
   */
  static String deadLetteringDescriptor(Path dir) throws IOException {
    Files.copy(examples().resolve("leads.ndjson"), dir.resolve("leads.ndjson"));
    Files.createDirectories(dir.resolve("out/leads.ndjson"));
    return fileDescriptor(dir, "out/leads.ndjson").toString();
  }

  /** Writes a descriptor with one file sink {@code local} writing to {@code sinkPath}. */
  static Path fileDescriptor(Path dir, String sinkPath) throws IOException {
    return fileDescriptor(dir, sinkPath, "", "local");
  }

  /**
   * Writes a descriptor with the file sink {@code local} writing to {@code sinkPath}, then {@code moreSinks} (lines
   * under {@code sinks:}, indented by 2), and the default route {@code [defaults]}.
   */
  static Path fileDescriptor(Path dir, String sinkPath, String moreSinks, String defaults) throws IOException {
    return fileDescriptorWith(dir, sinkPath, moreSinks + "default: [" + defaults + "]\n");
  }

  /**
   * Writes a descriptor with the file sink {@code local} writing to {@code sinkPath}, then {@code rest} as written:
   * more sinks (lines under {@code sinks:}, indented by 2), then the routing ({@code default:}, {@code routes:}).
   */
  static Path fileDescriptorWith(Path dir, String sinkPath, String rest) throws IOException {
    return Files.writeString(dir.resolve("leadrouter.yaml"), """
        journal:
          type: sqlite
          path: out/leadrouter.db
        sinks:
          local:
            type: file
            path: %s
        """.formatted(sinkPath) + rest);
  }

  /**
   * The lines under a descriptor's {@code sinks:} naming a Dynamics sink {@code crm} on a closed port of 127.0.0.1
   * (every call fails at once), its client secret from the variable {@code LR_IT_SECRET}: for the commands that only
   * show or check a CRM sink.
   */
  static final String UNREACHABLE_DYNAMICS = """
        crm:
          type: dynamics
          instanceUrl: http://127.0.0.1:9/
          authorityHost: http://127.0.0.1:9/
          tenantId: 72f988bf-86f1-41af-91ab-2d7cd011db47
          clientId: 11111111-2222-3333-4444-555555555555
          clientSecret: ${LR_IT_SECRET}
          timeout: 2s
      """;

  /** The {@code LeadId} of one line the file sink wrote (the marketplace JSON). */
  static String leadId(String line) {
    return json(line).get("LeadId").asText();
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads JSON the jar printed, answered or wrote; text that is not JSON fails the test, showing it. */
  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  /**
   * The lead ids the file sink wrote to {@code file}, once they include every one of {@code expected} or after 60 s
   * (the caller asserts on what it got), read every 100 ms.
   */
  static List<String> awaitDelivered(Path file, java.util.Collection<String> expected) throws IOException,
      InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<String> delivered = List.of();
    while (System.nanoTime() < deadline) {
      delivered = Files.exists(file) ? lines(file).stream().map(Jar::leadId).toList() : List.of();
      if (delivered.containsAll(expected)) {
        break;
      }
      TimeUnit.MILLISECONDS.sleep(100);
    }
    return delivered;
  }

  /** The non-blank lines of a file, as UTF-8. */
  static List<String> lines(Path file) throws IOException {
    return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> !l.isBlank()).toList();
  }

  /** Collects a stream on a daemon thread. */
  static final class Drain {
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private final Thread thread;

    Drain(InputStream in) {
      thread = new Thread(() -> {
        byte[] b = new byte[8192];
        try (in) {
          for (int n; (n = in.read(b)) > 0; ) {
            synchronized (buffer) {
              buffer.write(b, 0, n);
            }
          }
        } catch (IOException e) {
          // the process ended
        }
      }, "drain");
      thread.setDaemon(true);
      thread.start();
    }

    /** What was read so far. */
    String text() {
      synchronized (buffer) {
        return buffer.toString(StandardCharsets.UTF_8);
      }
    }

    /** Waits (bounded) for the stream's end, then returns everything. */
    String join() throws InterruptedException {
      thread.join(TIMEOUT.toMillis());
      return text();
    }
  }
}
