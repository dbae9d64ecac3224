package io.leadrouter.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import io.leadrouter.InvalidLeadException;
import io.leadrouter.Lead;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.Problem;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.https.MarketplaceWebhook;
import io.leadrouter.https.WebhookVerificationException;
import io.leadrouter.https.WebhookVerifier;
import io.leadrouter.journal.JournalDamagedException;
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
    Lead lead;
    try {
      lead = reader.read(body, exchange.getRequestHeaders());
    } catch (WebhookVerificationException e) {
      send(exchange, 401, error("signature rejected: " + e.getMessage()));
      return;
    } catch (InvalidLeadException e) {
      send(exchange, 400, invalid(e));
      return;
    }
    printer.label(lead, "POST");
    RoutingReceipt receipt;
    try {
      receipt = router.route(lead);
    } catch (InvalidLeadException e) {
      printer.forget(lead.id());
      send(exchange, 400, invalid(e));
      return;
    } catch (JournalDamagedException e) {
      // the journal logged once what happened and how to recover; 503 promises nothing
      printer.forget(lead.id());
      LOG.warn("lead {} refused (503): the journal is damaged", lead.id());
      send(exchange, 503, error("the lead was not stored: the journal is damaged; send it again later"));
      return;
    } catch (JournalException e) {
      printer.forget(lead.id());
      LOG.warn("lead {} could not be stored: {}", lead.id(), e.getMessage());
      send(exchange, 503, error("the lead could not be stored; send it again"));
      return;
    } catch (LeadRouterException e) {
      printer.forget(lead.id());
      send(exchange, 500, error(e.getMessage()));
      return;
    }
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
      ObjectNode destinations = n.putObject("destinations");
      for (String d : router.destinations()) {
        ObjectNode c = destinations.putObject(d);
        Map<DeliveryState, Long> byState = counts.getOrDefault(d, Map.of());
        for (DeliveryState s : DeliveryState.values()) {
          c.put(s.name().toLowerCase(Locale.ROOT), byState.getOrDefault(s, 0L));
        }
      }
      status = 200;
    } catch (JournalDamagedException e) {
      n.removeAll();
      n.put("status", "unavailable");
      n.put("journal", "damaged"); // the log says, once, what happened and how to recover
      status = 503;
    } catch (RuntimeException e) {
      LOG.warn("health check: journal unreachable: {}", e.toString());
      n.removeAll();
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

  private static ObjectNode invalid(InvalidLeadException e) {
    ObjectNode n = error("invalid lead");
    ArrayNode problems = n.putArray("problems");
    for (Problem p : e.problems()) {
      problems.addObject().put("path", p.path()).put("message", p.message()).put("fix", p.fix());
    }
    return n;
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
