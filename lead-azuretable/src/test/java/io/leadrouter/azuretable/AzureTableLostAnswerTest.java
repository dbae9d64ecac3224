package io.leadrouter.azuretable;

import static org.assertj.core.api.Assertions.assertThat;

import com.azure.data.tables.models.ListEntitiesOptions;
import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import io.leadrouter.spi.BatchItemResult;
import io.leadrouter.testkit.FaultProxy;
import io.leadrouter.testkit.FaultProxy.Fault;
import io.leadrouter.testkit.LostAnswers;
import io.leadrouter.testkit.SampleLeads;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Azurite's answer lost after it stored the entity (a {@link FaultProxy} between the sink and Azurite), retried by the
 * Azure SDK's own retry policy or, with {@code maxRetries(0)}, by the router: the insert that follows finds the entity
 * (409 {@code EntityAlreadyExists}) holding the lead already, so the table holds exactly one entity per lead, delivered. The
 * same for an entity-group transaction, which Azure applies whole or not at all.
 */
@Timeout(180)
class AzureTableLostAnswerTest {
  @RegisterExtension static final AzuriteExtension AZURITE = new AzuriteExtension();
  @TempDir Path dir;

  private static AzureTableSink sink(FaultProxy proxy, String table, int maxRetries) {
    return AzureTableSink.builder()
        .account(AzureTableAccount.sharedKey(URI.create(proxy.uri() + "/" + Azurite.ACCOUNT), Azurite.credential()))
        .tableName(table).createTableIfMissing(true).maxRetries(maxRetries).retryDelay(Duration.ofMillis(50))
        .requestTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(1)).build();
  }

  private static long entities(String table, Lead lead) {
    return AZURITE.azurite().table(table).listEntities(new ListEntitiesOptions()
        .setFilter("RowKey eq '" + lead.id() + "'"), null, null).stream().count();
  }

  static Stream<Arguments> faults() {
    return Stream.of(0, 3).flatMap(retries -> Arrays.stream(Fault.values()).map(f -> Arguments.of(retries, f)));
  }

  @ParameterizedTest(name = "SDK retries {0}: {1}")
  @MethodSource("faults")
  void insertAnswerLost_retriedIntoExactlyOneEntity(int sdkRetries, Fault fault) {
    String table = Azurite.uniqueTable("Lost");
    try (FaultProxy proxy = FaultProxy.to(AZURITE.azurite().port()).delay(Duration.ofSeconds(3))) {
      proxy.fail(FaultProxy.request("POST", "/" + Azurite.ACCOUNT + "/" + table), fault, 1);
      Lead lead = SampleLeads.azureMarketplaceInstall();

      LostAnswers.Settled settled = LostAnswers.route(sink(proxy, table, sdkRetries), lead, dir,
          Duration.ofSeconds(60));

      assertThat(proxy.faulted()).as(proxy.seen().toString()).isEqualTo(1);
      assertThat(settled.delivered()).as(settled.toString()).isTrue();
      assertThat(entities(table, lead)).as("entities for the lead").isEqualTo(1);
    }
  }

  @Test
  void transactionAnswerLost_retriedIntoExactlyOneEntityEach() throws Exception {
    String table = Azurite.uniqueTable("LostBatch");
    try (FaultProxy proxy = FaultProxy.to(AZURITE.azurite().port());
        AzureTableSink sink = sink(proxy, table, 0)) {
      List<Lead> leads = new ArrayList<>();
      Lead base = SampleLeads.azureMarketplaceInstall();
      for (int i = 0; i < 5; i++) {
        leads.add(base.toBuilder().id(LeadId.of("batch-" + i + "-" + base.id().value())).build());
      }
      // the table and an entity the transaction below also holds, written directly: not through the 1 s timeout
      // meant for the lost answer (creating a table took longer than that on a loaded machine)
      try (AzureTableSink direct = AzureTableSink.builder()
          .account(AzureTableAccount.connectionString(AZURITE.azurite().connectionString())).tableName(table)
          .createTableIfMissing(true).build()) {
        direct.deliver(leads.get(0));
      }
      proxy.fail(FaultProxy.request("POST", "/" + Azurite.ACCOUNT + "/$batch"), Fault.DROP_BEFORE_RESPONSE, 1);

      List<BatchItemResult> first = sink.deliverBatch(leads);
      List<BatchItemResult> retry = first.stream().allMatch(r -> r.failure().isEmpty()) ? first
          : sink.deliverBatch(leads); // what the router does with the failed ones

      assertThat(proxy.faulted()).isEqualTo(1);
      assertThat(retry).allSatisfy(r -> assertThat(r.failure()).as(r.toString()).isEmpty());
      for (Lead lead : leads) {
        assertThat(entities(table, lead)).as(lead.id().value()).isEqualTo(1);
      }
    }
  }
}
