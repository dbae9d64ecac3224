package io.leadrouter.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.spi.Secret;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.FormBody;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * An OAuth 2.0 client credentials grant (RFC 6749 §4.4): the token request a CRM sink sends as its app and the
 * standard answer it reads ({@code access_token}, {@code expires_in}). Written once for the identity providers the
 * sinks sign in at (Microsoft Entra ID, Salesforce, Marketo), which differ only in the token URL, extra parameters
 * and how they report errors; those stay with each sink's {@link AccessTokenCache.Fetcher}. Never shows the secret.
 *
 * @param tokenUrl where tokens are requested
 * @param clientId the app's client id
 * @param clientSecret the app's client secret
 */
public record ClientCredentialsGrant(HttpUrl tokenUrl, String clientId, Secret clientSecret) {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The longest lifetime a token answer is believed: a longer {@code expires_in} (Entra's tokens live at most a day,
   * Salesforce's and Marketo's less) is read as this, so the token is refreshed after a day, not never.
   */
  public static final long MAX_EXPIRES_IN = 24 * 60 * 60;
  private static final Pattern SECONDS = Pattern.compile("(\\d+)(\\.\\d*)?");

  /** Checks the parts are present. */
  public ClientCredentialsGrant {
    Objects.requireNonNull(tokenUrl, "tokenUrl");
    Objects.requireNonNull(clientId, "clientId");
    Objects.requireNonNull(clientSecret, "clientSecret");
  }

  /**
   * The token request as RFC 6749 sends it: a UTF-8 form POST of {@code grant_type=client_credentials},
   * {@code client_id}, {@code client_secret} and {@code extra} (e.g. Entra's {@code scope}), accepting JSON.
   */
  public Request post(Map<String, String> extra) {
    FormBody.Builder form = new FormBody.Builder(StandardCharsets.UTF_8)
        .add("grant_type", "client_credentials")
        .add("client_id", clientId)
        .add("client_secret", clientSecret.reveal());
    extra.forEach(form::add);
    return new Request.Builder().url(tokenUrl).post(form.build()).header("Accept", "application/json").build();
  }

  /**
   * The token request as a GET with the same parameters in the query (Marketo's identity endpoint asks for it so);
   * the URL then carries the secret, so it must never be shown.
   */
  public Request get() {
    HttpUrl url = tokenUrl.newBuilder().addQueryParameter("grant_type", "client_credentials")
        .addQueryParameter("client_id", clientId).addQueryParameter("client_secret", clientSecret.reveal()).build();
    return new Request.Builder().url(url).get().header("Accept", "application/json").build();
  }

  /**
   * The standard parts of a successful token answer.
   *
   * @param accessToken the token; empty when the answer holds none
   * @param expiresIn its lifetime in seconds, at most {@link #MAX_EXPIRES_IN}; -1 when the answer names none or
   *     no readable one (negative, not a number)
   */
  public record Answer(String accessToken, long expiresIn) {
    /** Checks the token is present (possibly empty). */
    public Answer {
      Objects.requireNonNull(accessToken, "accessToken");
    }

    /** Never shows the token. */
    @Override
    public String toString() {
      return "Answer[" + (accessToken.isEmpty() ? "no token" : "******") + ", expiresIn=" + expiresIn + "]";
    }
  }

  /**
   * Reads a 200 answer's JSON body.
   *
   * @throws IOException if the body is not JSON
   */
  public static Answer answer(String body) throws IOException {
    JsonNode json = JSON.readTree(Objects.requireNonNull(body, "body"));
    if (json == null) {
      throw new IOException("empty body");
    }
    return new Answer(json.path("access_token").asText(""), expiresIn(json.path("expires_in")));
  }

  /**
   * {@code expires_in} as seconds: a number or a string of digits (Entra's v1 endpoint sends one), fractions cut,
   * capped at {@link #MAX_EXPIRES_IN}; -1 for anything else. Jackson's {@code asLong} wrapped a number beyond a long
   * around (2^64 read as 0) and took a huge one as is, whose expiry no {@code Instant} holds: the token fetch threw a
   * {@code DateTimeException} and every delivery failed as a bare sink error.
   */
  private static long expiresIn(JsonNode node) {
    String text = node.isTextual() ? node.asText().strip()
        : node.isFloatingPointNumber() ? node.decimalValue().toPlainString() : node.isNumber() ? node.asText() : "";
    Matcher seconds = SECONDS.matcher(text);
    if (!seconds.matches()) {
      return -1;
    }
    String whole = seconds.group(1);
    return whole.length() > 18 ? MAX_EXPIRES_IN : Math.min(Long.parseLong(whole), MAX_EXPIRES_IN);
  }

  /**
   * What a 200 token answer that gave no usable token held, for a message: {@code "no body"}, {@code "a web page
   * '<its words>'"} (a proxy's or captive portal's: its text, never its markup), {@code "an answer that is not JSON"},
   * {@code "a JSON answer of <n> KiB or more, cut there ..."} (64 KiB or more of JSON that does not parse: cut at the
   * fetcher's read bound), {@code "JSON without access_token"} or {@code "JSON without a positive expires_in"}. A JSON answer is never quoted:
   * it may hold a token.
   */
  public static String unusable(String body) {
    if (body == null || body.isBlank()) {
      return "no body";
    }
    if (body.stripLeading().startsWith("<")) {
      String words = Bodies.quote(TAGS.matcher(SCRIPTS.matcher(body).replaceAll(" ")).replaceAll(" "), 200);
      return "a web page" + (words.isEmpty() ? "" : " '" + words + "'");
    }
    Answer a;
    try {
      a = answer(body);
    } catch (IOException | RuntimeException e) {
      int kib = body.getBytes(StandardCharsets.UTF_8).length / 1024;
      // cut at the fetcher's read bound (a 10 MB token): "not JSON" sent the reader looking for a proxy's page
      return body.stripLeading().startsWith("{") && kib >= CUT_KIB
          ? "a JSON answer of " + kib + " KiB or more, cut there (a token answer is a few KiB)"
          : "an answer that is not JSON";
    }
    return a.accessToken().isEmpty() ? "JSON without access_token" : "JSON without a positive expires_in";
  }

  /** A JSON answer this large that does not parse was cut at the fetcher's read bound (64 KiB and up). */
  private static final int CUT_KIB = 64;
  private static final Pattern SCRIPTS = Pattern.compile("(?is)<(script|style)\\b.*?</\\1\\s*>");
  private static final Pattern TAGS = Pattern.compile("(?s)<[^>]*>");

  /** Shows the token URL and client id, never the secret. */
  @Override
  public String toString() {
    // a URL's user info may be a password or a token
    return io.leadrouter.spi.Scrubber.standard().scrubCredentials("ClientCredentialsGrant[" + tokenUrl + ", clientId=" + clientId + "]");
  }
}
