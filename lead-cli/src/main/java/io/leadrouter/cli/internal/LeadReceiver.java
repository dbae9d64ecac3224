package io.leadrouter.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.leadrouter.IntakeReceipt;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.ReadResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.https.MarketplaceWebhook;
import io.leadrouter.https.WebhookVerificationException;
import io.leadrouter.https.WebhookVerifier;
import io.leadrouter.journal.JournalException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of {@code leadrouter serve}: {@code POST /leads/{token}} (a secret token in the path, as the
 * marketplace's HTTPS endpoint setting allows) or {@code POST /leads} with a Standard Webhooks signature takes the
 * marketplace's lead JSON and answers 202 only once the lead is durable; {@code GET /health} reports the journal and
 * per-destination counts. A wrong token and an unknown path get the same 404, so the answer never tells whether a
 * path exists; a bad signature gets 401 with the reason.
 */
public final class LeadReceiver implements HttpHandler {
  /** The path prefix the marketplace posts to, followed by the secret token. */
  public static final String LEADS_PREFIX = "/leads/";
  /** The path of signed posts (Standard Webhooks headers). */
  public static final String SIGNED = "/leads";
  /** The health path. */
  public static final String HEALTH = "/health";

  private static final long DISCARD_LIMIT = 4L << 20;
  private static final Logger LOG = LoggerFactory.getLogger(LeadReceiver.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LeadRouter router;
  private final Optional<byte[]> tokenDigest;
  private final MarketplaceWebhook plain;
  private final Optional<MarketplaceWebhook> signed;
  private final EventPrinter printer;

  /**
   * A receiver routing through {@code router}, accepting posts to {@code /leads/<token>} when a token is given and
   * signed posts to {@code /leads} when a verifier is given, with bodies of at most {@code maxBodyBytes}, printing
   * events with {@code printer}.
   */
  public LeadReceiver(LeadRouter router, Optional<String> token, Optional<WebhookVerifier> verifier, int maxBodyBytes,
      EventPrinter printer) {
    this.router = Objects.requireNonNull(router, "router");
    this.tokenDigest = Objects.requireNonNull(token, "token").map(LeadReceiver::sha256);
    if (token.isEmpty() && verifier.isEmpty()) {
      throw new IllegalArgumentException("a token or a webhook verifier is required");
    }
    this.plain = MarketplaceWebhook.builder().maxBodyBytes(maxBodyBytes).build();
    this.signed = verifier.map(v -> MarketplaceWebhook.builder().maxBodyBytes(maxBodyBytes).verifier(v).build());
    this.printer = Objects.requireNonNull(printer, "printer");
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
      if (HEALTH.equals(path)) {
        if (method.equals("GET") || method.equals("HEAD")) {
          health(exchange, method.equals("HEAD"));
        } else {
          methodNotAllowed(exchange, "GET, HEAD");
        }
      } else if (signed.isPresent() && SIGNED.equals(path)) {
        if (method.equals("POST")) {
          receive(exchange, signed.get());
        } else {
          methodNotAllowed(exchange, "POST");
        }
      } else if (path.startsWith(LEADS_PREFIX) && tokenMatches(path.substring(LEADS_PREFIX.length()))) {
        if (method.equals("POST")) {
          receive(exchange, plain);
        } else {
          methodNotAllowed(exchange, "POST");
        }
      } else {
        send(exchange, 404, error("not found"));
      }
    } catch (IOException e) {
      LOG.debug("connection failed while answering: {}", e.toString());
    } catch (RuntimeException e) {
      LOG.warn("request failed: {}", e.toString(), e);
      try {
        send(exchange, 500, error("internal error: the lead may not be stored; send it again"));
      } catch (IOException | RuntimeException ignored) {
        // headers already sent or connection gone: the client sees a broken answer and retries or gives up
      }
    }
  }

  private void receive(HttpExchange exchange, MarketplaceWebhook reader) throws IOException {
    int max = reader.maxBodyBytes();
    String length = exchange.getRequestHeaders().getFirst("Content-Length");
    if (length != null && tooLong(length, max)) {
      discard(exchange.getRequestBody());
      send(exchange, 413, error("the body is " + length.strip() + " bytes, over the limit of " + max + " bytes"));
      return;
    }
    byte[] body;
    InputStream in = exchange.getRequestBody();
    body = in.readNBytes(max + 1);
    if (body.length > max) {
      discard(in);
      send(exchange, 413, error("the body is over the limit of " + max + " bytes"));
      return;
    }
    ReadResult read;
    try {
      read = reader.receive(body, exchange.getRequestHeaders());
    } catch (WebhookVerificationException e) {
      send(exchange, 401, error("signature rejected: " + e.getMessage()));
      return;
    }
    if (read instanceof ReadResult.Unreadable u && u.notALead()) {
      send(exchange, 400, invalid(u.diagnosis())); // not a lead at all: nothing to keep
      return;
    }
    Lead lead = read instanceof ReadResult.Readable r ? r.lead() : null;
    if (lead != null) {
      printer.label(lead, "POST");
    }
    IntakeReceipt taken;
    try {
      // 2xx only once the payload is durable: as a lead, or in quarantine when it cannot be read unambiguously
      taken = router.intake(read, body, "serve POST " + (exchange.getRequestURI().getRawPath().equals(SIGNED)
          ? SIGNED : LEADS_PREFIX + "<token>") + " from " + remote(exchange));
    } catch (JournalException e) {
      forget(lead);
      LOG.warn("a payload could not be stored: {}", e.getMessage());
      send(exchange, 503, error("the lead could not be stored; send it again"));
      return;
    } catch (LeadRouterException e) {
      forget(lead);
      send(exchange, 500, error(e.getMessage()));
      return;
    }
    if (taken instanceof IntakeReceipt.Quarantined q) {
      forget(lead);
      ObjectNode kept = JSON.createObjectNode();
      kept.put("quarantined", true);
      kept.put("quarantineId", q.quarantineId());
      ObjectNode d = kept.putObject("diagnosis");
      d.put("code", q.diagnosis().code());
      d.put("message", q.diagnosis().message());
      d.put("fix", q.diagnosis().remediation());
      send(exchange, 202, kept);
      return;
    }
    RoutingReceipt receipt = ((IntakeReceipt.Routed) taken).receipt();
    lead = ((IntakeReceipt.Routed) taken).lead();
    if (receipt.duplicate()) {
      printer.forget(lead.id());
    }
    ObjectNode ok = JSON.createObjectNode();
    ok.put("leadId", receipt.leadId().value());
    ok.put("duplicate", receipt.duplicate());
    ArrayNode to = ok.putArray("destinations");
    receipt.destinations().forEach(to::add);
    send(exchange, 202, ok);
  }

  private void health(HttpExchange exchange, boolean headOnly) throws IOException {
    ObjectNode n = JSON.createObjectNode();
    int status;
    try {
      Map<String, Map<DeliveryState, Long>> counts = router.counts();
      n.put("status", "ok");
      n.put("journal", "reachable");
      n.put("quarantined", router.quarantineCount());
      ObjectNode destinations = n.putObject("destinations");
      for (String d : router.destinations()) {
        ObjectNode c = destinations.putObject(d);
        Map<DeliveryState, Long> byState = counts.getOrDefault(d, Map.of());
        for (DeliveryState s : DeliveryState.values()) {
          c.put(s.name().toLowerCase(Locale.ROOT), byState.getOrDefault(s, 0L));
        }
      }
      status = 200;
    } catch (RuntimeException e) {
      LOG.warn("health check: journal unreachable: {}", e.toString());
      n.put("status", "unavailable");
      n.put("journal", "unreachable");
      status = 503;
    }
    if (headOnly) {
      exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
      exchange.sendResponseHeaders(status, -1);
    } else {
      send(exchange, status, n);
    }
  }

  private static void methodNotAllowed(HttpExchange exchange, String allow) throws IOException {
    exchange.getResponseHeaders().set("Allow", allow);
    send(exchange, 405, error("method " + exchange.getRequestMethod() + " is not allowed here; use " + allow));
  }

  private static ObjectNode invalid(Diagnosis d) {
    ObjectNode n = error("not a lead");
    ArrayNode problems = n.putArray("problems");
    int colon = d.message().indexOf(": ");
    problems.addObject().put("code", d.code()).put("path", colon < 0 ? "body" : d.message().substring(0, colon))
        .put("message", colon < 0 ? d.message() : d.message().substring(colon + 2)).put("fix", d.remediation());
    return n;
  }

  private void forget(Lead lead) {
    if (lead != null) {
      printer.forget(lead.id());
    }
  }

  private static String remote(HttpExchange exchange) {
    java.net.InetSocketAddress a = exchange.getRemoteAddress();
    return a == null || a.getAddress() == null ? "unknown" : a.getAddress().getHostAddress();
  }

  private static ObjectNode error(String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", message);
    return n;
  }

  private static void send(HttpExchange exchange, int status, ObjectNode body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
    exchange.getResponseBody().flush();
  }

  /**
   * Reads and drops up to {@link #DISCARD_LIMIT} bytes of a body too large to take, so that the client, still
   * sending, reads the 413 instead of a reset connection; beyond that the connection is simply closed.
   */
  private static void discard(InputStream in) throws IOException {
    long left = DISCARD_LIMIT;
    byte[] sink = new byte[8192];
    for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
      left -= n;
    }
  }

  private static boolean tooLong(String contentLength, int max) {
    try {
      return Long.parseLong(contentLength.strip()) > max;
    } catch (NumberFormatException e) {
      return false; // the server itself rejects a malformed length; otherwise the bounded read decides
    }
  }

  /** Compares digests of equal length, so the time taken says nothing about the token or its length. */
  private boolean tokenMatches(String candidate) {
    return tokenDigest.isPresent() && MessageDigest.isEqual(tokenDigest.get(), sha256(candidate));
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
