package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.journal.SqliteJournal;
import io.leadrouter.spi.DeliveryResult;
import io.leadrouter.spi.Diagnosis;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile intake audit: real marketplace leads as DOMAIN.md shows them, taken in through {@link LeadRouter#intake}
 * into a real SQLite journal. Each test failed on the code before its fix.
 */
class RealMarketplaceIntakeTest {
  // DOMAIN.md "HTTPS endpoint": the marketplace's own body, short form (no offer part in LeadSource)
  private static final String DOMAIN_BODY = """
      {"UserDetails":{"FirstName":"","LastName":"","Email":"someone@contoso.com","Phone":"",
       "Country":"US","Company":"","Title":""},
       "LeadSource":"AzureMarketplace","ActionCode":"INS",
       "OfferTitle":"Contoso CRM","Description":"{\\"mktcmpid\\":\\"blog\\"}"}""";

  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void domainsOwnHttpsBody_isRoutedByAnOfferRule_onItsOfferTitle() throws Exception {
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + l.id())))
        .route(RoutingRule.offer("contoso", "contoso*", List.of("crm"))).build()) {
      IntakeReceipt taken = router.intake(utf8(DOMAIN_BODY), "test");

      // before: offerId was "" for the short form, no offer rule matched, the lead sat in quarantine (LEAD_NO_ROUTE)
      assertThat(taken).isInstanceOfSatisfying(IntakeReceipt.Routed.class, r -> {
        assertThat(r.lead().source().offerId()).isEqualTo("Contoso CRM");
        assertThat(r.lead().source().raw()).isEqualTo("AzureMarketplace"); // kept as sent
        assertThat(r.lead().source().action()).isEqualTo(LeadAction.INSTALL);
        assertThat(r.lead().flags()).isEmpty();
      });
      ((IntakeReceipt.Routed) taken).receipt().allDelivered().get(30, TimeUnit.SECONDS);
      assertThat(router.quarantineCount()).isZero();
      // the body sent on is the shape received: LeadSource still the short form, the offer in OfferTitle
      String out = MarketplaceCodec.standard().toJsonString(((IntakeReceipt.Routed) taken).lead());
      assertThat(out).contains("\"LeadSource\":\"AzureMarketplace\"", "\"OfferTitle\":\"Contoso CRM\"");
    }
  }

  @Test
  void descriptorWithAnOffer_keepsIt_andATableRowsShortFormTakesOfferDisplayName() {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    Lead full = codec.fromJson(utf8("{\"UserDetails\":{},\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\","
        + "\"OfferTitle\":\"Contoso CRM\"}"));
    Lead noOffer = codec.fromJson(utf8("{\"UserDetails\":{},\"LeadSource\":\"SPZA-Create | \","
        + "\"OfferTitle\":\" Contoso CRM \"}"));
    Lead row = codec.fromTableEntity(Map.of("RowKey", "r-1", "CustomerInfo", "{}", "LeadSource", "AzurePortal",
        "ActionCode", "PLT", "OfferDisplayName", "Contoso CRM"));

    assertThat(full.source().offerId()).isEqualTo("contoso.crm");
    assertThat(noOffer.source().offerId()).isEqualTo("Contoso CRM");
    assertThat(noOffer.offerTitle()).isEqualTo(" Contoso CRM "); // the title itself stays as sent
    assertThat(row.source().offerId()).isEqualTo("Contoso CRM");
    assertThat(row.source().action()).isEqualTo(LeadAction.PRE_INSTALL);
  }

  @Test
  void flags_neverHoldTheSendersEmailOrPhone_notEvenAsTheOriginalExplainShows() {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    Lead body = codec.fromJson(utf8("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},\"LeadSource\":"
        + "\"AzureMarketplace-INS|x.y\",\"LeadId\":\"john doe@contoso.com\",\"CreatedTime\":\"+1 425 555 0100\"}"));
    Lead row = codec.fromTableEntity(Map.of("RowKey", "jane doe@contoso.com", "CustomerInfo", "{}",
        "CreatedTime", "call +1 425 555 0199", "LeadSource", "AzureMarketplace-INS|x.y"));

    for (Lead lead : List.of(body, row)) {
      assertThat(lead.flags()).extracting(LeadFlag::code)
          .contains(LeadFlag.LEAD_ID_UNUSABLE, LeadFlag.CREATED_TIME_UNREADABLE);
      for (LeadFlag f : lead.flags()) {
        assertThat(f.original() + f.message() + f.path()).doesNotContain("doe@contoso.com")
            .doesNotContain("555 01");
      }
      // explain shows each flag's original ("sent as ..."): it held the raw e-mail and phone
      assertThat(String.join("\n", LeadExplainer.flags(lead))).doesNotContain("doe@contoso.com")
          .doesNotContain("555 01").contains("sent as");
    }
    // an original without personal data is kept exactly
    Lead country = codec.fromJson(utf8("{\"UserDetails\":{\"Country\":\" usa \"},\"LeadSource\":\"AzurePortal-PLT|x.y\"}"));
    assertThat(country.flags()).singleElement().satisfies(f -> assertThat(f.original()).isEqualTo(" usa "));
  }

  /**
   * explain printed a flag's original as sent: a {@code LeadId} or {@code CreatedTime} holding ESC sequences (or a
   * bidi override) drove the terminal of the operator reading {@code leadrouter explain}.
   */
  @Test
  void explainFlags_showControlAndFormatCharactersOfTheOriginal_neverRaw() {
    Lead lead = MarketplaceCodec.standard().fromJson(utf8("{\"UserDetails\":{\"Email\":\"a@contoso.com\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|x.y\",\"LeadId\":\"id\\u001b]0;pwned\\u0007\\u202e\","
        + "\"CreatedTime\":\"\\u001b[2Jyesterday\"}"));

    String flags = String.join("\n", LeadExplainer.flags(lead));

    assertThat(flags).contains("(sent as 'id<U+001B>]0;pwned<U+0007>").contains("(sent as '<U+001B>[2Jyesterday')");
    assertThat(flags.codePoints().filter(cp -> Character.isISOControl(cp) && cp != '\n'
        || Character.getType(cp) == Character.FORMAT)).as(flags).isEmpty();
  }

  @Test
  void utf16AndUtf32Bodies_areReadAsWhatTheyAre_flagged_andABrokenOneIsKeptByteExact() throws Exception {
    String body = "{\"UserDetails\":{\"FirstName\":\"Zoë 中\",\"Email\":\"zoe@contoso.com\",\"Country\":\"US\","
        + "\"Phone\":\"+1 425 555 0100\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|contoso.crm\"}";
    byte[] le = body.getBytes(StandardCharsets.UTF_16LE);
    byte[] broken = java.util.Arrays.copyOf(le, le.length + 2); // ends with half a character: 0xD800 alone
    broken[le.length] = 0x00;
    broken[le.length + 1] = (byte) 0xD8;
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + l.id()))).defaultRoute("crm").build()) {
      for (byte[] sent : List.of(body.getBytes(StandardCharsets.UTF_16BE), le,
          body.getBytes(StandardCharsets.UTF_16), // big-endian with its byte-order mark FE FF
          concat(new byte[] {(byte) 0xFF, (byte) 0xFE}, le), body.getBytes("UTF-32BE"), body.getBytes("UTF-32LE"))) {
        IntakeReceipt taken = router.intake(sent, "test");

        // before: UTF-16BE and UTF-32 without a mark were "not JSON" (serve answered 400: the lead was lost), a
        // marked UTF-16 body was "invalid UTF-8 (byte 0xFE never occurs in UTF-8)", UTF-16LE was read unflagged
        assertThat(taken).as("%s bytes", sent.length).isInstanceOfSatisfying(IntakeReceipt.Routed.class, r -> {
          assertThat(r.lead().customer().firstName()).isEqualTo("Zoë 中");
          assertThat(r.lead().customer().email()).isEqualTo("zoe@contoso.com");
          assertThat(r.lead().id()).isEqualTo(LeadId.derivedFrom(sent)); // the bytes as sent: the same bytes, one lead
          assertThat(r.lead().flags()).singleElement().satisfies(f -> {
            assertThat(f.code()).isEqualTo(LeadFlag.BODY_NOT_UTF8);
            assertThat(f.message()).containsPattern("UTF-(16|32)(LE|BE)").contains("send UTF-8");
          });
        });
      }
      assertThat(router.intake(body.getBytes(StandardCharsets.UTF_16BE), "again"))
          .isInstanceOfSatisfying(IntakeReceipt.Routed.class, r -> assertThat(r.receipt().duplicate()).isTrue());

      IntakeReceipt kept = router.intake(broken, "test");

      assertThat(kept).isInstanceOfSatisfying(IntakeReceipt.Quarantined.class, q -> {
        assertThat(q.diagnosis().code()).isEqualTo("PAYLOAD_NOT_UTF8");
        assertThat(q.diagnosis().message()).contains("UTF-16LE").doesNotContain("zoe@contoso.com");
        assertThat(q.diagnosis().remediation()).contains("UTF-8");
      });
      assertThat(router.quarantined(10)).singleElement().satisfies(p -> {
        assertThat(p.payload()).isEqualTo(broken);
        // shown decoded as UTF-16: read as UTF-8, a zero byte stood between the phone's digits and it was not masked
        assertThat(p.maskedText()).doesNotContain("\0").doesNotContain("555 0100", "zoe@").contains("Zoë 中");
      });
    }
    // an NDJSON line cut from a UTF-16 file cannot be told character by character: kept, never read
    assertThat(MarketplaceCodec.standard().readLine(le, 3)).isInstanceOfSatisfying(ReadResult.Unreadable.class,
        u -> assertThat(u.diagnosis().toString()).contains("PAYLOAD_NOT_UTF8", "line 3", "UTF-16LE", "NDJSON"));
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void flagsAtTheSendersSpelling_areKeptOnce_inTheJournalAndTheDeliveredLead() throws Exception {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    byte[] body = utf8("{\"userdetails\":{\"EMAIL\":\"john@contoso\",\"country\":\"usa\"},"
        + "\"leadsource\":\"AzureCopilot-Chat|x.y\"}");
    Map<String, Object> row = Map.of("RowKey", "row-1", "CustomerInfo", "{\"email\":\"ann@contoso\"}",
        "LeadSource", "AzureMarketplace-INS|x.y");
    List<Lead> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    LeadId fromBody;
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> {
          delivered.add(l);
          return DeliveryResult.created("r-" + l.id());
        })).defaultRoute("crm").build()) {
      IntakeReceipt a = router.intake(body, "test");
      IntakeReceipt b = router.intake(codec.readTableEntity(row), codec.tableRowJson(row), "azure table t row 1");
      ((IntakeReceipt.Routed) a).receipt().allDelivered().get(30, TimeUnit.SECONDS);
      ((IntakeReceipt.Routed) b).receipt().allDelivered().get(30, TimeUnit.SECONDS);
      fromBody = ((IntakeReceipt.Routed) a).lead().id();
    }
    try (io.leadrouter.journal.LeadJournal journal = SqliteJournal.open(dir.resolve("j.db"))) {
      // before: route() normalised again and added EMAIL_INVALID and SOURCE_UNRECOGNISED a second time, at the
      // schema's paths (UserDetails.Email, LeadSource) the sender never wrote
      assertThat(journal.lead(fromBody).orElseThrow().flags()).extracting(f -> f.code() + " " + f.path())
          .containsExactlyInAnyOrder("EMAIL_INVALID userdetails.EMAIL", "COUNTRY_NORMALISED userdetails.country",
              "SOURCE_UNRECOGNISED leadsource");
      assertThat(journal.lead(LeadId.of("row-1")).orElseThrow().flags()).extracting(f -> f.code() + " " + f.path())
          .containsExactly("EMAIL_INVALID CustomerInfo.email");
    }
    assertThat(delivered).hasSize(2).allSatisfy(l -> assertThat(l.flags()).doesNotHaveDuplicates()
        .extracting(LeadFlag::path).doesNotContain("UserDetails.Email", "LeadSource"));
  }

  @Test
  void quarantinedPayload_isKeptByteExact_andShownWithEscapedEmailsAndPhonesMasked() throws Exception {
    // a key twice (quarantined), the e-mail and phone written with JSON escapes, as some serialisers write them
    byte[] sent = utf8("{\"UserDetails\":{\"Email\":\"john.doe\\u0040contoso.com\",\"EMAIL\":\"\\u006a\\u0061ne"
        + "\\u0040contoso.com\",\"Phone\":\"\\u002B1 \\u0034\\u0032\\u0035 555 0100\",\"Title\":\"C:\\\\u0040x\"},"
        + "\"LeadSource\":\"AzureMarketplace-INS|x.y\"}");
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r"))).defaultRoute("crm").build()) {
      IntakeReceipt taken = router.intake(sent, "test");

      assertThat(taken).isInstanceOfSatisfying(IntakeReceipt.Quarantined.class, q -> {
        assertThat(q.diagnosis().code()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
        assertThat(q.diagnosis().message()).startsWith("UserDetails.EMAIL at line 1");
      });
      assertThat(router.quarantined(10)).singleElement().satisfies(p -> {
        assertThat(p.payload()).isEqualTo(sent);
        // before: the escaped e-mails and phone were shown as sent, unmasked
        assertThat(p.maskedText()).doesNotContain("john.doe", "\\u006a", "jane", "u0040contoso", "425", "0034")
            .contains("j***@contoso.com", "***00")
            .contains("C:\\\\u0040x"); // an escaped backslash followed by "u0040" is no escape: shown as sent
      });
    }
  }

  @Test
  void descriptorWithNoBreakAndZeroWidthSpaces_isReadAsTyped_andItsDoNotContactRouted() throws Exception {
    // a descriptor and action pasted from a web page: U+00A0 and U+202F around '|' and '-', U+200B and U+FEFF
    String nbsp = "\u00A0";
    byte[] dnc = utf8("{\"UserDetails\":{\"Email\":\"ann@contoso.com\"},\"LeadSource\":\"AzureMarketplace" + nbsp
        + "-\u202FDNC" + nbsp + "|" + nbsp + "contoso.crm\u200B\"}");
    byte[] shortForm = utf8("{\"UserDetails\":{},\"LeadSource\":\"\uFEFFSPZA\",\"ActionCode\":\"DNC" + nbsp
        + "\",\"OfferTitle\":\"Contoso CRM" + nbsp + "\"}");
    List<Lead> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> {
          delivered.add(l);
          return DeliveryResult.created("r-" + l.id());
        }))
        .route(new RoutingRule("dnc", java.util.Optional.of("contoso*"), java.util.Set.of(),
            java.util.Set.of("DNC"), List.of("crm"))).build()) {
      for (byte[] sent : List.of(dnc, shortForm)) {
        IntakeReceipt taken = router.intake(sent, "test");

        // before: the action read 'DNC\u00A0', unknown: no longer a do-not-contact, flagged, and no rule matched
        assertThat(taken).isInstanceOfSatisfying(IntakeReceipt.Routed.class, r -> {
          assertThat(r.lead().isDoNotContact()).isTrue();
          assertThat(r.lead().source().isRecognized()).isTrue();
          assertThat(r.lead().source().offerId()).isIn("contoso.crm", "Contoso CRM");
          assertThat(r.lead().flags()).isEmpty();
        });
        ((IntakeReceipt.Routed) taken).receipt().allDelivered().get(30, TimeUnit.SECONDS);
      }
    }
    assertThat(delivered).hasSize(2).allSatisfy(l -> assertThat(l.isDoNotContact()).isTrue());
    assertThat(delivered.get(0).source().raw()).contains(nbsp); // kept as sent
  }

  @Test
  void theSameLeadWithoutLeadId_isOneLead_howeverItsBytesAreFramed() throws Exception {
    // a file holding the marketplace's body: 'route lead.json' reads its line without the line break, 'curl
    // --data-binary @lead.json' posts it with it, an editor saves it with a byte-order mark and CRLF
    byte[] line = utf8(DOMAIN_BODY.replace("\n", ""));
    List<byte[]> framings = List.of(line, utf8(DOMAIN_BODY.replace("\n", "") + "\n"),
        utf8("\uFEFF" + DOMAIN_BODY.replace("\n", "") + "\r\n"), utf8("  \t" + DOMAIN_BODY.replace("\n", "") + " \n\n"));
    MarketplaceCodec codec = MarketplaceCodec.standard();
    LeadId id = ((ReadResult.Readable) codec.readLine(line, 1)).lead().id();
    assertThat(id).isEqualTo(LeadId.derivedFrom(line)); // a payload without white space around keeps its id
    java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> {
          delivered.incrementAndGet();
          return DeliveryResult.created("r-" + l.id());
        })).route(RoutingRule.all("all", List.of("crm"))).build()) {
      for (byte[] body : framings) {
        // before: each framing was another lead id, so the one lead was accepted and delivered four times
        assertThat(((ReadResult.Readable) codec.read(body)).lead().id()).isEqualTo(id);
        IntakeReceipt taken = router.intake(body, "test");
        assertThat(((IntakeReceipt.Routed) taken).lead().id()).isEqualTo(id);
        ((IntakeReceipt.Routed) taken).receipt().allDelivered().get(30, TimeUnit.SECONDS);
      }
      assertThat(((ReadResult.Readable) codec.readElement(line, 0)).lead().id()).isEqualTo(id);
      assertThat(delivered).hasValue(1);
    }
  }

  @Test
  void aLeadIdWithWhiteSpaceAroundIt_isThatId_soTheLeadSentAgainIsDeliveredOnce() throws Exception {
    java.util.concurrent.atomic.AtomicInteger delivered = new java.util.concurrent.atomic.AtomicInteger();
    String body = DOMAIN_BODY.replace("\n", "").replace("\"OfferTitle\"", "\"LeadId\":\"%s\",\"OfferTitle\"");
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> {
          delivered.incrementAndGet();
          return DeliveryResult.created("r-" + l.id());
        })).route(RoutingRule.all("all", List.of("crm"))).build()) {
      IntakeReceipt first = router.intake(utf8(body.formatted("mp-lead-7")), "test");
      ((IntakeReceipt.Routed) first).receipt().allDelivered().get(30, TimeUnit.SECONDS);
      // the same lead from a CSV export: the id padded, a line break pasted after it
      IntakeReceipt again = router.intake(utf8(body.formatted(" mp-lead-7\\u00a0\\r\\n")), "test");

      // before: ' mp-lead-7 ' was no valid id (LEAD_ID_UNUSABLE), an id derived from the payload was used, and the
      // one lead was delivered twice
      assertThat(again).isInstanceOfSatisfying(IntakeReceipt.Routed.class, r -> {
        assertThat(r.lead().id()).isEqualTo(LeadId.of("mp-lead-7"));
        assertThat(r.receipt().duplicate()).isTrue();
        assertThat(r.lead().flags()).extracting(LeadFlag::code, LeadFlag::path)
            .containsExactly(org.assertj.core.groups.Tuple.tuple(LeadFlag.LEAD_ID_NORMALISED, "LeadId"));
      });
      assertThat(delivered).hasValue(1);
    }
  }

  @Test
  void aBodyWithNoBreakOrZeroWidthSpacesAroundIt_isTheLead_flagged_notRefusedAsNoJson() throws Exception {
    String body = DOMAIN_BODY.replace("\n", "");
    MarketplaceCodec codec = MarketplaceCodec.standard();
    // pasted from a web page (U+00A0), through a tool adding a second byte-order mark, a zero-width space after it
    for (String sent : new String[] {"\u00a0" + body, "\uFEFF\uFEFF" + body, " \u00a0\n" + body + "\u200b\r\n",
        "\u3000" + body + "\u00a0"}) {
      ReadResult r = codec.read(utf8(sent));
      // before: PAYLOAD_NOT_JSON (serve answered 400 and stored nothing: the marketplace does not send again, so the
      // lead was lost) or PAYLOAD_TRAILING_DATA (quarantined)
      assertThat(r).as(sent).isInstanceOfSatisfying(ReadResult.Readable.class, ok -> {
        assertThat(ok.lead().customer().email()).isEqualTo("someone@contoso.com");
        assertThat(ok.lead().flags()).extracting(LeadFlag::code).containsExactly(LeadFlag.BODY_NORMALISED);
      });
      assertThat(((ReadResult.Readable) codec.readLine(utf8(sent.strip()), 3)).lead().customer().email())
          .isEqualTo("someone@contoso.com");
    }
    assertThat(((ReadResult.Readable) codec.read(utf8("\u00a0" + body + "\u200b"))).lead().flags().get(0).message())
        .isEqualTo("left out U+00A0 before, U+200B after the JSON value: they are no JSON white space, and never part"
            + " of a lead; send the JSON alone");
    // positions still count from the payload as sent: the key twice is at column 35 after the U+00A0
    ReadResult twice = codec.read(utf8("\u00a0{\"UserDetails\":{\"Email\":\"a@b.com\",\"email\":\"c@d.com\"},\"LeadSource\":\"x\"}"));
    assertThat(((ReadResult.Unreadable) twice).diagnosis().message())
        .startsWith("UserDetails.email at line 1, column 36: the key appears as 'Email' and as 'email' (first at line"
            + " 1, column 18)");
    // a blank inside the value, or a text that is no JSON, stays what it was
    assertThat(((ReadResult.Unreadable) codec.read(utf8("\u00a0hello"))).diagnosis().code()).isEqualTo("PAYLOAD_NOT_JSON");
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + l.id())))
        .route(RoutingRule.all("all", List.of("crm"))).build()) {
      assertThat(router.intake(utf8("\u00a0" + body), "test")).isInstanceOf(IntakeReceipt.Routed.class);
    }
  }

  @Test
  void aBodyEncodedTwice_aJsonTextHoldingTheLead_isTheLead_flagged_notQuarantined() throws Exception {
    String body = DOMAIN_BODY.replace("\n", "");
    String twice = "\"" + body.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    MarketplaceCodec codec = MarketplaceCodec.standard();
    // before: PAYLOAD_NOT_AN_OBJECT, kept in quarantine for good (a replay reads the same text again)
    ReadResult r = codec.read(utf8(twice));
    assertThat(r).isInstanceOfSatisfying(ReadResult.Readable.class, ok -> {
      assertThat(ok.lead().customer().email()).isEqualTo("someone@contoso.com");
      assertThat(ok.lead().description()).isEqualTo("{\"mktcmpid\":\"blog\"}");
      assertThat(ok.lead().flags()).extracting(LeadFlag::toString).containsExactly("BODY_NORMALISED body: the body is"
          + " a JSON text holding the lead's JSON object (encoded twice): read as that object; send the object itself");
    });
    // what the text holds is read as strictly as a body, and unwrapped once only
    Diagnosis broken = ((ReadResult.Unreadable) codec.read(utf8("\"{\\\"UserDetails\\\":{\\\"Email\\\":\\\"a@b.com\\\","
        + "\\\"email\\\":\\\"c@d.com\\\"}}\""))).diagnosis();
    assertThat(broken.code()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
    assertThat(broken.message()).contains("of the JSON text the body holds");
    String thrice = "\"" + twice.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    assertThat(((ReadResult.Unreadable) codec.read(utf8(thrice))).diagnosis().code()).isEqualTo("PAYLOAD_NOT_AN_OBJECT");
    assertThat(((ReadResult.Unreadable) codec.read(utf8("\"lead\""))).diagnosis().code())
        .isEqualTo("PAYLOAD_NOT_AN_OBJECT");
    try (LeadRouter router = LeadRouter.builder().journalPath(dir.resolve("j.db"))
        .addSink("crm", LambdaSink.of(l -> DeliveryResult.created("r-" + l.id())))
        .route(RoutingRule.all("all", List.of("crm"))).build()) {
      assertThat(router.intake(utf8(twice), "test")).isInstanceOf(IntakeReceipt.Routed.class);
    }
  }
}
