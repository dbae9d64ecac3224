package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.spi.DeliveryResult;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile intake audit (third): a body in Latin-1 or windows-1252 is unambiguous when the request declares its charset
 * (read as declared, flagged {@code BODY_NOT_UTF8}); without a declaration it stays in quarantine, and the diagnosis
 * says how to fix it. Each test failed on the code before its fix.
 */
class DeclaredCharsetTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();
  private static final String BODY = "{\"UserDetails\":{\"FirstName\":\"Zoë\",\"LastName\":\"O’Brien\","
      + "\"Email\":\"zoe@contoso.com\",\"Country\":\"FR\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}";

  @TempDir Path dir;

  @ParameterizedTest
  @CsvSource({"windows-1252, application/json; charset=windows-1252", "windows-1252, text/plain;Charset=\"CP1252\"",
      "ISO-8859-1, application/json; charset=iso-8859-1"})
  void declaredSingleByteCharset_isReadAsDeclared_andFlagged(String encoding, String contentType) {
    String body = encoding.equals("ISO-8859-1") ? BODY.replace('’', '\'') : BODY; // ’ has no byte in ISO-8859-1
    byte[] sent = body.getBytes(Charset.forName(encoding));
    Optional<Charset> declared = MarketplaceCodec.declaredCharset(contentType);

    assertThat(declared).isPresent();
    ReadResult read = CODEC.read(sent, declared.get(), LeadId.derivedFrom(sent), Instant.EPOCH);

    // before: PAYLOAD_INVALID_UTF8 whatever the request declared, and kept in quarantine
    assertThat(read).as("%s", read).isInstanceOfSatisfying(ReadResult.Readable.class, r -> {
      assertThat(r.lead().customer().firstName()).isEqualTo("Zoë");
      assertThat(r.lead().customer().lastName()).isEqualTo(encoding.equals("ISO-8859-1") ? "O'Brien" : "O’Brien");
      assertThat(r.lead().id()).isEqualTo(LeadId.derivedFrom(sent));
      assertThat(r.lead().flags()).singleElement().satisfies(f -> {
        assertThat(f.code()).isEqualTo(LeadFlag.BODY_NOT_UTF8);
        assertThat(f.message()).contains(Charset.forName(encoding).name(), "declared", "send UTF-8");
      });
    });
  }

  /**
   * ISO-2022-JP (Japanese mail's encoding) is 7-bit: all its bytes are ASCII, valid UTF-8, and a name in it is escape
   * sequences around JIS letters. Before, a body declaring it was read as UTF-8, the ESC in a string made it "not valid
   * JSON", and it stayed in quarantine (a replay read it the same way). Read as declared, the name is the name.
   */
  @Test
  void declaredIso2022Jp_isReadAsDeclared_notAsTheUtf8ItsBytesAlsoAre() {
    String body = "{\"UserDetails\":{\"FirstName\":\"\u592A\u90CE\",\"LastName\":\"\u5C71\u7530\",\"Email\":"
        + "\"taro@contoso.co.jp\",\"Country\":\"JP\"},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}";
    byte[] sent = body.getBytes(Charset.forName("ISO-2022-JP"));
    Optional<Charset> declared = MarketplaceCodec.declaredCharset("application/json; charset=ISO-2022-JP");

    ReadResult read = CODEC.read(sent, declared.orElseThrow(), LeadId.derivedFrom(sent), Instant.EPOCH);

    assertThat(read).as("%s", read).isInstanceOfSatisfying(ReadResult.Readable.class, r -> {
      assertThat(r.lead().customer().firstName()).isEqualTo("\u592A\u90CE");
      assertThat(r.lead().customer().lastName()).isEqualTo("\u5C71\u7530");
      assertThat(r.lead().flags()).singleElement().satisfies(f -> {
        assertThat(f.code()).isEqualTo(LeadFlag.BODY_NOT_UTF8);
        assertThat(f.message()).contains("ISO-2022-JP", "declared");
      });
    });
    // plain ASCII under that label has no escape: read as it is, unflagged
    byte[] ascii = BODY.replace('\u00EB', 'e').replace('\u2019', '\'').getBytes(StandardCharsets.US_ASCII);
    assertThat(CODEC.read(ascii, declared.get(), LeadId.derivedFrom(ascii), Instant.EPOCH))
        .isInstanceOfSatisfying(ReadResult.Readable.class, r -> assertThat(r.lead().flags()).isEmpty());
  }

  @Test
  void aUtf8Body_isReadAsUtf8_whateverItsLabelSays() {
    // RFC 8259 section 8.1: JSON between systems is UTF-8; a label on valid UTF-8 changes nothing (section 11)
    byte[] sent = BODY.getBytes(StandardCharsets.UTF_8);

    ReadResult read = CODEC.read(sent, StandardCharsets.ISO_8859_1, LeadId.derivedFrom(sent), Instant.EPOCH);

    assertThat(read).isInstanceOfSatisfying(ReadResult.Readable.class, r -> {
      assertThat(r.lead().customer().firstName()).isEqualTo("Zoë");
      assertThat(r.lead().flags()).isEmpty();
    });
  }

  @Test
  void aByteTheDeclaredCharsetHasNoCharacterFor_isQuarantined_namingIt() {
    byte[] sent = BODY.replace("Zoë", "Zo\u0081").getBytes(StandardCharsets.ISO_8859_1); // 0x81: none in windows-1252

    ReadResult read = CODEC.read(sent, Charset.forName("windows-1252"), LeadId.derivedFrom(sent), Instant.EPOCH);

    assertThat(read).isInstanceOfSatisfying(ReadResult.Unreadable.class, u -> {
      assertThat(u.diagnosis().code()).isEqualTo("PAYLOAD_NOT_UTF8");
      assertThat(u.diagnosis().message()).isEqualTo("body at line 1, column 32: byte 0x81 is not UTF-8, nor a"
          + " character in windows-1252, which the request declares; the payload cannot be read without guessing");
    });
  }

  @Test
  void undeclaredLatin1_staysInQuarantine_andTheFixSaysToDeclareTheCharsetOrSendUtf8() {
    byte[] sent = BODY.replace('’', '\'').getBytes(StandardCharsets.ISO_8859_1);

    ReadResult read = CODEC.read(sent);

    assertThat(read).isInstanceOfSatisfying(ReadResult.Unreadable.class, u -> {
      assertThat(u.diagnosis().code()).isEqualTo("PAYLOAD_INVALID_UTF8");
      assertThat(u.diagnosis().remediation()).isEqualTo("send the payload encoded as UTF-8, or declare the charset it"
          + " is in (Content-Type: application/json; charset=windows-1252)");
    });
  }

  @Test
  void aQuarantinedDeclaredBody_isReadAgainAsDeclared_byReplay() throws Exception {
    byte[] sent = BODY.getBytes(Charset.forName("windows-1252"));
    String origin = "serve POST /leads/<token> " + MarketplaceCodec.declaring(Charset.forName("windows-1252"));
    IntakeReceipt first;
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + l.id())))
        .route(RoutingRule.offer("other", "other*", java.util.List.of("crm"))).build()) {
      first = router.intake(CODEC.read(sent, Charset.forName("windows-1252"), LeadId.derivedFrom(sent),
          Instant.EPOCH), sent, origin);
      assertThat(first).isInstanceOf(IntakeReceipt.Quarantined.class); // no route takes it yet
    }
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + l.id()))).defaultRoute("crm").build()) {
      // before: read again as UTF-8, it became PAYLOAD_INVALID_UTF8 and could never be routed
      assertThat(router.replayQuarantined(10).routed()).isEqualTo(1);
      assertThat(router.quarantineCount()).isZero();
    }
  }
}
