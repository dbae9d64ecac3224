package io.leadrouter.cli.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.leadrouter.IntakeReceipt;
import io.leadrouter.InvalidLeadException;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.LeadRouter;
import io.leadrouter.LeadRouterException;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.Scrubber;
import io.leadrouter.RoutingReceipt;
import io.leadrouter.journal.DeliveryState;
import io.leadrouter.https.MarketplaceWebhook;
import io.leadrouter.https.WebhookSigner;
import io.leadrouter.https.WebhookVerificationException;
import io.leadrouter.https.WebhookVerifier;
import io.leadrouter.journal.JournalDamagedException;
import io.leadrouter.journal.JournalException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@code leadrouter serve} answers, apart from the transport ({@link LeadServer} reads requests from the
 * network under its limits and hands each complete one here): {@code POST /leads/{token}} (a secret token in the
 * path, as the marketplace's HTTPS endpoint setting allows) or {@code POST /leads} with a Standard Webhooks signature
 * takes the marketplace's lead JSON and answers 202 only once the lead is durable; {@code GET /health} reports the
 * journal and per-destination counts, and answers 503 while the journal cannot take leads in (damaged, unreachable, or
 * refusing them: {@link io.leadrouter.journal.LeadJournal#intakeRefused}). A wrong token and an unknown path get the same 404, so the answer never tells
 * whether a path exists; a bad signature gets 401 with the reason. Methods are case-sensitive ({@code post} is not
 * {@code POST}).
 */
public final class LeadReceiver {
  /** The path prefix the marketplace posts to, followed by the secret token. */
  public static final String LEADS_PREFIX = "/leads/";
  /** The path of signed posts (Standard Webhooks headers). */
  public static final String SIGNED = "/leads";
  /** The health path. */
  public static final String HEALTH = "/health";

  private static final Logger LOG = LoggerFactory.getLogger(LeadReceiver.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * Most leads (non-blank lines) one NDJSON request may hold: each is committed on its own, so this bounds how long a
   * request holds an answering thread (about 5 ms a line here: 100 lines about half a second; 21,000 lines of
   * {@code {}} held one for 91 s).
   */
  public static final int MAX_NDJSON_LINES = 100;
  /** The media types of a body holding one lead per line (NDJSON / JSON Lines), matched ignoring case. */
  private static final java.util.Set<String> NDJSON = java.util.Set.of("application/x-ndjson", "application/ndjson",
      "application/jsonl", "application/x-jsonlines", "application/jsonlines");

  private final LeadRouter router;
  private final Optional<byte[]> tokenDigest;
  private final MarketplaceWebhook plain;
  private final Optional<MarketplaceWebhook> signed;
  private final Optional<WebhookVerifier> verifier;
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
    this.verifier = verifier;
    this.printer = Objects.requireNonNull(printer, "printer");
  }

  /**
   * An answer: status, extra headers, and the JSON body (for {@code HEAD} too: the transport sends its length and
   * not the body).
   */
  public record Reply(int status, Map<String, String> headers, byte[] body) {
    /** Copies the parts. */
    public Reply {
      headers = Map.copyOf(headers);
      body = body.clone();
    }
  }

  /**
   * The request as the transport read it: method as sent, path (decoded, strict UTF-8), headers (a map whose keys
   * compare ignoring case, as header names do), and the whole body.
   */
  public record Received(String method, String path, Map<String, List<String>> headers, byte[] body) {
    /** Checks every part is present. */
    public Received {
      Objects.requireNonNull(method, "method");
      Objects.requireNonNull(path, "path");
      headers = Collections.unmodifiableMap(headers); // keeps the map's case-insensitive lookup
      Objects.requireNonNull(body, "body");
    }
  }

  /** The largest body taken; the transport answers {@link #tooLarge} beyond it without reading on. */
  public int maxBodyBytes() {
    return plain.maxBodyBytes();
  }

  /** The 413 answer; {@code declaredLength} is the Content-Length the client sent, if any. */
  public Reply tooLarge(Optional<Long> declaredLength) {
    return reply(413, error(declaredLength.map(n -> "the body is " + n + " bytes, over the limit of "
        + maxBodyBytes() + " bytes").orElse("the body is over the limit of " + maxBodyBytes() + " bytes")));
  }

  /** The 400 answer for a request the transport refuses before reading it (e.g. a path that is not UTF-8). */
  public Reply badRequest(String why) {
    return reply(400, error(why));
  }

  /**
   * The 405 answer to {@code CONNECT}, before reading on: serve is no proxy and opens no tunnel (the transport closes
   * the connection after it, so tunnel bytes the client sent at once are never read as a request).
   */
  public Reply noTunnel() {
    return new Reply(405, Map.of("Allow", "GET, HEAD, POST"), json(error("method CONNECT is not allowed: serve is no"
        + " proxy and opens no tunnels; post leads to " + LEADS_PREFIX + "<token>")));
  }

  /** The 503 answer when every answering thread is busy and the queue is full: nothing was stored. */
  public Reply busy() {
    return new Reply(503, Map.of("Retry-After", "1"), json(error("busy: the lead was not stored; send it again")));
  }

  /**
   * The 503 answer while serve stops (a request completed after the stop began, or a body still arriving when the
   * connections close): nothing was stored.
   */
  public Reply stopping() {
    return reply(503, error("serve is stopping: the lead was not stored; send it again (to another instance, or once"
        + " serve is back)"));
  }

  /** The 408 answer to a request whose body stopped arriving; {@code why} says for how long and the fix. */
  public Reply timedOut(String why) {
    return reply(408, error(why));
  }

  /**
   * The answer to a request that is refused whatever its body holds, known from its method, path (decoded) and
   * headers alone: an unknown path or wrong token (404), a method the path does not take (405), a signed post whose
   * headers already fail their check (401: missing, repeated, or a timestamp out of tolerance). Empty when only the
   * body can decide. The transport asks before answering {@code Expect: 100-continue}, so a sender that will be
   * refused is told so at once instead of being asked for its body (RFC 9110 section 10.1.1).
   */
  public Optional<Reply> refusedWhateverTheBody(String method, String path, Map<String, List<String>> headers) {
    Objects.requireNonNull(headers, "headers");
    boolean signedPath = signed.isPresent() && SIGNED.equals(path);
    boolean tokenPath = !signedPath && path.startsWith(LEADS_PREFIX)
        && tokenMatches(path.substring(LEADS_PREFIX.length()));
    if (!HEALTH.equals(path) && !signedPath && !tokenPath) {
      return Optional.of(reply(404, error("not found")));
    }
    if (HEALTH.equals(path) && !method.equals("GET") && !method.equals("HEAD")) {
      return Optional.of(methodNotAllowed(method, "GET, HEAD"));
    }
    if ((signedPath || tokenPath) && !method.equals("POST")) {
      return Optional.of(methodNotAllowed(method, "POST"));
    }
    if (signedPath) {
      try {
        verifier.orElseThrow().verify(new byte[0], headers);
      } catch (WebhookVerificationException e) {
        if (e.reason() != WebhookVerificationException.Reason.NO_MATCHING_SIGNATURE) {
          return Optional.of(reply(401, error("signature rejected: " + e.getMessage())));
        }
      }
    }
    return Optional.empty(); // GET /health answers whatever the body; a post needs its body read
  }

  /** Answers one complete request. */
  public Reply answer(Received exchange) {
    try {
      String path = exchange.path();
      String method = exchange.method(); // case-sensitive (RFC 9110 9.1): "post" is not POST
      if (HEALTH.equals(path)) {
        if (method.equals("GET") || method.equals("HEAD")) {
          return health();
        } else {
          return methodNotAllowed(method, "GET, HEAD");
        }
      } else if (signed.isPresent() && SIGNED.equals(path)) {
        if (method.equals("POST")) {
          return receive(exchange, signed.get());
        } else {
          return methodNotAllowed(method, "POST");
        }
      } else if (path.startsWith(LEADS_PREFIX) && tokenMatches(path.substring(LEADS_PREFIX.length()))) {
        if (method.equals("POST")) {
          return receive(exchange, plain);
        } else {
          return methodNotAllowed(method, "POST");
        }
      } else {
        return reply(404, error("not found"));
      }
    } catch (RuntimeException e) {
      LOG.warn("request failed", Scrubber.standard().scrub(e));
      return reply(500, error("internal error: the lead may not be stored; send it again"));
    }
  }

  private Reply receive(Received exchange, MarketplaceWebhook reader) {
    byte[] body = exchange.body();
    if (body.length > reader.maxBodyBytes()) {
      return tooLarge(Optional.empty());
    }
    ReadResult read;
    try {
      read = reader.receive(body, exchange.headers()); // for NDJSON too: checks the signature of the whole body
    } catch (WebhookVerificationException e) {
      return reply(401, error("signature rejected: " + e.getMessage()));
    }
    if (first(exchange.headers(), "Content-Type").map(LeadReceiver::mediaType).filter(NDJSON::contains).isPresent()) {
      return receiveLines(exchange);
    }
    int elements = MarketplaceCodec.arrayLength(body);
    if (elements >= 0) {
      return receiveArray(exchange, elements);
    }
    if (read instanceof ReadResult.Unreadable u) {
      read = new ReadResult.Unreadable(declared(u.diagnosis(), exchange.headers())); // the headers may say why
    }
    if (read instanceof ReadResult.Unreadable u && u.notALead()) {
      return reply(400, invalid(u.diagnosis())); // not a lead at all (empty, not JSON): nothing to keep
    }
    Lead lead = read instanceof ReadResult.Readable r ? r.lead() : null;
    if (lead != null) {
      printer.label(lead, "POST");
    }
    IntakeReceipt taken;
    try {
      // 2xx only once the payload is durable: as a lead, or in quarantine when it cannot be read unambiguously
      taken = router.intake(read, body, "serve POST " + (SIGNED.equals(exchange.path()) ? SIGNED
          : LEADS_PREFIX + "<token>") + declaring(exchange.headers()));
    } catch (JournalDamagedException e) {
      // the journal logged once what happened and how to recover; 503 promises nothing
      forget(lead);
      LOG.warn("a payload was refused (503): the journal is damaged");
      return reply(503, error("the lead was not stored: the journal is damaged; send it again later"));
    } catch (JournalException e) {
      forget(lead);
      LOG.warn("a payload could not be stored: {}", e.getMessage());
      return reply(503, error("the lead could not be stored; send it again"));
    } catch (LeadRouterException e) {
      forget(lead);
      return reply(500, error(e.getMessage()));
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
      return reply(202, kept);
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
    return reply(202, ok);
  }

  /**
   * A body declared NDJSON: each line taken in as {@code route} takes a file's lines (its own {@code LeadId}, else
   * an id from its bytes; a line holding a JSON array one lead per element), good lines routed and every other
   * non-blank line quarantined, the answer saying what became of each line by number (and element by index). Lines are committed one by one: when the journal fails, the answer (503) says
   * which were stored and which to send again.
   */
  private Reply receiveLines(Received exchange) {
    byte[] body = exchange.body();
    long leads = new String(body, StandardCharsets.ISO_8859_1).lines().filter(l -> !l.isBlank()).count();
    if (leads > MAX_NDJSON_LINES) {
      return reply(413, error("the body holds " + leads + " lines with a lead, over the limit of " + MAX_NDJSON_LINES
          + " per request; nothing was stored: send at most " + MAX_NDJSON_LINES + " lines per request"));
    }
    List<Part> parts = new java.util.ArrayList<>();
    int number = 0;
    for (int start = 0; start < body.length; ) {
      int end = start;
      while (end < body.length && body[end] != '\n') {
        end++;
      }
      number++;
      int to = end > start && body[end - 1] == '\r' ? end - 1 : end;
      int from = number == 1 && to - start >= 3 && (body[start] & 0xFF) == 0xEF && (body[start + 1] & 0xFF) == 0xBB
          && (body[start + 2] & 0xFF) == 0xBF ? start + 3 : start; // a byte-order mark
      byte[] line = Arrays.copyOfRange(body, from, to);
      start = end + 1;
      if (new String(line, StandardCharsets.ISO_8859_1).isBlank()) {
        continue;
      }
      int n = number;
      if (MarketplaceCodec.arrayLength(line) < 0) {
        parts.add(new Part("line " + n, "line", n, -1, line, () -> MarketplaceCodec.standard().readLine(line, n)));
        continue;
      }
      // a line holding a JSON array of leads, as route reads one: a lead per element (the ids the same array sent as
      // application/json gives), one that cannot be read quarantined alone; the whole line was quarantined before
      List<byte[]> elements = MarketplaceCodec.arrayElements(line);
      for (int k = 0; k < elements.size(); k++) {
        int index = k;
        byte[] element = elements.get(k);
        parts.add(new Part("line " + n + " [" + k + "]", "line", n, k, element,
            () -> MarketplaceCodec.standard().readElement(element, index)));
      }
    }
    if (parts.isEmpty()) {
      return reply(400, invalid(new Diagnosis("PAYLOAD_EMPTY", "body: holds no line with a lead (NDJSON)",
          "send one marketplace lead JSON object per line")));
    }
    if (parts.size() > MAX_NDJSON_LINES) {
      return reply(413, error("the body holds " + parts.size() + " leads in its lines and their arrays, over the limit"
          + " of " + MAX_NDJSON_LINES + " per request; nothing was stored: send at most " + MAX_NDJSON_LINES
          + " leads per request"));
    }
    Optional<LeadId> named = parts.size() == 1 && parts.get(0).index() < 0 ? webhookId(exchange.headers())
        : Optional.empty();
    if (named.isPresent()) {
      // the webhook-id names the lead of a body holding one, as it does when the body comes as application/json: the
      // signature does not cover Content-Type, so a signed post replayed (or re-sent) with the other type used to be
      // a second lead under an id from the line's bytes, delivered twice
      Part only = parts.get(0);
      parts.set(0, new Part(only.name(), only.key(), only.number(), -1, only.bytes(), () -> {
        ReadResult read = MarketplaceCodec.standard().read(only.bytes(), named.get(), Instant.now());
        return read instanceof ReadResult.Readable ? read : only.read().get(); // the diagnosis names the line
      }));
    }
    return intakeEach(exchange, parts, "lines", "send line %s and those after it again (lines sent twice are"
        + " duplicates, not routed twice)");
  }

  /**
   * A body holding a JSON array of leads ({@code [{...},{...}]}): each element taken in as a lead of its own (its
   * {@code LeadId}, else an id from its bytes), an element that cannot be read quarantined alone, the answer saying
   * what became of each by index and how many were accepted and quarantined. An empty array is no lead (400); more
   * than {@link #MAX_NDJSON_LINES} elements are refused before any is stored (413), as NDJSON lines are.
   */
  private Reply receiveArray(Received exchange, int count) {
    if (count == 0) {
      return reply(400, invalid(new Diagnosis("PAYLOAD_EMPTY", "body: is an empty JSON array; it holds no lead",
          "send the marketplace's lead JSON object, or an array of them")));
    }
    if (count > MAX_NDJSON_LINES) {
      return reply(413, error("the body's JSON array holds " + count + " elements, over the limit of "
          + MAX_NDJSON_LINES + " leads per request; nothing was stored: send at most " + MAX_NDJSON_LINES
          + " per request"));
    }
    List<Part> parts = new java.util.ArrayList<>();
    List<byte[]> elements = MarketplaceCodec.arrayElements(exchange.body());
    for (int i = 0; i < elements.size(); i++) {
      int index = i;
      byte[] element = elements.get(i);
      parts.add(new Part("element [" + i + "]", "index", i, -1, element,
          () -> MarketplaceCodec.standard().readElement(element, index)));
    }
    return intakeEach(exchange, parts, "elements", "send the array again from element [%s] on (leads sent twice are"
        + " duplicates, not routed twice)");
  }

  /**
   * One lead of a request holding several: what to call it, its number under {@code key}, its index in the array its
   * line holds (-1 for none), its bytes and reading.
   */
  private record Part(String name, String key, int number, int index, byte[] bytes,
      java.util.function.Supplier<ReadResult> read) {}

  /**
   * Takes in each part on its own commit, good ones routed, the others quarantined alone; the answer lists each under
   * {@code listName} with the counts. When the journal fails, {@code 503} with the parts stored so far and
   * {@code resend} (given the failed part's number) in its error.
   */
  private Reply intakeEach(Received exchange, List<Part> parts, String listName, String resend) {
    String origin = "serve POST " + (SIGNED.equals(exchange.path()) ? SIGNED : LEADS_PREFIX + "<token>") + " ";
    ObjectNode answer = JSON.createObjectNode();
    ArrayNode list = answer.putArray(listName);
    int accepted = 0;
    int quarantined = 0;
    for (Part part : parts) {
      IntakeReceipt taken;
      try {
        taken = router.intake(part.read().get(), part.bytes(), origin + part.name());
      } catch (LeadRouterException e) {
        boolean damaged = e instanceof JournalDamagedException; // the journal logged once how to recover
        LOG.warn("{} was refused (503): {}", part.name(), damaged ? "the journal is damaged"
            : Scrubber.standard().scrub(String.valueOf(e.getMessage())));
        answer.put("error", part.name() + " could not be stored" + (damaged ? " (the journal is damaged)" : "")
            + (list.isEmpty() ? "" : "; the " + listName + " listed were") + ": "
            + resend.formatted(part.number()));
        return reply(503, answer);
      }
      ObjectNode n = list.addObject().put(part.key(), part.number());
      if (part.index() >= 0) {
        n.put("index", part.index());
      }
      if (taken instanceof IntakeReceipt.Quarantined q) {
        quarantined++;
        n.put("quarantined", true);
        n.put("quarantineId", q.quarantineId());
        n.putObject("diagnosis").put("code", q.diagnosis().code()).put("message", q.diagnosis().message())
            .put("fix", q.diagnosis().remediation());
      } else {
        accepted++;
        RoutingReceipt receipt = ((IntakeReceipt.Routed) taken).receipt();
        n.put("leadId", receipt.leadId().value());
        n.put("duplicate", receipt.duplicate());
        ArrayNode to = n.putArray("destinations");
        receipt.destinations().forEach(to::add);
      }
    }
    answer.put("accepted", accepted);
    answer.put("quarantined", quarantined);
    return reply(202, answer);
  }

  /**
   * The origin's note of a charset the request declares other than UTF-8, so a replay of the quarantine reads the body
   * as that again; empty otherwise.
   */
  private static String declaring(Map<String, List<String>> headers) {
    return first(headers, "Content-Type").flatMap(MarketplaceCodec::declaredCharset)
        .filter(c -> !c.equals(StandardCharsets.UTF_8)).map(c -> " " + MarketplaceCodec.declaring(c)).orElse("");
  }

  /** The request's {@code webhook-id} when it is a valid lead id, as {@link MarketplaceWebhook} takes it. */
  private static Optional<LeadId> webhookId(Map<String, List<String>> headers) {
    try {
      return first(headers, WebhookSigner.ID_HEADER).filter(v -> !v.isEmpty()).map(LeadId::of);
    } catch (InvalidLeadException e) {
      return Optional.empty(); // the line is then read as any other: its id from its bytes
    }
  }

  /** The media type of a {@code Content-Type} value, lower case, without parameters. */
  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).strip().toLowerCase(Locale.ROOT);
  }

  private Reply health() {
    ObjectNode n = JSON.createObjectNode();
    int status;
    try {
      Map<String, Map<DeliveryState, Long>> counts = router.counts();
      // a journal that refuses new leads (a full disk, its file moved away) still delivers its backlog, but a load
      // balancer must send the marketplace's posts elsewhere: they would get 503, and none is sent again
      boolean refusing = router.journal().intakeRefused().isPresent();
      n.put("status", refusing ? "unavailable" : "ok");
      n.put("journal", refusing ? "refusing leads" : "reachable"); // the log says why, and the fix
      n.put("quarantined", router.quarantineCount());
      ObjectNode destinations = n.putObject("destinations");
      for (String d : router.destinations()) {
        ObjectNode c = destinations.putObject(d);
        Map<DeliveryState, Long> byState = counts.getOrDefault(d, Map.of());
        for (DeliveryState s : DeliveryState.values()) {
          c.put(s.name().toLowerCase(Locale.ROOT), byState.getOrDefault(s, 0L));
        }
      }
      status = refusing ? 503 : 200;
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
    // HEAD gets GET's answer too: the transport sends its headers, Content-Length the GET's (RFC 9110 9.3.2), and no
    // body (an empty body made it say Content-Length: 0)
    return reply(status, n);
  }

  private static Reply methodNotAllowed(String method, String allow) {
    return new Reply(405, Map.of("Allow", allow), json(error("method " + method + " is not allowed here; use "
        + allow)));
  }

  /**
   * A body that is no JSON or no UTF-8, sent with a {@code Content-Encoding} (compressed: serve reads bodies as
   * sent) or a {@code Content-Type} other than JSON (a form post): the diagnosis names the header and the fix.
   */
  private static Diagnosis declared(Diagnosis d, Map<String, List<String>> headers) {
    if ("PAYLOAD_SEVERAL_OBJECTS".equals(d.code())) {
      return new Diagnosis(d.code(), d.message(), "send one lead per request, or several as NDJSON (one lead per"
          + " line) with Content-Type: application/x-ndjson");
    }
    if ("PAYLOAD_EMPTY".equals(d.code()) && first(headers, "Content-Length").isEmpty()
        && first(headers, "Transfer-Encoding").isEmpty()) {
      return new Diagnosis(d.code(), "body: the request has none: it gives neither Content-Length nor"
          + " Transfer-Encoding: chunked, so nothing after its headers is its body", "send the lead JSON with a"
          + " Content-Length header");
    }
    if (!"PAYLOAD_NOT_JSON".equals(d.code()) && !"PAYLOAD_INVALID_UTF8".equals(d.code())) {
      return d;
    }
    Optional<String> unknownCharset = first(headers, "Content-Type")
        .filter(t -> t.toLowerCase(Locale.ROOT).contains("charset") && MarketplaceCodec.declaredCharset(t).isEmpty());
    if ("PAYLOAD_INVALID_UTF8".equals(d.code()) && unknownCharset.isPresent()) {
      return new Diagnosis(d.code(), d.message() + "; the request says Content-Type: " + printable(unknownCharset.get())
          + ", a charset this server does not know", "send the lead JSON as UTF-8, or declare its charset by its IANA"
          + " name (Content-Type: application/json; charset=windows-1252)");
    }
    Optional<String> coding = first(headers, "Transfer-Encoding")
        .filter(t -> !t.toLowerCase(Locale.ROOT).replaceAll("[\\s,]|chunked|identity", "").isEmpty());
    if (coding.isPresent()) {
      return new Diagnosis(d.code(), d.message() + "; the request says Transfer-Encoding: " + printable(coding.get())
          + ", which serve does not decode", "send the lead JSON with Content-Length, or Transfer-Encoding: chunked"
          + " alone");
    }
    Optional<String> encoding = first(headers, "Content-Encoding").filter(e -> !e.equalsIgnoreCase("identity"));
    if (encoding.isPresent()) {
      return new Diagnosis(d.code(), d.message() + "; the request says Content-Encoding: " + printable(encoding.get())
          + ", which serve does not decode", "send the lead JSON uncompressed, without Content-Encoding");
    }
    Optional<String> type = first(headers, "Content-Type")
        .filter(t -> !t.toLowerCase(Locale.ROOT).contains("json") && !t.toLowerCase(Locale.ROOT).startsWith("text/"));
    return type.map(t -> new Diagnosis(d.code(), d.message() + "; the request says Content-Type: " + printable(t),
        "send the lead as JSON with Content-Type: application/json")).orElse(d);
  }

  private static Optional<String> first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0).strip());
  }

  /** A header value as shown back: printable ASCII, at most 60 characters. */
  private static String printable(String value) {
    String shown = value.length() > 60 ? value.substring(0, 60) + "..." : value;
    return shown.replaceAll("[^\\x20-\\x7e]", "?");
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

  private static ObjectNode error(String message) {
    ObjectNode n = JSON.createObjectNode();
    n.put("error", message);
    return n;
  }

  private static Reply reply(int status, ObjectNode body) {
    return new Reply(status, Map.of(), json(body));
  }

  private static byte[] json(ObjectNode body) {
    try {
      return JSON.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a JSON tree always serialises", e);
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
