package io.leadrouter.cli;

import io.leadrouter.LeadRouter;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.cli.internal.EventPrinter;
import io.leadrouter.cli.internal.LeadReceiver;
import io.leadrouter.cli.internal.LeadServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import io.leadrouter.https.WebhookVerifier;
import io.leadrouter.spi.Secret;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code leadrouter serve}: an HTTP receiver to set as the marketplace's "HTTPS endpoint" destination (behind a TLS
 * reverse proxy). Leads posted to {@code /leads/<token>} are validated, routed durably and answered 202 once stored.
 */
@Command(name = "serve", description = {
    "Receives the marketplace's lead POSTs on /leads/<token> (and/or Standard Webhooks signed POSTs on /leads) and "
        + "routes them durably; GET /health reports the journal and per-destination counts.",
    "The token is read from an environment variable or a file, never from the command line. Stop with SIGTERM "
        + "(Ctrl-C): accepted leads not yet delivered stay in the journal."})
final class ServeCommand extends DescriptorCommand {
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9._~-]{16,256}");
  /** Largest token or webhook secret file read: far above a 256-character token or a few rotated secrets. */
  private static final int MAX_SECRET_FILE_BYTES = 64 * 1024;
  /**
   * The largest {@code --max-body-bytes}: the codec's limit on one lead, the same as a line of {@code route -}. Every
   * open connection may hold a body this size being read (at most {@code --max-connections} of them), so a larger
   * value let one client make the server buffer gigabytes.
   */
  static final int MAX_BODY_BYTES = MarketplaceCodec.DEFAULT_MAX_BODY_BYTES;
  /**
   * The most {@code --threads}: each waits on a journal commit, which group-commits, so more only cost memory (the
   * queue is 16 per thread: 100000000 ran out of heap before listening, exit 1).
   */
  static final int MAX_THREADS = 1024;

  @Option(names = "--port", required = true, description = "the port to listen on (0: any free port, printed)")
  int port;

  @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDRESS",
      description = "the address to listen on (default ${DEFAULT-VALUE}; put a TLS reverse proxy in front)")
  String bind;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  TokenSource token;

  @ArgGroup(exclusive = true, multiplicity = "0..1")
  WebhookSecretSource webhookSecret;

  @Option(names = "--max-body-bytes", defaultValue = "65536",
      description = "largest accepted body (default ${DEFAULT-VALUE}, at most 1048576; a marketplace lead is a few"
          + " KiB)")
  long maxBodyBytes; // a long, so that 10000000000 is refused with the maximum rather than as "not an int"

  @Option(names = "--threads", defaultValue = "8",
      description = "threads answering complete requests (default ${DEFAULT-VALUE}); reading requests takes none")
  int threads;

  @Option(names = "--header-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "a connection's request headers must arrive within this (default ${DEFAULT-VALUE})")
  Duration headerTimeout;

  @Option(names = "--body-timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "a request's body must arrive within this after its headers (default ${DEFAULT-VALUE})")
  Duration bodyTimeout;

  @Option(names = "--min-body-rate", defaultValue = "1024", paramLabel = "BYTES_PER_SECOND",
      description = "a body slower than this after its first 2 s is cut off (default ${DEFAULT-VALUE}; 0: no check)")
  int minBodyRate;

  @Option(names = "--idle-timeout", defaultValue = "30s", converter = DurationConverter.class,
      description = "a connection silent this long is closed (default ${DEFAULT-VALUE})")
  Duration idleTimeout;

  @Option(names = "--max-connections", defaultValue = "1000",
      description = "open connections in all; more wait to be accepted (default ${DEFAULT-VALUE})")
  int maxConnections;

  @Option(names = "--max-connections-per-client", defaultValue = "100", paramLabel = "N",
      description = "open connections from one address (IPv6: one /64); more are closed at once (default ${DEFAULT-VALUE}; behind a"
          + " reverse proxy every client has the proxy's address)")
  int maxConnectionsPerClient;

  /** Where the secret path token comes from. */
  static final class TokenSource {
    @Option(names = "--token-env", paramLabel = "NAME", required = true,
        description = "the environment variable holding the secret token of the /leads/<token> path")
    String env;

    @Option(names = "--token-file", paramLabel = "FILE", required = true,
        description = "a file holding the secret token of the /leads/<token> path")
    Path file;
  }

  /** Where the Standard Webhooks signing secrets come from. */
  static final class WebhookSecretSource {
    @Option(names = "--webhook-secret-env", paramLabel = "NAME", required = true,
        description = "the environment variable holding the Standard Webhooks secret(s) (whsec_..., several "
            + "separated by spaces during rotation) that sign posts to /leads")
    String env;

    @Option(names = "--webhook-secret-file", paramLabel = "FILE", required = true,
        description = "a file holding the Standard Webhooks secret(s) that sign posts to /leads")
    Path file;
  }

  @Override
  int run(PrintWriter out) throws IOException, InterruptedException {
    if (token == null && webhookSecret == null) {
      throw usage("give --token-env/--token-file (posts to /leads/<token>), "
          + "--webhook-secret-env/--webhook-secret-file (signed posts to /leads), or both");
    }
    Optional<String> secret = token == null ? Optional.empty() : Optional.of(readToken());
    Optional<WebhookVerifier> verifier = webhookSecret == null ? Optional.empty() : Optional.of(readVerifier());
    if (port < 0 || port > 65535) {
      throw usage("--port: " + port + " is not a port (0-65535)");
    }
    if (maxBodyBytes < 1024) {
      throw usage("--max-body-bytes: at least 1024");
    }
    if (maxBodyBytes > MAX_BODY_BYTES) {
      throw usage("--max-body-bytes: " + maxBodyBytes + " is over the maximum of " + MAX_BODY_BYTES + " (1 MiB, the"
          + " largest lead the codec reads; every connection may buffer a body this size): give at most "
          + MAX_BODY_BYTES + " (a marketplace lead is a few KiB; the default 65536 fits every one)");
    }
    // named as written on the command line (the limits' own check said "headerTimeout must be positive: PT0S")
    List<String> problems = new ArrayList<>();
    positive(problems, "--header-timeout", headerTimeout);
    positive(problems, "--body-timeout", bodyTimeout);
    positive(problems, "--idle-timeout", idleTimeout);
    atLeast(problems, "--min-body-rate", minBodyRate, 0);
    atLeast(problems, "--max-connections", maxConnections, 1);
    atLeast(problems, "--max-connections-per-client", maxConnectionsPerClient, 1);
    atLeast(problems, "--threads", threads, 1);
    if (threads > MAX_THREADS) {
      problems.add("--threads: " + threads + " is over the maximum of " + MAX_THREADS + " (each waits on a journal"
          + " commit; the default 8 takes hundreds of leads a second)");
    }
    if (!problems.isEmpty()) {
      throw usage(String.join("; ", problems));
    }
    InetAddress address;
    try {
      address = InetAddress.getByName(bind);
    } catch (java.net.UnknownHostException e) {
      // it was "unexpected error: java.net.UnknownHostException" with a stack trace, exit 3
      throw usage("--bind: '" + bind + "' is no address or host name this machine can resolve: give an address of"
          + " this machine (127.0.0.1, the default; 0.0.0.0 for all)");
    }
    EventPrinter printer = new EventPrinter(out);
    LeadRouter router = options.router(printer);
    LeadServer server;
    try {
      LeadReceiver receiver = new LeadReceiver(router, secret, verifier, (int) maxBodyBytes, printer);
      server = LeadServer.start(new InetSocketAddress(address, port), receiver,
          new LeadServer.Limits(headerTimeout, bodyTimeout, minBodyRate, idleTimeout, maxConnections,
              maxConnectionsPerClient, threads));
    } catch (IOException | RuntimeException e) {
      router.close(Duration.ofSeconds(5));
      Optional<java.net.BindException> bindFailure = bindFailure(e);
      if (bindFailure.isPresent()) {
        // a port in use or an address not this machine's: said with the fix (it was "unexpected error: Failed to
        // bind" and a stack trace)
        err().println("leadrouter: " + cannotListen(bindFailure.get()));
        return Main.ERROR;
      }
      throw e;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      out.println("leadrouter serve: stopping");
      server.close();
      router.close(Duration.ofSeconds(10));
      out.println("leadrouter serve: stopped; undelivered leads stay in the journal");
      out.flush();
      stopped.countDown();
    }, "leadrouter-shutdown"));
    // an IPv6 address in brackets, as a URL writes it: "http://::1:8080" is no URL an operator can paste
    String host = bind.indexOf(':') >= 0 && !bind.startsWith("[") ? "[" + bind + "]" : bind;
    out.println("leadrouter serve: listening on http://" + host + ":" + server.port()
        + " (" + (secret.isPresent() ? "POST " + LeadReceiver.LEADS_PREFIX + "<token>, " : "")
        + (verifier.isPresent() ? "POST " + LeadReceiver.SIGNED + " signed, " : "")
        + "GET " + LeadReceiver.HEALTH + "); destinations: "
        + String.join(", ", router.destinations()));
    stopped.await();
    return Main.OK;
  }

  /** The {@link java.net.BindException} among {@code e} and its causes, if any. */
  private static Optional<java.net.BindException> bindFailure(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
      if (c instanceof java.net.BindException b) {
        return Optional.of(b);
      }
    }
    return Optional.empty();
  }

  /** Why serve cannot listen on {@code --bind}:{@code --port}, and what to do. */
  private String cannotListen(java.net.BindException e) {
    String reason = String.valueOf(e.getMessage());
    String where = "cannot listen on " + bind + ":" + port + " (" + reason + "): ";
    String lower = reason.toLowerCase(java.util.Locale.ROOT);
    if (lower.contains("in use")) {
      return where + "another process listens there (another serve?): stop it, or give another --port";
    }
    if (lower.contains("assign")) {
      return where + "--bind " + bind + " is no address of this machine: give one of its addresses (127.0.0.1, the"
          + " default; 0.0.0.0 for all)";
    }
    if (lower.contains("permission")) {
      return where + "ports below 1024 need privileges: give a --port of 1024 or more behind the reverse proxy";
    }
    return where + "check --bind and --port";
  }

  private WebhookVerifier readVerifier() throws IOException {
    String text = read(webhookSecret.env, webhookSecret.file, "--webhook-secret");
    WebhookVerifier verifier;
    try {
      // the verifier splits the rotation form and says when the value is one secret wrapped over lines
      verifier = WebhookVerifier.builder().secret(Secret.of(text)).build();
    } catch (RuntimeException e) {
      throw usage("--webhook-secret: " + e.getMessage());
    }
    for (String part : text.strip().split("\\s+")) {
      if (!part.startsWith("whsec_")) {
        throw usage("--webhook-secret: each secret must start with whsec_ "
            + "(the Standard Webhooks form: whsec_ followed by base64)");
      }
    }
    return verifier;
  }

  private String read(String env, Path file, String option) throws IOException {
    if (env != null) {
      String value = System.getenv(env);
      if (value == null) {
        throw usage(option + "-env: environment variable " + env
            + " is not set");
      }
      return value;
    }
    if (!Files.isRegularFile(file)) {
      throw usage(option + "-file: " + file + " is not a file");
    }
    byte[] bytes;
    try (java.io.InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(MAX_SECRET_FILE_BYTES + 1); // bounded: the wrong file named must not exhaust the heap
    } catch (java.nio.file.AccessDeniedException e) {
      throw usage(option + "-file: " + file + " cannot be read: permission denied (let the user running serve read"
          + " it)");
    }
    if (bytes.length > MAX_SECRET_FILE_BYTES) {
      throw usage(option + "-file: " + file + " is larger than " + (MAX_SECRET_FILE_BYTES >> 10) + " KiB: name the"
          + " file holding only the secret");
    }
    try {
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes))
          .toString();
      // a byte-order mark (Notepad's "UTF-8 with BOM") is no part of a token or secret: kept, it made a good token
      // "not 16 to 256 characters of A-Z a-z 0-9 . _ ~ -" and a whsec_ secret "not start with whsec_", invisibly
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (java.nio.charset.CharacterCodingException e) {
      throw usage(option + "-file: " + file + " is not UTF-8 text: store the secret as UTF-8 text");
    }
  }

  private String readToken() throws IOException {
    String value = read(token.env, token.file, "--token").strip();
    if (!TOKEN.matcher(value).matches()) {
      String from = token.env != null ? "environment variable " + token.env : "file " + token.file;
      throw usage("the token in " + from + " must be 16 to 256 characters of "
          + "A-Z a-z 0-9 . _ ~ - (generate one with: openssl rand -hex 24)");
    }
    return value;
  }


  private static void positive(List<String> problems, String option, Duration value) {
    if (value.isZero()) {
      problems.add(option + ": must be more than 0 (e.g. 10s)");
    }
  }

  private static void atLeast(List<String> problems, String option, int value, int min) {
    if (value < min) {
      problems.add(option + ": " + value + " is below " + min);
    }
  }
}
