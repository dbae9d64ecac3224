package io.leadrouter.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.HttpHeader;
import com.github.tomakehurst.wiremock.http.HttpHeaders;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * A WireMock extension playing every destination as a hostile tester finds them: each answers an error in its vendor's
 * documented shape (DOMAIN.md) whose text echoes the whole request — method, URL with its query, every header
 * (Authorization, api keys) and the body (the lead's e-mail and phone, the client secret of a token request) — raw,
 * URL-encoded and Base64-encoded, inside a JSON string (so JSON-escaped on the wire), and echoes every request header
 * back as a response header. Token endpoints hand out a token to the client id {@link #GOOD_CLIENT} and refuse any
 * other one with the echo. Register with {@code wireMockConfig().extensions(new EchoFake(...))} and stub any request
 * with {@code aResponse()}.
 *
 * @param port the fake's port, where Salesforce's token answer points the client ({@code instance_url})
 * @param dynamicsToken the access token Entra ID hands out
 * @param salesforceToken the access token Salesforce hands out
 * @param marketoToken the access token Marketo's identity endpoint hands out
 */
record EchoFake(int port, String dynamicsToken, String salesforceToken, String marketoToken)
    implements ResponseDefinitionTransformerV2 {
  /** The client id (in every vendor's form) that gets a token; any other gets the echoing refusal. */
  static final String GOOD_CLIENT = "22222222-3333-4444-5555-666666666666";
  private static final ObjectMapper JSON = new ObjectMapper();

  @Override
  public String getName() {
    return "echo-everything";
  }

  @Override
  public ResponseDefinition transform(ServeEvent event) {
    Request r = event.getRequest();
    String url = r.getUrl();
    String echo = echo(r);
    boolean good = url.contains(GOOD_CLIENT) || r.getBodyAsString().contains(GOOD_CLIENT);
    ObjectNode body = JSON.createObjectNode();
    int status;
    if (url.contains("/oauth2/v2.0/token")) { // Entra ID
      if (good) {
        return json(200, body.put("token_type", "Bearer").put("expires_in", 3599).put("access_token", dynamicsToken),
            r);
      }
      status = 401;
      body.put("error", "invalid_client").put("error_description", "AADSTS7000215: Invalid client secret provided. "
          + echo).putArray("error_codes").add(7000215);
    } else if (url.startsWith("/services/oauth2/token")) { // Salesforce
      if (good) {
        return json(200, body.put("access_token", salesforceToken).put("instance_url", "http://127.0.0.1:" + port)
            .put("token_type", "Bearer").put("issued_at", "1764547200000").put("id", "https://login/id/00D/005"), r);
      }
      status = 400;
      body.put("error", "invalid_client").put("error_description", "invalid client credentials: " + echo);
    } else if (url.startsWith("/identity/oauth/token")) { // Marketo
      if (good) {
        return json(200, body.put("access_token", marketoToken).put("token_type", "bearer").put("expires_in", 3599)
            .put("scope", "api@contoso.com"), r);
      }
      status = 401;
      body.put("error", "invalid_client").put("error_description", "Bad client credentials " + echo);
    } else if (url.startsWith("/api/data/")) { // Dataverse
      status = 400;
      body.putObject("error").put("code", "0x80040203").put("message", "Invalid argument: " + echo);
    } else if (url.startsWith("/services/data/")) { // Salesforce REST: a list of errors
      ArrayNode list = JSON.createArrayNode();
      list.addObject().put("message", "bad value: " + echo).put("errorCode", "INVALID_FIELD").putArray("fields");
      return json(400, list, r);
    } else if (url.startsWith("/rest/")) { // Marketo: HTTP 200, success false
      status = 200;
      body.put("requestId", "e42b#14272d07d78").put("success", false).putArray("errors").addObject()
          .put("code", "1003").put("message", "Invalid data: " + echo);
    } else if (url.startsWith("/servlet/")) { // Web-to-Lead
      return com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(500)
          .withBody("<html><body>Error: " + echo + "</body></html>").build();
    } else if (url.startsWith("/Tables") || url.startsWith("/leads")) { // Azure Table
      status = 403;
      body.putObject("odata.error").put("code", "AuthenticationFailed").putObject("message").put("lang", "en-US")
          .put("value", "Server failed to authenticate the request. " + echo);
    } else { // any HTTPS receiver
      status = 422;
      body.put("error", "rejected").put("request", echo);
    }
    return json(status, body, r);
  }

  private static ResponseDefinition json(int status, Object body, Request r) {
    List<HttpHeader> headers = new ArrayList<>();
    headers.add(new HttpHeader("Content-Type", "application/json"));
    for (HttpHeader h : r.getHeaders().all()) {
      headers.add(new HttpHeader("X-Echo-" + h.key(), h.values()));
    }
    String auth = r.getHeader("Authorization");
    if (auth != null) {
      headers.add(new HttpHeader("WWW-Authenticate", "Bearer error=\"invalid_token\", token=\"" + auth + "\""));
    }
    try {
      return com.github.tomakehurst.wiremock.client.WireMock.aResponse().withStatus(status)
          .withBody(JSON.writeValueAsString(body)).withHeaders(new HttpHeaders(headers)).build();
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The request as text, then URL-encoded, then Base64: what careless servers put in their errors. */
  private static String echo(Request r) {
    StringBuilder b = new StringBuilder();
    b.append(r.getMethod()).append(' ').append(r.getAbsoluteUrl()).append('\n');
    for (HttpHeader h : r.getHeaders().all()) {
      b.append(h.key()).append(": ").append(String.join(", ", h.values())).append('\n');
    }
    b.append('\n').append(r.getBodyAsString());
    String text = b.toString();
    return text + " | url-encoded: " + URLEncoder.encode(text, StandardCharsets.UTF_8) + " | base64: "
        + Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
