package io.leadrouter.azuretable;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.data.tables.sas.TableSasPermission;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.azure.data.tables.sas.TableSasSignatureValues;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryException;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.Secret;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Leads the Table service cannot store, and credentials it refuses, against a real Azurite: each over-limit lead fails
 * this destination alone, before sending, with a diagnosis naming the property, what of the lead it holds and the
 * limit (nothing cut, nothing stored, the other leads of the batch delivered); each refused credential says which
 * part of it to fix, never showing it. Limits as documented in "Understanding the Table service data model"
 * (strings 64 KiB of UTF-16, Edm.DateTime from 1601-01-01 to 9999-12-31 UTC), which Azurite does not all enforce.
 */
class AzureTableLimitsAttackTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  private static final String EMOJI = "\uD83D\uDE00"; // one character, two UTF-16 code units
  private String table;

  @BeforeEach
  void newTable() {
    table = AZURITE.azurite().createTable("Limits");
  }

  private AzureTableSink.Builder sink() {
    return AzureTableSink.builder()
        .account(AzureTableAccount.sharedKey(AZURITE.azurite().endpoint(), Azurite.credential()))
        .tableName(table).maxRetries(0).requestTimeout(Duration.ofSeconds(20));
  }

  private static Lead lead(String id) {
    return SampleLeads.azureMarketplaceInstall().toBuilder().id(LeadId.of(id)).build();
  }

  private long stored() {
    return AZURITE.azurite().table(table).listEntities().stream().count();
  }

  private static Diagnosis failure(BatchItemResult r) {
    assertThat(r.failure()).as("%s failed", r.leadId()).get().isInstanceOf(PermanentDeliveryException.class);
    return r.failure().orElseThrow().diagnosis().orElseThrow();
  }

  private static void assertDelivered(BatchItemResult r) {
    assertThat(r.result()).as("%s delivered (%s)", r.leadId(), r.failure().map(Throwable::getMessage)).get()
        .extracting(x -> x.outcome()).isEqualTo(DeliveryOutcome.CREATED);
  }

  @Test
  void deliverBatch_createdTimeOutsideEdmDateTime_failsThoseLeadsOnlyNamingCreatedTime() throws Exception {
    List<Lead> leads = List.of(
        lead("first-day").toBuilder().createdTime(Instant.parse("1601-01-01T00:00:00Z")).build(),
        lead("year-1").toBuilder().createdTime(Instant.parse("0001-01-01T00:00:00Z")).build(),
        lead("ordinary"),
        lead("before-1601").toBuilder().createdTime(Instant.parse("1600-12-31T23:59:59Z")).build(),
        lead("last-second").toBuilder().createdTime(Instant.parse("9999-12-31T23:59:59Z")).build(),
        lead("year-10000").toBuilder().createdTime(Instant.parse("+10000-01-01T00:00:00Z")).build());
    try (AzureTableSink sink = sink().build()) {
      List<BatchItemResult> results = sink.deliverBatch(leads);
      for (int i : new int[] {0, 2, 4}) {
        assertDelivered(results.get(i));
      }
      Diagnosis year1 = failure(results.get(1));
      assertThat(year1.code()).isEqualTo("AZURETABLE_REJECTED");
      assertThat(year1.message()).isEqualTo("lead year-1: property CreatedTime is 0001-01-01T00:00:00Z, outside the"
          + " dates the Table service stores (Edm.DateTime, 1601-01-01T00:00:00Z to 9999-12-31 UTC): the service"
          + " would answer 400 OutOfRangeInput");
      assertThat(year1.remediation()).isEqualTo("the lead's CreatedTime is wrong where the lead comes from (the"
          + " Table service stores dates from 1601 to 9999 only) and the sink never changes a value: correct it at"
          + " the source, or deliver this lead to a destination without this limit (e.g. https or file)");
      assertThat(failure(results.get(3)).message()).startsWith("lead before-1601: property CreatedTime is"
          + " 1600-12-31T23:59:59Z, outside");
      assertThat(failure(results.get(5)).message()).startsWith("lead year-10000: property CreatedTime is"
          + " +10000-01-01T00:00:00Z, outside");
      assertThatThrownBy(() -> sink.deliver(leads.get(1))).isInstanceOf(PermanentDeliveryException.class);
    }
    assertThat(stored()).isEqualTo(3);
  }

  @Test
  void deliverBatch_customerFieldOrAttributeOver64KiB_failsThatLeadNamingTheField_othersOfItsPartitionDelivered()
      throws Exception {
    Lead emojiCompany = lead("emoji-company").toBuilder().company(EMOJI.repeat(40_000)).build();
    Lead bigAttribute = lead("big-attribute").toBuilder().attribute("utm_content", "y".repeat(33_000)).build();
    Lead longOffer = lead("long-offer").toBuilder().offerTitle("Ω".repeat(32_769)).build();
    List<Lead> leads = List.of(lead("before"), emojiCompany, bigAttribute, longOffer, lead("after"));
    try (AzureTableSink sink = sink().build()) {
      List<BatchItemResult> results = sink.deliverBatch(leads);
      assertDelivered(results.get(0));
      assertDelivered(results.get(4));

      Diagnosis company = failure(results.get(1));
      assertThat(company.code()).isEqualTo("AZURETABLE_ENTITY_TOO_LARGE");
      int customerUnits = MarketplaceCodec.standard().toTableEntity(emojiCompany).get("CustomerInfo").toString()
          .length();
      assertThat(company.message()).isEqualTo("lead emoji-company: property CustomerInfo is " + 2 * customerUnits
          + " bytes (UTF-16: " + customerUnits + " UTF-16 code units, 2 bytes each), over the limit of 65536 bytes"
          + " (32768 code units) for a string; it holds the customer's Company (80000 UTF-16 code units)");
      assertThat(company.remediation()).isEqualTo("the Table service stores at most 64 KiB (32,768 UTF-16 code"
          + " units) in a string, 1 MiB in an entity, and the sink never cuts a value: shorten the customer's Company"
          + " where the lead comes from, or deliver this lead to a destination without these limits (e.g. https or"
          + " file)");
      assertThat(failure(results.get(2)).message()).startsWith("lead big-attribute: property Attributes is ")
          .endsWith("; it holds the attribute utm_content (33000 UTF-16 code units)");
      assertThat(failure(results.get(2)).remediation()).contains("shorten the attribute utm_content where");
      assertThat(failure(results.get(3)).message()).isEqualTo("lead long-offer: property OfferDisplayName is 65538"
          + " bytes (UTF-16: 32769 UTF-16 code units, 2 bytes each), over the limit of 65536 bytes (32768 code units)"
          + " for a string; it holds the lead's OfferTitle (32769 UTF-16 code units)");
    }
    assertThat(stored()).isEqualTo(2);
  }

  /** The limit is 64 KiB of UTF-16: 32,768 code units, whether ASCII or emoji (two units each), not characters. */
  @Test
  void deliver_stringsAtTheLimitAreStoredWhole_oneCodeUnitMoreIsRefused() throws Exception {
    String ascii = "x".repeat(32_768);
    String emoji = EMOJI.repeat(16_384);
    try (AzureTableSink sink = sink().build()) {
      assertThat(sink.deliver(lead("ascii-limit").toBuilder().description(ascii).build()).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
      assertThat(sink.deliver(lead("emoji-limit").toBuilder().description(emoji).build()).outcome())
          .isEqualTo(DeliveryOutcome.CREATED);
      assertThatThrownBy(() -> sink.deliver(lead("emoji-over").toBuilder().description(emoji + "x").build()))
          .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> assertThat(e.diagnosisValue().message())
              .isEqualTo("lead emoji-over: property Description is 65538 bytes (UTF-16: 32769 UTF-16 code units, 2"
                  + " bytes each), over the limit of 65536 bytes (32768 code units) for a string"));
    }
    String pk = MarketplaceCodec.partitionKey(SampleLeads.CREATED);
    assertThat(AZURITE.azurite().table(table).getEntity(pk, "ascii-limit").getProperty("Description"))
        .isEqualTo(ascii);
    assertThat(AZURITE.azurite().table(table).getEntity(pk, "emoji-limit").getProperty("Description"))
        .isEqualTo(emoji);
    assertThat(stored()).isEqualTo(2);
  }

  /**
   * The service refuses a transaction as a whole, naming no entity, when its body is over 4 MiB (413
   * {@code RequestBodyTooLarge}): should the sink's size estimate ever fall short, each lead goes alone instead of all
   * being dead-lettered. WireMock answers {@code $batch} so and passes everything else to Azurite.
   */
  @Test
  void deliverBatch_transactionRefusedAsAWhole_deliversEachLeadAlone() throws Exception {
    WireMockServer front = new WireMockServer(wireMockConfig().dynamicPort().bindAddress("127.0.0.1"));
    front.start();
    try {
      front.stubFor(post(urlPathMatching("/devstoreaccount1/\\$batch")).atPriority(1)
          .willReturn(aResponse().withStatus(413)
              .withHeader("Content-Type", "application/json;odata=minimalmetadata;streaming=true;charset=utf-8")
              .withHeader("x-ms-error-code", "RequestBodyTooLarge")
              .withBody("{\"odata.error\":{\"code\":\"RequestBodyTooLarge\",\"message\":{\"lang\":\"en-US\","
                  + "\"value\":\"The request body is too large and exceeds the maximum permissible limit.\\n"
                  + "RequestId:4b4b7f07-0002-0025-1e5a-1d8f7e000000\\nTime:2026-11-25T10:15:31.0000000Z\"}}}")));
      front.stubFor(any(anyUrl()).atPriority(10)
          .willReturn(aResponse().proxiedFrom("http://127.0.0.1:" + AZURITE.azurite().port())));
      java.net.URI through = java.net.URI.create("http://127.0.0.1:" + front.port() + "/" + Azurite.ACCOUNT);
      try (AzureTableSink sink = sink().account(AzureTableAccount.sharedKey(through, Azurite.credential())).build()) {
        sink.deliver(lead("known"));
        List<BatchItemResult> results = sink.deliverBatch(List.of(lead("one"), lead("known"), lead("two")));
        assertThat(results).extracting(r -> r.result().map(x -> x.outcome()).orElse(null))
            .as("%s", results).containsExactly(DeliveryOutcome.CREATED, DeliveryOutcome.UPDATED,
                DeliveryOutcome.CREATED);
      }
      front.verify(1, postRequestedFor(urlPathMatching("/devstoreaccount1/\\$batch")));
    } finally {
      front.stop();
    }
    assertThat(stored()).isEqualTo(3);
  }

  /** Empty fields are written as empty strings, as the marketplace writes them, never left out (queries use them). */
  @Test
  void deliver_emptyFields_areStoredAsEmptyStringColumns() throws Exception {
    Lead empty = lead("empty-fields").toBuilder().description("").offerTitle("").firstName("").company("").build();
    try (AzureTableSink sink = sink().build()) {
      assertThat(sink.deliver(empty).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    }
    var stored = AZURITE.azurite().table(table).getEntity(MarketplaceCodec.partitionKey(SampleLeads.CREATED),
        "empty-fields");
    assertThat(stored.getProperties()).containsEntry("Description", "").containsEntry("OfferDisplayName", "");
    assertThat((String) stored.getProperty("CustomerInfo")).contains("\"FirstName\":\"\"", "\"Company\":\"\"");
    assertThat(MarketplaceCodec.standard().fromTableEntity(stored.getProperties()).customer())
        .isEqualTo(empty.customer());
  }

  /** The PartitionKey is the creation day in UTC, whatever offset the lead's time was written with. */
  @Test
  void deliverBatch_aroundMidnight_partitionsByTheUtcDay() throws Exception {
    List<Lead> leads = List.of(
        lead("new-york-evening").toBuilder().createdTime(OffsetDateTime.parse("2026-11-25T23:30:00-05:00").toInstant())
            .build(),
        lead("last-millisecond").toBuilder().createdTime(Instant.parse("2027-01-04T23:59:59.999Z")).build(),
        lead("midnight").toBuilder().createdTime(Instant.parse("2027-01-05T00:00:00Z")).build(),
        lead("tokyo-morning").toBuilder().createdTime(OffsetDateTime.parse("2027-01-05T08:59:59+09:00").toInstant())
            .build());
    try (AzureTableSink sink = sink().build()) {
      assertThat(sink.deliverBatch(leads)).extracting(r -> r.result().orElseThrow().recordId().orElseThrow())
          .containsExactly(table + "(PartitionKey='11:2F26:2F2026',RowKey='new-york-evening')",
              table + "(PartitionKey='1:2F4:2F2027',RowKey='last-millisecond')",
              table + "(PartitionKey='1:2F5:2F2027',RowKey='midnight')",
              table + "(PartitionKey='1:2F4:2F2027',RowKey='tokyo-morning')");
    }
    assertThat(AZURITE.azurite().table(table).getEntity("1:2F4:2F2027", "tokyo-morning")).isNotNull();
  }

  // --- credentials the service refuses: which part to fix ---

  private String sas(String forTable, OffsetDateTime expiry, String permissions) {
    return AZURITE.azurite().table(forTable).generateSas(new TableSasSignatureValues(expiry,
        TableSasPermission.parse(permissions)));
  }

  private AzureTableSink sasSink(String sas) {
    return sink().account(AzureTableAccount.sas(AZURITE.azurite().endpoint(), Secret.of(sas))).build();
  }

  private static Diagnosis authFailure(AzureTableSink sink, Lead lead, String sas) {
    try {
      sink.deliver(lead);
    } catch (DeliveryException e) {
      Diagnosis d = e.diagnosis().orElseThrow();
      assertThat(d.code()).isEqualTo("AZURETABLE_AUTH_FAILED");
      String sig = sas.replaceAll(".*sig=", "");
      assertThat(d.message() + d.remediation()).doesNotContain(sig)
          .doesNotContain(java.net.URLDecoder.decode(sig, java.nio.charset.StandardCharsets.UTF_8));
      return d;
    }
    throw new AssertionError("the delivery was not refused");
  }

  @Test
  void deliver_sasWithoutUpdate_redeliveryNamesTheMissingPermissions() throws Exception {
    String sas = sas(table, OffsetDateTime.now().plusHours(1), "ra");
    try (AzureTableSink sink = sasSink(sas)) {
      assertThat(sink.deliver(lead("again")).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      // a changed lead: redelivering what the row holds writes nothing, so needs no permission beyond r
      Diagnosis d = authFailure(sink, lead("again").toBuilder().description("changed").build(), sas);
      assertThat(d.message()).startsWith("HTTP 403 AuthorizationPermissionMismatch");
      assertThat(d.remediation()).isEqualTo("the SAS token grants sp=ra, without ud: the sink needs r to read, a to"
          + " insert, u to update a lead already in the table (a redelivery) and d for verify's clean-up; issue a new"
          + " SAS (sp=raud on table " + table + ") and update sasToken; then replay the dead letters");
    }
  }

  @Test
  void deliver_expiredSas_namesItsExpiry() throws Exception {
    OffsetDateTime expiry = OffsetDateTime.now().minusHours(1).withNano(0);
    String sas = sas(table, expiry, "raud");
    try (AzureTableSink sink = sasSink(sas)) {
      assertThat(authFailure(sink, lead("late"), sas).remediation()).isEqualTo("the SAS token expired at "
          + expiry.toInstant() + " (its se=): issue a new SAS (sp=raud on table " + table + ") and update sasToken;"
          + " then replay the dead letters");
    }
  }

  @Test
  void deliver_sasOfAnotherTable_namesBothTables() throws Exception {
    String other = AZURITE.azurite().createTable("Other");
    String sas = sas(other, OffsetDateTime.now().plusHours(1), "raud");
    try (AzureTableSink sink = sasSink(sas)) {
      assertThat(authFailure(sink, lead("elsewhere"), sas).remediation()).startsWith("the SAS token is for table "
          + other + " (its tn=), not " + table + ": issue a new SAS");
    }
  }

  @Test
  void deliver_tableSasWithCreateTableIfMissing_saysATableSasCannotCreateTables() throws Exception {
    table = Azurite.uniqueTable("Absent");
    String sas = sas(table, OffsetDateTime.now().plusHours(1), "raud");
    try (AzureTableSink sink = sink().account(AzureTableAccount.sas(AZURITE.azurite().endpoint(), Secret.of(sas)))
        .createTableIfMissing(true).build()) {
      assertThat(authFailure(sink, lead("first"), sas).remediation()).isEqualTo("a table SAS (one with tn=) cannot"
          + " create tables: create table " + table + " in the storage account, or sign in with an account SAS or"
          + " the connection string to let createTableIfMissing create it; then replay the dead letters");
    }
  }

  @Test
  void deliver_connectionStringWithAnotherKey_namesTheAccountKeyWithoutShowingIt() throws Exception {
    String wrongKey = java.util.Base64.getEncoder().encodeToString("not the key of devstoreaccount1, 64 bytes long."
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    Secret connection = Secret.of(AZURITE.azurite().connectionString().reveal().replace(Azurite.KEY, wrongKey));
    List<Lead> leads = new ArrayList<>(List.of(lead("one"), lead("two")));
    try (AzureTableSink sink = sink().account(AzureTableAccount.connectionString(connection)).build()) {
      for (BatchItemResult r : sink.deliverBatch(leads)) {
        Diagnosis d = failure(r);
        assertThat(d.code()).isEqualTo("AZURETABLE_AUTH_FAILED");
        assertThat(d.remediation()).isEqualTo("the AccountKey in connectionString is not a current key of storage"
            + " account devstoreaccount1 (rotated, mistyped or another account's): copy key1 or key2, or the whole"
            + " connection string, from the storage account's Access keys page; then replay the dead letters");
        assertThat(d.message() + d.remediation()).doesNotContain(wrongKey).doesNotContain(Azurite.KEY);
      }
    }
    assertThat(stored()).isZero();
  }
}
