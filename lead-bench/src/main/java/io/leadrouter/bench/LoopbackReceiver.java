package io.leadrouter.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * A loopback HTTP destination (the JDK's {@code HttpServer} on 127.0.0.1) that upserts each posted lead by its
 * {@code Lead-Id} header, as a CRM with a native upsert key does, and counts how often each lead arrived. A supplier
 * of {@link Answer}s lets proofs inject failures.
 */
public final class LoopbackReceiver implements AutoCloseable {
  /** The header carrying the lead's id. */
  public static final String LEAD_ID = "Lead-Id";
  /** The header of a quota answer: milliseconds until the quota resets. */
  public static final String QUOTA_RESUME_MS = "Quota-Resume-Ms";

  /** How the receiver answers one request. */
  public enum Answer {
    /** Records the lead and answers 201. */
    OK,
    /** Answers 500 without recording. */
    ERROR_500,
    /** Answers 503 without recording. */
    ERROR_503,
    /** Answers 429 with {@code Retry-After: 1} without recording. */
    TOO_MANY_REQUESTS,
    /** Records the lead, then answers only after the slow delay (beyond the caller's timeout): ambiguous. */
    SLOW,
    /** Closes the connection without answering or recording. */
    RESET,
    /** Answers 402 with {@code Quota-Resume-Ms: 1000} without recording. */
    QUOTA
  }

  static {
    // the JDK server writes headers and body separately: without TCP_NODELAY, Nagle's algorithm and the client's
    // delayed ACK hold each answer ~40 ms (read once, when the server classes load)
    System.setProperty("sun.net.httpserver.nodelay", "true");
  }

  private final HttpServer server;
  private final ExecutorService executor;
  private final Supplier<Answer> answers;
  private final Duration slowDelay;
  private final Map<String, AtomicInteger> records = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> slowRecords = new ConcurrentHashMap<>();
  private final Map<Answer, AtomicLong> answered = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();
  private final Map<String, Long> firstSeenNanos = new ConcurrentHashMap<>();

  private LoopbackReceiver(int threads, Supplier<Answer> answers, Duration slowDelay) throws IOException {
    this.answers = Objects.requireNonNull(answers, "answers");
    this.slowDelay = Objects.requireNonNull(slowDelay, "slowDelay");
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
    this.executor = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "loopback-receiver");
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(executor);
    server.createContext("/leads", this::handle);
    server.start();
  }

  /** A receiver answering every request with 201. */
  public static LoopbackReceiver healthy(int threads) throws IOException {
    return new LoopbackReceiver(threads, () -> Answer.OK, Duration.ZERO);
  }

  /** A receiver answering as {@code answers} says; {@link Answer#SLOW} answers wait {@code slowDelay}. */
  public static LoopbackReceiver withAnswers(int threads, Supplier<Answer> answers, Duration slowDelay)
      throws IOException {
    return new LoopbackReceiver(threads, answers, slowDelay);
  }

  /** Where to POST leads. */
  public URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/leads");
  }

  private void handle(HttpExchange exchange) throws IOException {
    long arrived = System.nanoTime();
    requests.incrementAndGet();
    clientPorts.add(exchange.getRemoteAddress().getPort()); // one client port per TCP connection
    try (InputStream in = exchange.getRequestBody()) {
      in.readAllBytes();
    }
    String id = exchange.getRequestHeaders().getFirst(LEAD_ID);
    if (id == null) {
      id = exchange.getRequestHeaders().getFirst("webhook-id"); // lead-https's signed webhooks
    }
    if (id != null) {
      firstSeenNanos.putIfAbsent(id, arrived);
    }
    if (id == null) {
      respond(exchange, 400, "missing Lead-Id");
      return;
    }
    Answer answer = answers.get();
    answered.computeIfAbsent(answer, a -> new AtomicLong()).incrementAndGet();
    switch (answer) {
      case OK -> {
        int n = records.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        respond(exchange, n == 1 ? 201 : 200, "{\"id\":\"" + id + "\"}");
      }
      case ERROR_500 -> respond(exchange, 500, "{\"error\":\"internal\"}");
      case ERROR_503 -> respond(exchange, 503, "{\"error\":\"unavailable\"}");
      case TOO_MANY_REQUESTS -> {
        exchange.getResponseHeaders().add("Retry-After", "1");
        respond(exchange, 429, "{\"error\":\"slow down\"}");
      }
      case SLOW -> {
        records.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        slowRecords.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
        try {
          Thread.sleep(slowDelay.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        respond(exchange, 201, "{\"id\":\"" + id + "\"}");
      }
      case RESET -> exchange.close(); // no status line: the client sees the connection end
      case QUOTA -> {
        exchange.getResponseHeaders().add(QUOTA_RESUME_MS, "1000");
        respond(exchange, 402, "{\"error\":\"daily quota spent\"}");
      }
      default -> throw new IllegalStateException(answer.name());
    }
  }

  private static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    try {
      exchange.sendResponseHeaders(status, bytes.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(bytes);
      }
    } catch (IOException e) {
      exchange.close(); // the client gave up (timeout): nothing more to say
    }
  }

  /** How many distinct leads the receiver holds (one record per lead id, however often it arrived). */
  public int distinctLeads() {
    return records.size();
  }

  /** How many times each lead was recorded (upserted); {@code n > 1} means redeliveries. */
  public Map<String, AtomicInteger> records() {
    return records;
  }

  /** How many times each lead was recorded by a {@link Answer#SLOW} answer the caller did not wait for. */
  public Map<String, AtomicInteger> slowRecords() {
    return slowRecords;
  }

  /** Recordings beyond the first per lead: redeliveries the upsert absorbed. */
  public long redeliveries() {
    return records.values().stream().mapToLong(n -> n.get() - 1).sum();
  }

  /** How many TCP connections the clients opened (distinct client ports seen; loopback, within one run). */
  public int connections() {
    return clientPorts.size();
  }

  /** Forgets the connections seen so far. */
  public void resetConnections() {
    clientPorts.clear();
  }

  /**
   * When the first request with this id arrived ({@link System#nanoTime()}), if it did: the id the receiver keys on
   * (lead-https's {@code webhook-id}, which is {@code WebhookSigner.messageId(leadId)}, not the lead id).
   */
  public Optional<Long> firstSeen(String requestId) {
    return Optional.ofNullable(firstSeenNanos.get(requestId));
  }

  /** How many requests arrived. */
  public long requests() {
    return requests.get();
  }

  /** How many requests got each answer. */
  public long answered(Answer answer) {
    AtomicLong n = answered.get(answer);
    return n == null ? 0 : n.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
    try {
      executor.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
