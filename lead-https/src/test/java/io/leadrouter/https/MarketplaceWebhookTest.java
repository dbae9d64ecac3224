package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.leadrouter.InvalidLeadException;
import io.leadrouter.Lead;
import io.leadrouter.LeadAction;
import io.leadrouter.LeadChannel;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.SampleLeads;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Inbound: the marketplace's own posts and signed posts from another LeadRouter. */
class MarketplaceWebhookTest {
  /** The body as DOMAIN.md ("HTTPS endpoint (webhook)") shows the marketplace sending it. */
  private static final String MARKETPLACE_BODY = "{\"UserDetails\":{\"FirstName\":\"\",\"LastName\":\"\","
      + "\"Email\":\"someone@contoso.com\",\"Phone\":\"\",\"Country\":\"US\",\"Company\":\"\",\"Title\":\"\"},"
      + "\"LeadSource\":\"AzureMarketplace\",\"ActionCode\":\"INS\",\"OfferTitle\":\"Contoso CRM\","
      + "\"Description\":\"{\\\"mktcmpid\\\":\\\"blog\\\"}\"}";
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void parse_marketplaceBodyWithoutHeaders_readsEveryFieldWithIdDerivedFromBody() {
    Lead lead = MarketplaceWebhook.parse(bytes(MARKETPLACE_BODY), Map.of());
    assertThat(lead.customer().email()).isEqualTo("someone@contoso.com");
    assertThat(lead.customer().country()).isEqualTo("US");
    assertThat(lead.source().channel()).isEqualTo(LeadChannel.AZURE_MARKETPLACE);
    assertThat(lead.source().action()).isEqualTo(LeadAction.INSTALL);
    assertThat(lead.offerTitle()).isEqualTo("Contoso CRM");
    assertThat(lead.description()).isEqualTo("{\"mktcmpid\":\"blog\"}");
    assertThat(lead.id()).as("the same post twice is one lead").isEqualTo(LeadId.derivedFrom(bytes(MARKETPLACE_BODY)));
  }

  @Test
  void receive_theBodyWithItsFilesLineBreakOrAByteOrderMark_isTheLeadRouteReadsFromTheFile() {
    // 'curl --data-binary @lead.json' posts the file's final line break; 'leadrouter route lead.json' reads the line
    // without it: before, the two were two lead ids, so one lead was delivered twice
    LeadId fromTheFile = ((ReadResult.Readable) MarketplaceCodec.standard().readLine(bytes(MARKETPLACE_BODY), 1))
        .lead().id();
    for (String body : new String[] {MARKETPLACE_BODY + "\n", MARKETPLACE_BODY + "\r\n", "\uFEFF" + MARKETPLACE_BODY,
        " " + MARKETPLACE_BODY + "\n\n"}) {
      assertThat(((ReadResult.Readable) MarketplaceWebhook.builder().build().receive(bytes(body), Map.of())).lead().id())
          .isEqualTo(fromTheFile);
      assertThat(MarketplaceWebhook.parse(bytes(body), Map.of()).id()).isEqualTo(fromTheFile);
    }
  }

  @Test
  void parse_keysInOtherCase_areRead() {
    Lead lead = MarketplaceWebhook.parse(bytes("{\"userDetails\":{\"email\":\"a@b.example\",\"FIRSTNAME\":\"Ann\"},"
        + "\"leadSource\":\"SPZA-Create|contoso.crm-connector\"}"), Map.of());
    assertThat(lead.customer().email()).isEqualTo("a@b.example");
    assertThat(lead.customer().firstName()).isEqualTo("Ann");
    assertThat(lead.source().offerId()).isEqualTo("contoso.crm-connector");
  }

  @Test
  void parse_withWebhookIdHeader_usesItAsLeadId() {
    Lead lead = MarketplaceWebhook.parse(bytes(MARKETPLACE_BODY), Map.of("Webhook-Id", List.of("msg_2KWPBgLlAfx")));
    assertThat(lead.id()).isEqualTo(LeadId.of("msg_2KWPBgLlAfx"));
  }

  @Test
  void parse_webhookIdDisagreeingWithBodyLeadId_bodyLeadIdWins() {
    // another LeadRouter's webhook-id is msg_ + a hash of the LeadId it sends in the body
    String body = "{\"LeadId\":\"from-body\",\"UserDetails\":{\"Email\":\"x@y.example\"}}";
    assertThat(MarketplaceWebhook.parse(bytes(body), Map.of("webhook-id", List.of("from-header"))).id())
        .isEqualTo(LeadId.of("from-body"));
  }

  @Test
  void parse_invalidWebhookId_failsNamingTheHeader() {
    assertThatThrownBy(() -> MarketplaceWebhook.parse(bytes(MARKETPLACE_BODY),
        Map.of("webhook-id", List.of("has spaces/and slashes"))))
        .isInstanceOf(InvalidLeadException.class)
        .hasMessage("invalid lead: webhook-id: 'has spaces/and slashes' is not a valid lead id (use 1 to 128"
            + " characters of A-Z a-z 0-9 . _ ~ : @ + = -)");
  }

  @Test
  void read_signedPostFromOurSink_verifiesAndRoundTrips() {
    Lead sent = SampleLeads.unicodeNames();
    byte[] body = MarketplaceCodec.standard().toJson(sent);
    String id = WebhookSigner.messageId(sent.id()); // as HttpsSink sends it
    String signature = WebhookSigner.of(Secret.of(WebhookVectorsTest.SECRET)).sign(id, NOW.getEpochSecond(), body);
    Map<String, List<String>> headers = Map.of("webhook-id", List.of(id),
        "webhook-timestamp", List.of(Long.toString(NOW.getEpochSecond())), "webhook-signature", List.of(signature));
    MarketplaceWebhook reader = MarketplaceWebhook.builder().verifier(WebhookVerifier.builder()
        .secret(Secret.of(WebhookVectorsTest.SECRET)).clock(CLOCK).build()).clock(CLOCK).build();
    Lead received = reader.read(body, headers);
    assertThat(received).isEqualTo(sent);
  }

  @Test
  void read_withVerifierAndUnsignedPost_failsMissingHeader() {
    MarketplaceWebhook reader = MarketplaceWebhook.builder().verifier(WebhookVerifier.builder()
        .secret(Secret.of(WebhookVectorsTest.SECRET)).clock(CLOCK).build()).build();
    assertThatThrownBy(() -> reader.read(bytes(MARKETPLACE_BODY), Map.of()))
        .isInstanceOf(WebhookVerificationException.class).hasMessageStartingWith("webhook-id header is missing");
  }

  @Test
  void parse_bodyOverLimit_failsNamingBodyAndLimit() {
    byte[] large = bytes("{\"Description\":\"" + "x".repeat(MarketplaceWebhook.DEFAULT_MAX_BODY_BYTES) + "\"}");
    assertThatThrownBy(() -> MarketplaceWebhook.parse(large, Map.of()))
        .isInstanceOf(InvalidLeadException.class)
        .hasMessage("invalid lead: body: is " + large.length + " bytes, over the limit of 262144 bytes"
            + " (a marketplace lead is a few KiB: check what is being sent)");
  }

  @Test
  void read_streamOverLimit_stopsReadingOneByteBeyond() throws Exception {
    MarketplaceWebhook reader = MarketplaceWebhook.builder().maxBodyBytes(1024).build();
    int[] read = {0};
    InputStream endless = new InputStream() {
      @Override
      public int read() {
        read[0]++;
        return 'x';
      }
    };
    assertThatThrownBy(() -> reader.read(endless, Map.of()))
        .isInstanceOf(InvalidLeadException.class)
        .hasMessage("invalid lead: body: is over the limit of 1024 bytes (a marketplace lead is a few KiB: check"
            + " what is being sent)");
    assertThat(read[0]).isEqualTo(1025);
  }

  @Test
  void builder_limitOverWhatTheCodecReads_isRefusedNamingTheMaximum_notAnOverflowAtTheFirstRead() {
    // Integer.MAX_VALUE + 1 overflowed when a stream was read ("len < 0" on every request); a limit over the codec's
    // 1 MiB kept a quarantined body cut to 1 MiB
    for (int limit : new int[] {Integer.MAX_VALUE, MarketplaceCodec.DEFAULT_MAX_BODY_BYTES + 1}) {
      assertThatThrownBy(() -> MarketplaceWebhook.builder().maxBodyBytes(limit))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("maxBodyBytes must be <= 1048576 (the largest lead the codec reads; a marketplace lead is a few"
              + " KiB): " + limit);
    }
    MarketplaceWebhook largest = MarketplaceWebhook.builder().maxBodyBytes(MarketplaceCodec.DEFAULT_MAX_BODY_BYTES)
        .build();
    assertThat(largest.maxBodyBytes()).isEqualTo(MarketplaceCodec.DEFAULT_MAX_BODY_BYTES);
  }

  @Test
  void read_streamWithinLimit_parses() throws Exception {
    Lead lead = MarketplaceWebhook.builder().build().read(new ByteArrayInputStream(bytes(MARKETPLACE_BODY)), Map.of());
    assertThat(lead.customer().email()).isEqualTo("someone@contoso.com");
  }

  @Test
  void parse_malformedJson_failsNamingBodyAndPosition() {
    assertThatThrownBy(() -> MarketplaceWebhook.parse(bytes("{\"UserDetails\":{\"Email\":\"a@b.example\",}"),
        Map.of()))
        .isInstanceOf(InvalidLeadException.class)
        .hasMessage("invalid lead: body at line 1, column 39: is not valid JSON: Unexpected character ('}' (code"
            + " 125)): was expecting double-quote to start field name (send the marketplace's lead JSON object,"
            + " complete and well-formed)");
  }

  @Test
  void parse_notAnObject_failsNamingBody() {
    assertThatThrownBy(() -> MarketplaceWebhook.parse(bytes("[1,2]"), Map.of()))
        .hasMessage("invalid lead: body at line 1, column 1: is an array, not the marketplace's lead object (send one"
            + " lead as one JSON object {...})");
  }

  @Test
  void parse_emptyBody_failsNamingBody() {
    assertThatThrownBy(() -> MarketplaceWebhook.parse(new byte[0], Map.of()))
        .hasMessage("invalid lead: body: is empty (post the marketplace's lead JSON object)");
  }

  @Test
  void parse_objectWithoutLeadFields_failsNamingUserDetails() {
    assertThatThrownBy(() -> MarketplaceWebhook.parse(bytes("{\"hello\":\"world\"}"), Map.of()))
        .hasMessage("invalid lead: body: has neither UserDetails nor LeadSource, so it is no marketplace lead that can"
            + " be told apart from other JSON (send {\"UserDetails\":{...},\"LeadSource\":\"...\",...} as the"
            + " marketplace does)");
  }

  @Test
  void parse_userDetailsAsMalformedEmbeddedJson_failsNamingUserDetails() {
    assertThatThrownBy(() -> MarketplaceWebhook.parse(bytes("{\"UserDetails\":\"{not json\"}"), Map.of()))
        .isInstanceOf(InvalidLeadException.class)
        .hasMessageStartingWith("invalid lead: UserDetails at line 1, column 2 of the UserDetails text at line 1,"
            + " column 16: is not valid JSON: ");
  }
}
