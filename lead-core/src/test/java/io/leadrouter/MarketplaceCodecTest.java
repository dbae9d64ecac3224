package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MarketplaceCodecTest {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();
  private static final Instant CREATED = Instant.parse("2026-11-25T10:15:30Z");
  // the body the marketplace POSTs to an HTTPS endpoint (DOMAIN.md, "HTTPS endpoint")
  private static final String MARKETPLACE_BODY = """
      {"UserDetails":{"FirstName":"Jane","LastName":"Doe","Email":"jane.doe@contoso.com","Phone":"+1 425 555 0100",
       "Country":"US","Company":"Contoso","Title":"CTO"},
       "LeadSource":"AzureMarketplace","ActionCode":"INS",
       "OfferTitle":"Contoso CRM","Description":"{\\"mktcmpid\\":\\"blog\\"}"}""";

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static Lead sample() {
    return Lead.builder().id("lead-42").createdTime(CREATED).firstName("Zoë").lastName("Doe")
        .email("jane.doe@contoso.com").phone("+1 425 555 0100").country("US").company("Contoso").title("CTO")
        .source("AzureMarketplace-INS|contoso.crm-connector").offerTitle("Contoso CRM")
        .description("{\"mktcmpid\":\"blog\"}\nline two").attribute("utm", "x").build();
  }

  @Test
  void toJson_streamed_isByteForByteTheTreeEncoding() throws Exception {
    MarketplaceCodec codec = MarketplaceCodec.standard();
    Lead plain = sample();
    Lead bare = Lead.builder().id("lead-43").createdTime(CREATED).source("AzureMarketplace-INS|x.y").build();
    Lead escapes = sample().toBuilder().description("quote \" backslash \\ tab \t nul \u0000 emoji \uD83D\uDE00")
        .attribute("z-last", "\u2028").attribute("a-first", "").build();
    // an attribute named like a field replaces it where the field stands, as a JSON object's put does
    Lead colliding = sample().toBuilder().attribute("LeadId", "other").attribute("UserDetails", "flat").build();
    for (Lead lead : new Lead[] {plain, bare, escapes, colliding}) {
      assertThat(new String(codec.toJson(lead), StandardCharsets.UTF_8)).isEqualTo(viaTree(lead));
    }
    assertThat(new String(codec.toJson(colliding), StandardCharsets.UTF_8))
        .startsWith("{\"UserDetails\":\"flat\",").contains("\"LeadId\":\"other\"");
  }

  /** The body as a Jackson tree would encode it: the reference for the streamed encoding. */
  private static String viaTree(Lead lead) throws Exception {
    com.fasterxml.jackson.databind.ObjectMapper mapper = new com.fasterxml.jackson.databind.ObjectMapper();
    com.fasterxml.jackson.databind.node.ObjectNode u = mapper.createObjectNode();
    CustomerInfo c = lead.customer();
    u.put("FirstName", c.firstName()).put("LastName", c.lastName()).put("Email", c.email()).put("Phone", c.phone())
        .put("Country", c.country()).put("Company", c.company()).put("Title", c.title());
    com.fasterxml.jackson.databind.node.ObjectNode root = mapper.createObjectNode();
    root.set("UserDetails", u);
    root.put("LeadSource", lead.source().raw()).put("ActionCode", lead.source().actionText())
        .put("OfferTitle", lead.offerTitle()).put("Description", lead.description()).put("LeadId", lead.id().value())
        .put("CreatedTime", lead.createdTime().toString());
    lead.attributes().forEach(root::put);
    return new String(mapper.writeValueAsBytes(root), StandardCharsets.UTF_8); // as bytes: the UTF-8 generator
  }

  @Test
  void fromJson_marketplaceBody_decodesEveryField() {
    Lead lead = CODEC.fromJson(utf8(MARKETPLACE_BODY));

    assertThat(lead.customer()).isEqualTo(new CustomerInfo("Jane", "Doe", "jane.doe@contoso.com", "+1 425 555 0100",
        "US", "Contoso", "CTO"));
    assertThat(lead.source().channel()).isEqualTo(LeadChannel.AZURE_MARKETPLACE);
    assertThat(lead.source().action()).isEqualTo(LeadAction.INSTALL);
    assertThat(lead.source().raw()).isEqualTo("AzureMarketplace");
    assertThat(lead.offerTitle()).isEqualTo("Contoso CRM");
    assertThat(lead.description()).isEqualTo("{\"mktcmpid\":\"blog\"}");
    assertThat(lead.attributes()).isEmpty();
  }

  @Test
  void fromJson_sameBodyTwice_sameDerivedId() {
    Lead first = CODEC.fromJson(utf8(MARKETPLACE_BODY));
    Lead second = CODEC.fromJson(utf8(MARKETPLACE_BODY));

    assertThat(first.id()).isEqualTo(second.id()).isEqualTo(LeadId.derivedFrom(MARKETPLACE_BODY));
    assertThat(first.id().value()).startsWith("sha256-").hasSize(39);
  }

  @Test
  void fromJson_keysInAnyCase_andEmbeddedCustomerString() {
    String body = "{\"customerinfo\":\"{\\\"firstname\\\":\\\"Ana\\\",\\\"EMAIL\\\":\\\"ana@x.com\\\"}\","
        + "\"leadsource\":\"SPZA-Create|contoso.crm\",\"offerdisplayname\":\"Contoso\",\"Extra\":{\"a\":1},"
        + "\"n\":5}";

    Lead lead = CODEC.fromJson(utf8(body), LeadId.of("given"), CREATED);

    assertThat(lead.id()).isEqualTo(LeadId.of("given"));
    assertThat(lead.createdTime()).isEqualTo(CREATED);
    assertThat(lead.customer().firstName()).isEqualTo("Ana");
    assertThat(lead.customer().email()).isEqualTo("ana@x.com");
    assertThat(lead.source().action()).isEqualTo(LeadAction.CREATE);
    assertThat(lead.source().offerId()).isEqualTo("contoso.crm");
    assertThat(lead.offerTitle()).isEqualTo("Contoso");
    assertThat(lead.attributes()).containsExactly(Map.entry("Extra", "{\"a\":1}"), Map.entry("n", "5"));
  }

  @Test
  void fromJson_descriptorWithoutAction_takesActionCode() {
    Lead lead = CODEC.fromJson(utf8("{\"LeadSource\":\"AzurePortal|contoso.crm\",\"ActionCode\":\"DNC\"}"));

    assertThat(lead.source().action()).isEqualTo(LeadAction.DO_NOT_CONTACT);
    assertThat(lead.source().offerId()).isEqualTo("contoso.crm");
  }

  @Test
  void jsonRoundTrip_keepsTheLead() {
    Lead lead = sample();

    assertThat(CODEC.fromJson(CODEC.toJson(lead))).isEqualTo(lead);
    assertThat(CODEC.toJsonString(lead)).startsWith("{\"UserDetails\":{\"FirstName\":\"Zoë\"")
        .contains("\"LeadId\":\"lead-42\"", "\"CreatedTime\":\"2026-11-25T10:15:30Z\"", "\"utm\":\"x\"");
  }

  @Test
  void fromJson_invalidBodies_areRejectedWithPath() {
    assertThatThrownBy(() -> CODEC.fromJson(utf8("{\"a\":")))
        .isInstanceOf(InvalidLeadException.class)
        .hasMessage("invalid lead: body at line 1, column 6: is not valid JSON: the text ends too early inside an"
            + " object (send the marketplace's lead JSON object, complete and well-formed)");
    assertThatThrownBy(() -> CODEC.fromJson(utf8("[1]"))).hasMessage(
        "invalid lead: body at line 1, column 1: is an array, not the marketplace's lead object (send one lead as one"
            + " JSON object {...})");
    assertThatThrownBy(() -> CODEC.fromJson(new byte[0])).hasMessage(
        "invalid lead: payload: the payload is empty (send the marketplace's lead JSON object)");
    assertThatThrownBy(() -> CODEC.fromJson(utf8("{\"CreatedTime\":\"yesterday\"}"))).hasMessage(
        "invalid lead: body: has neither UserDetails nor LeadSource, so it is no marketplace lead that can be told"
            + " apart from other JSON (send {\"UserDetails\":{...},\"LeadSource\":\"...\",...} as the marketplace"
            + " does)");
    assertThatThrownBy(() -> CODEC.fromJson(utf8("{\"UserDetails\":\"{broken\"}"))).hasMessageStartingWith(
        "invalid lead: UserDetails at line 1, column 2 of the UserDetails text at line 1, column 16: is not valid"
            + " JSON: ");
  }

  @Test
  void fromJson_overLimit_isRejectedBeforeParsing() {
    MarketplaceCodec small = MarketplaceCodec.withMaxBodyBytes(10);

    assertThat(small.maxBodyBytes()).isEqualTo(10);
    assertThatThrownBy(() -> small.fromJson(utf8("{\"Description\":\"long\"}"))).hasMessage(
        "invalid lead: body: is 22 bytes, over the limit of 10 bytes (a marketplace lead is a few KiB: check what "
            + "is being sent)");
    assertThatThrownBy(() -> MarketplaceCodec.withMaxBodyBytes(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void fromJson_deepNesting_isRejected() {
    String deep = "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}";

    assertThatThrownBy(() -> CODEC.fromJson(utf8(deep))).isInstanceOf(InvalidLeadException.class)
        .hasMessage("invalid lead: a[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0] at line 1, column 21: nested more"
            + " than 16 levels deep; a lead is two levels deep (send the marketplace's lead object; nest extra data at"
            + " most 16 levels)");
  }

  @Test
  void tableEntity_hasMarketplaceShape() {
    Map<String, Object> e = CODEC.toTableEntity(sample());

    assertThat(e).containsOnlyKeys("PartitionKey", "RowKey", "ActionCode", "CreatedTime", "CustomerInfo",
        "Description", "LeadSource", "OfferDisplayName", "Attributes");
    assertThat(e.get("PartitionKey")).isEqualTo("11:2F25:2F2026");
    assertThat(e.get("RowKey")).isEqualTo("lead-42");
    assertThat(e.get("ActionCode")).isEqualTo("INS");
    assertThat(e.get("CreatedTime")).isEqualTo(OffsetDateTime.of(2026, 11, 25, 10, 15, 30, 0, ZoneOffset.UTC));
    assertThat(e.get("CustomerInfo")).isEqualTo("{\"FirstName\":\"Zoë\",\"LastName\":\"Doe\",\"Email\":"
        + "\"jane.doe@contoso.com\",\"Phone\":\"+1 425 555 0100\",\"Country\":\"US\",\"Company\":\"Contoso\","
        + "\"Title\":\"CTO\"}");
    assertThat(e.get("LeadSource")).isEqualTo("AzureMarketplace-INS|contoso.crm-connector");
    assertThat(e.get("Attributes")).isEqualTo("{\"utm\":\"x\"}");
  }

  @Test
  void tableEntityRoundTrip_keepsTheLead() {
    Lead lead = sample();

    assertThat(CODEC.fromTableEntity(CODEC.toTableEntity(lead))).isEqualTo(lead);
  }

  @Test
  void fromTableEntity_timestampFallbackAndUnknownColumns() {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("rowkey", "row-1");
    e.put("Timestamp", Date.from(CREATED));
    e.put("LeadSource", "MSFT_TEST_1-MSFT_TEST_1|Offer");
    e.put("Region", "emea");
    e.put("odata.etag", "W/\"x\"");

    Lead lead = CODEC.fromTableEntity(e);

    assertThat(lead.id()).isEqualTo(LeadId.of("row-1"));
    assertThat(lead.createdTime()).isEqualTo(CREATED);
    assertThat(lead.isTest()).isTrue();
    assertThat(lead.customer()).isEqualTo(CustomerInfo.EMPTY);
    assertThat(lead.attributes()).containsExactly(Map.entry("Region", "emea"));
  }

  @Test
  void fromTableEntity_withoutRowKey_isRejected() {
    assertThatThrownBy(() -> CODEC.fromTableEntity(Map.of("PartitionKey", "p"))).isInstanceOf(
        InvalidLeadException.class).hasMessage(
        "invalid lead: RowKey: is missing; every marketplace lead row has one (its lead id) (write the lead id as"
            + " RowKey)");
  }

  @Test
  void partitionKey_isUtcDateWithEscapedSlashes() {
    assertThat(MarketplaceCodec.partitionKey(Instant.parse("2026-01-05T23:59:59Z"))).isEqualTo("1:2F5:2F2026");
    assertThat(MarketplaceCodec.partitionKey(Instant.parse("2026-12-31T00:00:00Z"))).isEqualTo("12:2F31:2F2026");
  }

  /** A table row with only what every marketplace lead row holds, its RowKey and LeadSource; tests add columns. */
  private static Map<String, Object> row(String rowKey) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("RowKey", rowKey);
    e.put("LeadSource", "AzureMarketplace-INS|contoso.crm");
    return e;
  }

  @Test
  void readTableEntity_rowKeyNoLeadIdCanBe_isDerivedAndFlagged_neverThrown() {
    Map<String, Object> e = row("lead 1 / Zoë");
    e.put("CustomerInfo", "{\"Email\":\"a@contoso.com\"}");
    e.put("Blob", new byte[] {1, 2, 3});

    ReadResult r = CODEC.readTableEntity(e);

    assertThat(r).isInstanceOf(ReadResult.Readable.class);
    Lead lead = ((ReadResult.Readable) r).lead();
    assertThat(lead.id()).isEqualTo(LeadId.derivedFrom("lead 1 / Zoë"));
    assertThat(((ReadResult.Readable) CODEC.readTableEntity(e)).lead().id()).as("the same row, the same lead")
        .isEqualTo(lead.id());
    assertThat(lead.flags()).singleElement().satisfies(f -> {
      assertThat(f.code()).isEqualTo(LeadFlag.LEAD_ID_UNUSABLE);
      assertThat(f.path()).isEqualTo("RowKey");
      assertThat(f.original()).isEqualTo("lead 1 / Zoë");
    });
    assertThat(lead.attributes()).containsEntry("Blob", "AQID");
  }

  @Test
  void readTableEntity_attributesColumn_isReadStrictly_unreadableNeverThrownOrDropped() {
    Map<String, Object> e = row("row-1");

    e.put("attributes", "{\"utm\":\"x\",\"n\":1.50,\"o\":{\"k\":[1]}}");
    assertThat(((ReadResult.Readable) CODEC.readTableEntity(e)).lead().attributes()).containsExactly(
        Map.entry("utm", "x"), Map.entry("n", "1.50"), Map.entry("o", "{\"k\":[1]}"));
    e.put("attributes", "{\"utm\":\"x\",\"utm\":\"y\"}");
    assertThat(((ReadResult.Unreadable) CODEC.readTableEntity(e)).diagnosis()).satisfies(d -> {
      assertThat(d.code()).isEqualTo("PAYLOAD_DUPLICATE_KEY");
      assertThat(d.message()).startsWith("attributes at line 1, column 17: holds a key twice (Duplicate field 'utm')");
    });
    e.put("attributes", "not json");
    assertThat(((ReadResult.Unreadable) CODEC.readTableEntity(e)).diagnosis()).satisfies(d -> {
      assertThat(d.code()).isEqualTo("PAYLOAD_BROKEN_JSON");
      assertThat(d.message()).isEqualTo("attributes at line 1, column 1: is not valid JSON: Unrecognized token 'not'");
    });
    e.put("attributes", "[\"utm\"]");
    assertThat(((ReadResult.Unreadable) CODEC.readTableEntity(e)).diagnosis().message())
        .isEqualTo("attributes: is array, but must be a JSON object in text; it is not converted");
    e.put("attributes", "{\"utm\":\"x\"} {}");
    assertThat(((ReadResult.Unreadable) CODEC.readTableEntity(e)).diagnosis().code())
        .isEqualTo("PAYLOAD_BROKEN_JSON");
  }
}
