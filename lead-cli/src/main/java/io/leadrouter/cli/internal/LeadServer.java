package io.leadrouter.cli.internal;

import io.leadrouter.cli.internal.LeadReceiver.Received;
import io.leadrouter.cli.internal.LeadReceiver.Reply;
import io.leadrouter.spi.Require;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.http.HttpCompliance;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpScheme;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.ConnectionLimit;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transport of {@code leadrouter serve}, made for slow and hostile clients: Jetty's non-blocking HTTP/1.1
 * connector reads headers and bodies without holding a thread, so a connection that dribbles costs a socket, not a
 * worker; each connection has a deadline for its request headers and for its body, and a minimum body rate; the
 * connections per client address and in all are capped, and while the server is crowded (three quarters of its
 * connections open) a connection that has sent no request within a second is closed. Only a complete request reaches the {@link LeadReceiver},
 * on a bounded pool of its own (journal commits block), so slow clients never starve the others. {@code /health}
 * is answered on a small pool of its own ({@value #HEALTH_THREADS} threads, queue {@value #HEALTH_QUEUE}), so a flood
 * of posts filling the answering pool never makes a health check answer 503 "busy".
 */
public final class LeadServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LeadServer.class);
  // a client still sending a body too large to take is read on (and dropped) up to this, so it sees the 413
  private static final long DISCARD_LIMIT = 4L << 20;
  private static final int MAX_HEADER_BYTES = 8192;
  private static final long RATE_GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);
  /**
   * The header deadline while three quarters of the connections allowed are open: connections that have sent no
   * complete request for this long are closed, so that connections held open by many addresses (each under its
   * per-client cap) cannot keep new ones, health checks included, waiting in the accept queue for the full deadline.
   * An honest client sends its request within milliseconds of connecting.
   */
  static final Duration CROWDED_HEADER_TIMEOUT = Duration.ofSeconds(1);
  private static final String UNREADABLE_BODY = "the body could not be read to its end: the connection ended before it"
      + " did, or its chunked framing is invalid (a chunk size that is no hex number, chunk extensions or trailers"
      + " over " + (MAX_HEADER_BYTES >> 10) + " KiB); nothing was stored: send the lead again with Content-Length, or"
      + " chunked without extensions or trailers";
  private static final String NOT_A_PATH = "the request target is not a path: serve answers origin-form targets such"
      + " as POST /leads/<token> and GET /health";
  private static final String NOT_A_PROXY = "the request target is an absolute URL of another scheme than http: serve"
      + " is no proxy; send the path only, such as POST /leads/<token>";
  /** The methods serve answers; any other is answered, then its connection closed. */
  private static final java.util.Set<String> SERVED_METHODS = java.util.Set.of("GET", "HEAD", "POST");
  /** Threads answering {@code /health} only. */
  static final int HEALTH_THREADS = 2;
  /** Health checks waiting for those threads; beyond, 503 "busy" (a monitor flood, not a lead flood). */
  static final int HEALTH_QUEUE = 16;

  /**
   * The limits every connection lives under.
   *
   * @param headerTimeout from a connection's start (or its previous answer) to the end of its request headers
   * @param bodyTimeout from the end of the headers to the end of the body
   * @param minBodyRate bytes per second a body must average, checked after its first 2 s
   * @param idleTimeout the longest silence on a connection in any state
   * @param maxConnections open connections in all; beyond, new ones wait in the accept queue
   * @param maxConnectionsPerClient open connections from one client address; beyond, new ones are closed at once
   * @param threads the threads answering complete requests (routing commits to the journal)
   */
  public record Limits(Duration headerTimeout, Duration bodyTimeout, int minBodyRate, Duration idleTimeout,
      int maxConnections, int maxConnectionsPerClient, int threads) {
    /** The defaults: 10 s for headers, 10 s for a body at 1 KiB/s at least, 30 s idle, 1,000 / 100 connections. */
    public static final Limits DEFAULTS = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(10), 1024,
        Duration.ofSeconds(30), 1000, 100, 8);

    /** Checks every limit is positive. */
    public Limits {
      Require.positive(headerTimeout, "headerTimeout");
      Require.positive(bodyTimeout, "bodyTimeout");
      Require.positive(idleTimeout, "idleTimeout");
      if (minBodyRate < 0 || maxConnections < 1 || maxConnectionsPerClient < 1 || threads < 1) {
        throw new IllegalArgumentException("minBodyRate >= 0, maxConnections, maxConnectionsPerClient and threads"
            + " >= 1: " + minBodyRate + ", " + maxConnections + ", " + maxConnectionsPerClient + ", " + threads);
      }
    }
  }

  private final Server server;
  private final ServerConnector connector;
  private final Answering answering;
  private final ScheduledExecutorService sweeper;

  private LeadServer(Server server, ServerConnector connector, Answering answering, ScheduledExecutorService sweeper) {
    this.server = server;
    this.connector = connector;
    this.answering = answering;
    this.sweeper = sweeper;
  }

  /** Starts listening on {@code address}, answering through {@code receiver}. */
  public static LeadServer start(InetSocketAddress address, LeadReceiver receiver, Limits limits) throws IOException {
    Objects.requireNonNull(receiver, "receiver");
    Objects.requireNonNull(limits, "limits");
    QueuedThreadPool io = new QueuedThreadPool(16, 4);
    io.setName("leadrouter-http-io");
    io.setDaemon(true);
    Server server = new Server(io);
    server.setStopAtShutdown(false); // serve's own shutdown hook stops it, then the router
    server.setStopTimeout(1000);

    HttpConfiguration http = new HttpConfiguration();
    http.setRequestHeaderSize(MAX_HEADER_BYTES);
    http.setSendServerVersion(false);
    http.setSendDateHeader(false);
    // RFC 9110 strictly: methods are case-sensitive ("post" is an unknown method, not POST)
    http.setHttpCompliance(HttpCompliance.RFC9110);
    http.setUriCompliance(UriCompliance.DEFAULT);
    ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
    connector.setHost(address.getHostString());
    connector.setPort(address.getPort());
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    connector.setAcceptQueueSize(128);
    Clients clients = new Clients(limits);
    connector.addBean(clients);
    server.addConnector(connector);
    server.addBean(new ConnectionLimit(limits.maxConnections(), server));

    Answering answering = new Answering(pool("leadrouter-http-", limits.threads(), limits.threads() * 16),
        pool("leadrouter-http-health-", HEALTH_THREADS, HEALTH_QUEUE), new AtomicBoolean(),
        ConcurrentHashMap.newKeySet());
    server.setHandler(new Receiving(receiver, clients, answering, limits.idleTimeout()));
    server.setErrorHandler(LeadServer::error);
    ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "leadrouter-http-deadlines");
      t.setDaemon(true);
      return t;
    });
    sweeper.scheduleWithFixedDelay(clients::sweep, 250, 250, TimeUnit.MILLISECONDS);
    try {
      server.start();
    } catch (Exception e) {
      sweeper.shutdownNow();
      answering.shutdownNow();
      try {
        server.stop();
      } catch (Exception ignored) {
        // failing to start already
      }
      throw e instanceof IOException io2 ? io2 : new IOException("cannot listen on " + address + ": " + e, e);
    }
    return new LeadServer(server, connector, answering, sweeper);
  }

  /**
   * The threads answering complete requests, those answering {@code /health} only (a flood of posts filling the first
   * must not silence health checks), and whether serve is stopping; the server stops them, its handler uses them.
   */
  private record Answering(ThreadPoolExecutor requests, ThreadPoolExecutor health, AtomicBoolean stopping,
      Set<Body> reading) {
    /** The threads that answer a request for {@code path}. */
    ThreadPoolExecutor forPath(String path) {
      return LeadReceiver.HEALTH.equals(path) ? health : requests;
    }

    /** Whether serve is stopping (requests complete from now on are answered 503, not taken). */
    boolean isStopping() {
      return stopping.get();
    }

    /** Takes no more requests and lets those being answered finish (5 s at most, 1 s for health checks). */
    void stop() {
      stopping.set(true);
      requests.shutdown();
      health.shutdown();
      try {
        requests.awaitTermination(5, TimeUnit.SECONDS);
        health.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * Ends every body still arriving as timed out, so that each is answered 503 "serve is stopping" now. Left to
     * Jetty's graceful stop, a body whose last bytes came in as the stop began was never failed before its 1 s grace
     * ran out, and its connection was closed with no answer at all: the client could not tell whether the lead was
     * kept.
     */
    void endReads() {
      for (Body b : List.copyOf(reading)) {
        b.finish(null, false, new TimeoutException("serve is stopping"));
      }
    }

    /** Stops both pools at once (serve failed to start). */
    void shutdownNow() {
      requests.shutdownNow();
      health.shutdownNow();
    }
  }

  /** A fixed pool of daemon threads with a bounded queue; beyond it, {@link RejectedExecutionException}. */
  private static ThreadPoolExecutor pool(String name, int threads, int queue) {
    AtomicInteger n = new AtomicInteger();
    return new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queue), r -> {
      Thread t = new Thread(r, name + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    }, new ThreadPoolExecutor.AbortPolicy());
  }

  /**
   * Jetty's own refusals (a malformed request line, an invalid path such as an overlong UTF-8 {@code %C0%AF}, headers
   * over 8 KiB, ...) as the same JSON as every other answer, without echoing the request (Jetty's page would).
   */
  private static boolean error(Request request, Response response, Callback callback) {
    Object message = request.getAttribute(ErrorHandler.ERROR_MESSAGE);
    String text = message instanceof String m && m.length() <= 100 && m.chars().allMatch(c -> c >= 0x20 && c < 0x7f)
        ? m : HttpStatus.getMessage(response.getStatus());
    response.getHeaders().put("Content-Type", "application/json; charset=utf-8");
    response.getHeaders().put("Cache-Control", "no-store");
    // a request Jetty refused (Authority!=Host, a bad path) was not understood: nothing after it on the connection is
    // trusted as a request either (a parse error already closes it; errors found later used to keep it open)
    response.getHeaders().put("Connection", "close");
    response.write(true, ByteBuffer.wrap(("{\"error\":\"" + text.replace("\\", "\\\\").replace("\"", "\\\"")
        + "\"}").getBytes(StandardCharsets.UTF_8)), callback);
    return true;
  }

  /** The port listened on (the one chosen when 0 was asked). */
  public int port() {
    return connector.getLocalPort();
  }

  /**
   * Stops: requests complete from now on get 503 saying serve is stopping (nothing stored, send again), those being
   * answered finish (5 s at most) and their answers are written (1 s grace); a body still arriving then gets that 503
   * too, and every connection is closed.
   */
  @Override
  public void close() {
    answering.stop();
    answering.endReads();
    try {
      server.stop();
    } catch (java.util.concurrent.TimeoutException e) {
      // idle keep-alive connections outlived the 1 s grace: closed anyway, nothing was being answered on them
      LOG.debug("HTTP server stopped after its 1 s grace");
    } catch (Exception e) {
      LOG.warn("stopping the HTTP server: {}", e.toString());
    }
    sweeper.shutdownNow();
  }

  // ---- connections: per-client cap and deadlines ----

  /** What one open connection is doing, for the deadlines. */
  private static final class Tracked {
    final String client;
    volatile boolean reading; // a request's headers arrived; its body is being read
    volatile boolean answering; // the receiver (or the response) has the request
    volatile long since = System.nanoTime(); // start of the current phase
    volatile long bodyBytes;

    Tracked(String client) {
      this.client = client;
    }
  }

  /** Counts connections per client address and enforces the header, body and rate deadlines. */
  static final class Clients implements Connection.Listener {
    private final Limits limits;
    private final Map<String, Integer> perClient = new ConcurrentHashMap<>();
    private final Map<Connection, Tracked> open = new ConcurrentHashMap<>();

    Clients(Limits limits) {
      this.limits = limits;
    }

    @Override
    public void onOpened(Connection connection) {
      String client = client(connection.getEndPoint().getRemoteSocketAddress());
      Tracked t = new Tracked(client);
      open.put(connection, t);
      int count = perClient.merge(client, 1, Integer::sum);
      if (count > limits.maxConnectionsPerClient()) {
        LOG.debug("connection from {} closed: {} open, over the cap of {}", client, count - 1,
            limits.maxConnectionsPerClient());
        connection.getEndPoint().close();
      }
    }

    @Override
    public void onClosed(Connection connection) {
      Tracked t = open.remove(connection);
      if (t != null) {
        perClient.computeIfPresent(t.client, (k, v) -> v <= 1 ? null : v - 1);
      }
    }

    Tracked of(Request request) {
      return open.get(request.getConnectionMetaData().getConnection());
    }

    /**
     * Closes every connection past its deadline; runs every 250 ms. While three quarters of the connections allowed
     * are open, the header deadline is {@link #CROWDED_HEADER_TIMEOUT} (if shorter).
     */
    void sweep() {
      long now = System.nanoTime();
      boolean crowded = open.size() * 4L >= limits.maxConnections() * 3L;
      Duration headerLimit = crowded && CROWDED_HEADER_TIMEOUT.compareTo(limits.headerTimeout()) < 0
          ? CROWDED_HEADER_TIMEOUT : limits.headerTimeout();
      long headerTimeout = headerLimit.toNanos();
      long bodyTimeout = limits.bodyTimeout().toNanos();
      for (Map.Entry<Connection, Tracked> e : open.entrySet()) {
        Tracked t = e.getValue();
        long elapsed = now - t.since;
        String why = null;
        if (t.answering) {
          continue; // our own work: the journal commit
        } else if (t.reading) {
          if (elapsed > bodyTimeout) {
            why = "body not complete within " + limits.bodyTimeout();
          } else if (limits.minBodyRate() > 0 && elapsed > RATE_GRACE_NANOS
              && t.bodyBytes * 1_000_000_000L / elapsed < limits.minBodyRate()) {
            why = "body slower than " + limits.minBodyRate() + " bytes/s";
          }
        } else if (elapsed > headerTimeout) {
          why = "no complete request headers within " + headerLimit
              + (crowded ? " (" + open.size() + " of " + limits.maxConnections() + " connections open)" : "");
        }
        if (why != null) {
          LOG.debug("connection from {} closed: {}", t.client, why);
          e.getKey().getEndPoint().close();
        }
      }
    }

    /**
     * The client a connection counts against: its IPv4 address, or the /64 network of its IPv6 address (one host's
     * share: a host picks any address in its /64, so counting each address would let one host open any number).
     */
    static String client(SocketAddress address) {
      if (!(address instanceof InetSocketAddress a) || a.getAddress() == null) {
        return String.valueOf(address);
      }
      byte[] b = a.getAddress().getAddress();
      if (b.length != 16) {
        return a.getAddress().getHostAddress();
      }
      boolean mapped = true; // ::ffff:a.b.c.d, as a dual-stack socket may report an IPv4 client
      for (int i = 0; i < 12 && mapped; i++) {
        mapped = b[i] == (i < 10 ? 0 : (byte) 0xff);
      }
      if (mapped) {
        return (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
      }
      StringBuilder network = new StringBuilder();
      for (int i = 0; i < 8; i += 2) {
        network.append(Integer.toHexString((b[i] & 0xff) << 8 | b[i + 1] & 0xff)).append(':');
      }
      return network.append(":/64").toString();
    }
  }

  // ---- requests ----

  /** Reads each request's body without blocking, then answers it on the answering pool. */
  private static final class Receiving extends Handler.Abstract.NonBlocking {
    private final LeadReceiver receiver;
    private final Clients clients;
    private final Answering answering;
    private final Duration idleTimeout;

    Receiving(LeadReceiver receiver, Clients clients, Answering answering, Duration idleTimeout) {
      this.receiver = receiver;
      this.clients = clients;
      this.answering = answering;
      this.idleTimeout = idleTimeout;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
      Tracked t = clients.of(request);
      if (t != null) {
        t.bodyBytes = 0;
        t.since = System.nanoTime();
        t.reading = true;
      }
      Callback done = Callback.from(() -> {
        idle(t);
        callback.succeeded();
      }, x -> {
        idle(t);
        // quiet: Jetty logs any other failure at WARN with the request, whose URI holds the secret token; a connection
        // closed at a deadline or by its client is no server fault (each slow client cut off logged the token and a
        // stack trace)
        callback.failed(x instanceof QuietException ? x : new QuietException.Exception(x.toString(), x));
      });
      String method = request.getMethod();
      if (HttpMethod.CONNECT.is(method)) {
        // before reading anything: what follows a CONNECT is tunnel data, never to be parsed as the next request
        write(response, receiver.noTunnel(), true, done);
        return true;
      }
      String rawPath = request.getHttpURI().getPath();
      if (rawPath == null || !rawPath.startsWith("/")) {
        write(response, receiver.badRequest(NOT_A_PATH), true, done); // OPTIONS *: asterisk-form
        return true;
      }
      if (!HttpScheme.HTTP.is(request.getHttpURI().getScheme())) {
        // an absolute-form target of another scheme (https://, ftp://) on this plain connector: a proxy request
        write(response, receiver.badRequest(NOT_A_PROXY), true, done);
        return true;
      }
      if (!strictUtf8(rawPath)) {
        write(response, receiver.badRequest("the path is not valid percent-encoded UTF-8"), true, done);
        return true;
      }
      // a method serve never answers (TRACE, PUT, an unknown token) is a client that is not the marketplace:
      // answered (405, or 404 off serve's paths) and then the connection is closed
      boolean oddMethod = !SERVED_METHODS.contains(method);
      // RFC 9112 section 6.1: HTTP/1.0 has no chunked coding, so a 1.0 message with Transfer-Encoding has faulty
      // framing (a 1.0 proxy in front reads the chunks as the next request): answered, then its connection closed,
      // so nothing after it is read as a request (it was kept alive on Connection: keep-alive)
      boolean closeAfter = oddMethod || HttpVersion.HTTP_1_0 == request.getConnectionMetaData().getHttpVersion()
          && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
      long declared = request.getLength();
      if (declared > receiver.maxBodyBytes()) {
        // the declared length already decides: answer 413 now (a client announcing a huge body and sending little
        // would otherwise only see its connection cut at a deadline), then drop what it still sends, up to the
        // discard limit and under the body deadlines, so an honest sender reads the answer instead of a reset
        write(response, receiver.tooLarge(Optional.of(declared)), true, Callback.from(
            () -> new Body(request, t, receiver.maxBodyBytes(), true, null, (body, tooLarge, failure) -> {
              if (failure != null) {
                done.failed(failure);
              } else {
                done.succeeded();
              }
            }).read(), done::failed));
        return true;
      }
      if (request.getHeaders().contains(HttpHeader.EXPECT, HttpHeaderValue.CONTINUE.asString())) {
        // the client waits for 100 Continue before sending its body: a request refused whatever the body holds (a
        // wrong token or path, a wrong method, signature headers already failing) is answered now, and its
        // connection closed, rather than asked for a body only to be refused (RFC 9110 section 10.1.1)
        String path = Objects.requireNonNullElse(request.getHttpURI().getDecodedPath(), rawPath);
        Optional<Reply> refused = receiver.refusedWhateverTheBody(method, path, headers(request.getHeaders()));
        if (refused.isPresent()) {
          write(response, refused.get(), true, done);
          return true;
        }
      }
      new Body(request, t, receiver.maxBodyBytes(), false, answering.reading(), (body, tooLarge, failure) -> {
        if (failure instanceof EofException) {
          // Jetty says only "Early EOF" both when the client stopped sending and when its chunked framing could not
          // be parsed (trailers or chunk extensions over the header limit, a chunk size that is no hex number)
          write(response, receiver.badRequest(UNREADABLE_BODY), true, done);
          return;
        }
        if (failure instanceof TimeoutException) {
          // Jetty's idle timeout on a body read: serve is stopping (its graceful stop times reads out), or the client
          // fell silent mid-body for --idle-timeout; either way nothing was stored, and the client is told so (it got
          // a 500 quoting Jetty's "TimeoutException: Idle timeout expired: 1593/1000 ms")
          write(response, answering.isStopping() ? receiver.stopping() : receiver.timedOut("the body stopped arriving:"
              + " nothing came for " + TimeArgument.shown(idleTimeout) + " (--idle-timeout); nothing was stored: send"
              + " the lead again"), true, done);
          return;
        }
        if (failure != null) {
          done.failed(failure); // the connection failed or was closed at a deadline: nothing to answer
          return;
        }
        if (t != null) {
          t.reading = false;
          t.answering = true;
        }
        if (tooLarge) {
          write(response, receiver.tooLarge(declared >= 0 ? Optional.of(declared) : Optional.empty()), true, done);
          return;
        }
        // decoded, as Received says: a token with a character percent-encoded (%7E for ~, as some encoders and proxies
        // write it; RFC 3986 section 6.2.2.2 makes it the same path) is the token, not a 404 losing the lead
        String path = Objects.requireNonNullElse(request.getHttpURI().getDecodedPath(), rawPath);
        Received received = new Received(method, path, headers(request.getHeaders()), body);
        try {
          answering.forPath(path).execute(() -> {
            Reply reply;
            try {
              reply = receiver.answer(received);
            } catch (RuntimeException e) {
              done.failed(e);
              return;
            }
            write(response, reply, closeAfter, done);
          });
        } catch (RejectedExecutionException e) {
          // "busy, send it again" while running; while stopping, say so (a sender retrying at once reaches no one)
          boolean stopping = answering.isStopping();
          write(response, stopping ? receiver.stopping() : receiver.busy(), closeAfter || stopping, done);
        }
      }).read();
      return true;
    }

    private static void idle(Tracked t) {
      if (t != null) {
        t.since = System.nanoTime();
        t.reading = false;
        t.answering = false;
      }
    }

    private static void write(Response response, Reply reply, boolean close, Callback done) {
      response.setStatus(reply.status());
      HttpFields.Mutable h = response.getHeaders();
      h.put("Content-Type", "application/json; charset=utf-8");
      h.put("Cache-Control", "no-store");
      reply.headers().forEach(h::put);
      if (close) {
        h.put("Connection", "close");
      }
      response.write(true, ByteBuffer.wrap(reply.body()), done);
    }

    private static Map<String, List<String>> headers(HttpFields fields) {
      Map<String, List<String>> out = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
      for (HttpField f : fields) {
        out.computeIfAbsent(f.getName(), k -> new ArrayList<>()).add(f.getValue());
      }
      return out;
    }

    /**
     * Whether the raw path's percent-escapes decode as strict UTF-8: an overlong form such as {@code %C0%AF} (which
     * lax decoders turn into {@code /}) or any other invalid sequence is refused, never guessed at.
     */
    static boolean strictUtf8(String rawPath) {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(rawPath.length());
      for (int i = 0; i < rawPath.length(); i++) {
        char c = rawPath.charAt(i);
        if (c == '%') {
          if (i + 2 >= rawPath.length()) {
            return false;
          }
          int hi = Character.digit(rawPath.charAt(i + 1), 16);
          int lo = Character.digit(rawPath.charAt(i + 2), 16);
          if (hi < 0 || lo < 0) {
            return false;
          }
          bytes.write(hi << 4 | lo);
          i += 2;
        } else if (c < 0x21 || c > 0x7e) {
          return false; // raw bytes outside printable ASCII: the sender did not percent-encode
        } else {
          bytes.write(c);
        }
      }
      try {
        StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()));
        return true;
      } catch (CharacterCodingException e) {
        return false;
      }
    }
  }

  /** What to do with a body once read. */
  @FunctionalInterface
  private interface BodyDone {
    void accept(byte[] body, boolean tooLarge, Throwable failure);
  }

  /** Reads a body chunk by chunk as it arrives (no thread waits for a slow client), at most {@code max} bytes. */
  private static final class Body implements Runnable {
    private final Request request;
    private final Tracked tracked;
    private final int max;
    private final BodyDone done;
    /** Where a body still arriving is listed (null: not listed), for {@link Answering#endReads}. */
    private final Set<Body> registry;
    private final AtomicBoolean finished = new AtomicBoolean();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private boolean tooLarge;
    private long read;

    Body(Request request, Tracked tracked, int max, boolean tooLarge, Set<Body> registry, BodyDone done) {
      this.request = request;
      this.tracked = tracked;
      this.max = max;
      this.tooLarge = tooLarge;
      this.registry = registry;
      this.done = done;
    }

    void read() {
      if (registry != null) {
        registry.add(this);
      }
      run();
    }

    /**
     * Ends the body once, whoever comes first: the last chunk, a failure, or serve stopping ({@link
     * Answering#endReads}).
     */
    void finish(byte[] body, boolean tooLarge, Throwable failure) {
      if (!finished.compareAndSet(false, true)) {
        return;
      }
      if (registry != null) {
        registry.remove(this);
      }
      done.accept(body, tooLarge, failure);
    }

    @Override
    public void run() {
      while (true) {
        Content.Chunk chunk = request.read();
        if (chunk == null) {
          request.demand(this);
          return;
        }
        if (Content.Chunk.isFailure(chunk)) {
          finish(null, false, chunk.getFailure());
          return;
        }
        if (finished.get()) {
          chunk.release(); // ended meanwhile (serve stopping): its answer is written, the rest is not read
          return;
        }
        ByteBuffer b = chunk.getByteBuffer();
        int n = b.remaining();
        read += n;
        if (tracked != null) {
          tracked.bodyBytes = read;
        }
        if (!tooLarge && read > max) {
          tooLarge = true;
          out.reset();
        }
        if (!tooLarge) {
          byte[] part = new byte[n];
          b.get(part);
          out.write(part, 0, n);
        }
        boolean last = chunk.isLast();
        chunk.release();
        if (last || (tooLarge && read > DISCARD_LIMIT)) {
          finish(tooLarge ? null : out.toByteArray(), tooLarge, null);
          return;
        }
      }
    }
  }
}
