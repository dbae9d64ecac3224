package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.credential.AzureNamedKeyCredential;
import com.azure.data.tables.models.ListEntitiesOptions;
import com.azure.data.tables.models.TableEntity;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.leadrouter.Lead;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.spi.DeliveryOutcome;
import io.leadrouter.spi.ExplainedRequest;
import io.leadrouter.spi.LeadSink;
import io.leadrouter.spi.PermanentDeliveryException;
import io.leadrouter.spi.VerificationReport;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.LeadSinkContract;
import io.leadrouter.testkit.SampleLeads;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The sink contract against a real Azurite. */
class AzureTableSinkContractTest extends LeadSinkContract {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  /** The key the sink signs with; rotating it to a wrong value makes Azurite answer 403. */
  private AzureNamedKeyCredential credential;
  private String tableName;

  /**
   * Between the sink and Azurite: closed, it refuses connections and drops those open, as a stopped Azurite does,
   * without stopping the run's Azurite (a start costs seconds, tens of them on a loaded machine).
   */
  private FaultProxy front;

  @BeforeEach
  void newTable() {
    front = FaultProxy.to(AZURITE.azurite().port());
    credential = Azurite.credential();
    tableName = AZURITE.azurite().createTable("Leads");
  }

  @AfterEach
  void closeFront() {
    front.close();
  }

  /** The sink's table endpoint: Azurite's account through {@link #front}. */
  private java.net.URI endpoint() {
    return java.net.URI.create(front.uri() + "/" + Azurite.ACCOUNT);
  }

  @Override
  protected LeadSink createSink() {
    return builder().build();
  }

  private AzureTableSink.Builder builder() {
    return AzureTableSink.builder()
        .account(AzureTableAccount.sharedKey(endpoint(), credential))
        .tableName(tableName).maxRetries(0).requestTimeout(Duration.ofSeconds(10))
        .connectTimeout(Duration.ofSeconds(2));
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return (int) AZURITE.azurite().table(tableName).listEntities(new ListEntitiesOptions()
        .setFilter("RowKey eq '" + lead.id().value() + "'"), null, null).stream().count();
  }

  @Override
  protected void destinationFailsTransiently() {
    front.close(); // connection refused, as from a stopped Azurite (AzuriteOutageTest stops the real one)
  }

  @Override
  protected void destinationRejectsPermanently() {
    credential.update(Azurite.ACCOUNT, "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmcta2V5LXdyb25nLWtleQ==");
  }

  /**
   * The Azure SDK builds the wire request itself, so the comparison is of the entity: every property the explained
   * body carries is stored with exactly that value (dates as the instant), and nothing else is stored.
   */
  @Override
  protected void assertDeliveredAsExplained(Lead lead, ExplainedRequest explained) {
    assertThat(explained.method()).isEqualTo("POST");
    assertThat(explained.url()).isEqualTo(endpoint().toString().replaceAll("/+$", "") + "/"
        + tableName);
    assertThat(explained.isRedacted("Authorization")).isTrue();
    JsonNode body;
    try {
      body = new ObjectMapper().readTree(explained.body());
    } catch (java.io.IOException e) {
      throw new AssertionError("the explained body is not JSON: " + explained.bodyText(), e);
    }
    TableEntity stored = AZURITE.azurite().table(tableName).getEntity(body.path("PartitionKey").asText(),
        body.path("RowKey").asText());
    Map<String, String> expected = new TreeMap<>();
    body.fields().forEachRemaining(f -> {
      if (!f.getKey().contains("@odata")) {
        expected.put(f.getKey(), f.getValue().asText());
      }
    });
    Map<String, String> actual = new TreeMap<>();
    stored.getProperties().forEach((k, v) -> {
      if (!k.startsWith("odata.") && !k.contains("@odata") && !k.equals("Timestamp")) {
        actual.put(k, v instanceof OffsetDateTime t ? DateTimeFormatter.ISO_INSTANT.format(t.toInstant())
            : String.valueOf(v));
      }
    });
    assertThat(actual).isEqualTo(expected);
    assertThat(body.path("CreatedTime@odata.type").asText()).isEqualTo("Edm.DateTime");
    assertThat(stored.getProperty("CreatedTime")).as("stored as a date, as explained").isInstanceOf(
        OffsetDateTime.class);
  }

  @Override
  protected List<String> secretValues() {
    return List.of(Azurite.KEY);
  }

  @Test
  void deliver_wrongKey_isAuthFailedWithExactDiagnosis() {
    destinationRejectsPermanently();
    assertThatThrownBy(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()))
        .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
          assertThat(e.diagnosisValue().code()).isEqualTo("AZURETABLE_AUTH_FAILED");
          assertThat(e.diagnosisValue().message()).startsWith("HTTP 403 AuthorizationFailure: ");
          assertThat(e.diagnosisValue().remediation()).isEqualTo("the account key is not a current key of storage"
              + " account devstoreaccount1 (rotated, mistyped or another account's): copy key1 or key2, or the whole"
              + " connection string, from the storage account's Access keys page; then replay the dead letters");
        });
  }

  @Test
  void deliver_redelivery_reportsCreatedThenUpdatedAndKeepsOneEntity() throws Exception {
    Lead lead = SampleLeads.azureMarketplaceInstall();
    assertThat(sink().deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
    Lead changed = lead.toBuilder().description("second delivery").build();
    var second = sink().deliver(changed);
    assertThat(second.outcome()).isEqualTo(DeliveryOutcome.UPDATED);
    assertThat(second.recordId()).contains(tableName + "(PartitionKey='11:2F25:2F2026',RowKey='" + lead.id() + "')");
    assertThat(recordsAtDestination(lead)).isEqualTo(1);
    TableEntity stored = AZURITE.azurite().table(tableName).getEntity("11:2F25:2F2026", lead.id().value());
    assertThat(stored.getProperty("Description")).isEqualTo("second delivery");
  }

  @Test
  void deliver_missingTableWithoutCreate_isTableNotFound() {
    tableName = Azurite.uniqueTable("Missing");
    assertThatThrownBy(() -> sink().deliver(SampleLeads.azureMarketplaceInstall()))
        .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
          assertThat(e.diagnosisValue().code()).isEqualTo("AZURETABLE_TABLE_NOT_FOUND");
          assertThat(e.diagnosisValue().remediation()).isEqualTo("create the table '" + tableName
              + "' in the storage account, or set createTableIfMissing: true");
        });
  }

  @Test
  void deliver_missingTableWithCreate_createsTableAndDelivers() throws Exception {
    tableName = Azurite.uniqueTable("Created");
    try (AzureTableSink sink = builder().createTableIfMissing(true).build()) {
      Lead lead = SampleLeads.appSourceCreate();
      assertThat(sink.deliver(lead).outcome()).isEqualTo(DeliveryOutcome.CREATED);
      assertThat(recordsAtDestination(lead)).isEqualTo(1);
    }
  }

  @Test
  void deliver_descriptionOver64KiB_isEntityTooLargeBeforeSending() {
    Lead huge = SampleLeads.azureMarketplaceInstall().toBuilder().description("x".repeat(40_000)).build();
    assertThatThrownBy(() -> sink().deliver(huge))
        .isInstanceOfSatisfying(PermanentDeliveryException.class, e -> {
          assertThat(e.diagnosisValue().code()).isEqualTo("AZURETABLE_ENTITY_TOO_LARGE");
          assertThat(e.diagnosisValue().message()).isEqualTo("lead " + huge.id()
              + ": property Description is 80000 bytes (UTF-16: 40000 UTF-16 code units, 2 bytes each), over the limit"
              + " of 65536 bytes (32768 code units) for a string");
        });
    assertThat(recordsAtDestination(huge)).isZero();
  }

  @Test
  void deliverBatch_manyLeadsOverSeveralPartitions_usesTransactionsAndReportsEachLead() throws Exception {
    List<Lead> leads = new ArrayList<>();
    for (int i = 0; i < 130; i++) {
      Instant day = SampleLeads.CREATED.plus(Duration.ofDays(i % 2));
      leads.add(SampleLeads.azureMarketplaceInstall().toBuilder().createdTime(day).build());
    }
    Lead tooLarge = SampleLeads.testDrive().toBuilder().attribute("blob", "y".repeat(40_000)).build();
    leads.add(7, tooLarge);
    // some leads were delivered before: they must be reported UPDATED, the others CREATED
    sink().deliver(leads.get(0));
    sink().deliver(leads.get(99));

    List<BatchItemResult> results = sink().deliverBatch(leads);

    assertThat(results).extracting(BatchItemResult::leadId)
        .containsExactlyElementsOf(leads.stream().map(Lead::id).toList());
    for (int i = 0; i < leads.size(); i++) {
      BatchItemResult r = results.get(i);
      if (i == 7) {
        assertThat(r.failure()).get().extracting(e -> e.diagnosis().orElseThrow().code())
            .isEqualTo("AZURETABLE_ENTITY_TOO_LARGE");
        assertThat(recordsAtDestination(tooLarge)).isZero();
        continue;
      }
      assertThat(r.result()).as("lead %d: %s", i, r.failure().map(f -> f + " / " + f.getCause())).get().extracting(x -> x.outcome())
          .isEqualTo(i == 0 || i == 99 ? DeliveryOutcome.UPDATED : DeliveryOutcome.CREATED);
    }
    assertThat(AZURITE.azurite().table(tableName).listEntities().stream().count()).isEqualTo(130);
  }

  @Test
  void deliverBatch_sameBatchTwice_isIdempotent() throws Exception {
    List<Lead> leads = List.of(SampleLeads.azureMarketplaceInstall(), SampleLeads.doNotContact());
    sink().deliverBatch(leads);
    List<BatchItemResult> again = sink().deliverBatch(leads);
    assertThat(again).allSatisfy(r -> assertThat(r.result().orElseThrow().outcome())
        .isEqualTo(DeliveryOutcome.UPDATED));
    assertThat(AZURITE.azurite().table(tableName).listEntities().stream().count()).isEqualTo(2);
  }

  @Test
  void deliverBatch_destinationDown_failsEveryLeadTransiently() throws Exception {
    List<Lead> leads = List.of(SampleLeads.azureMarketplaceInstall(),
        SampleLeads.appSourceCreate().toBuilder().createdTime(Instant.parse("2026-12-01T00:00:00Z")).build());
    destinationFailsTransiently();
    List<BatchItemResult> results = sink().deliverBatch(leads);
    assertThat(results).hasSize(2).allSatisfy(r -> assertThat(r.failure()).get()
        .isInstanceOf(io.leadrouter.spi.TransientDeliveryException.class));
  }

  /** Every step runs against a healthy table (the contract checks them in order). */
  @Override
  protected List<String> verifySteps() {
    return List.of("table", "write test entity", "read back", "delete test entity");
  }

  @Test
  void verify_healthy_leavesNoTestEntity() {
    assertThat(sink().verify().passed()).isTrue();
    assertThat(AZURITE.azurite().table(tableName).listEntities().stream().count()).isZero();
  }

  @Test
  void verify_missingTable_failsWithTableNotFoundOrCreatesIt() {
    tableName = Azurite.uniqueTable("Absent");
    VerificationReport failed = sink().verify();
    assertThat(failed.failures()).singleElement().satisfies(s -> {
      assertThat(s.name()).isEqualTo("table");
      assertThat(s.diagnosis().orElseThrow().code()).isEqualTo("AZURETABLE_TABLE_NOT_FOUND");
    });
    try (AzureTableSink creating = builder().createTableIfMissing(true).build()) {
      VerificationReport created = creating.verify();
      assertThat(created.passed()).isTrue();
      assertThat(created.steps().get(0).detail()).isEqualTo("created table " + tableName + " in devstoreaccount1");
    }
  }

  @Test
  void verify_azuriteDown_failsWithUnreachable() {
    destinationFailsTransiently();
    VerificationReport report = sink().verify();
    assertThat(report.failures()).singleElement().satisfies(s ->
        assertThat(s.diagnosis().orElseThrow().code()).isEqualTo("AZURETABLE_UNREACHABLE"));
  }
}
