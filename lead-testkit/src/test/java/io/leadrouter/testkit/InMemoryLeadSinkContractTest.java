package io.leadrouter.testkit;

import io.leadrouter.Lead;
import io.leadrouter.spi.Diagnosis;
import io.leadrouter.spi.LeadSink;
import java.util.List;

class InMemoryLeadSinkContractTest extends LeadSinkContract {
  private final InMemoryLeadSink sink = new InMemoryLeadSink();

  @Override
  protected LeadSink createSink() {
    return sink;
  }

  @Override
  protected int recordsAtDestination(Lead lead) {
    return sink.contains(lead.id()) ? 1 : 0;
  }

  @Override
  protected void destinationFailsTransiently() {
    sink.failNext(Integer.MAX_VALUE, null);
  }

  @Override
  protected void destinationRejectsPermanently() {
    sink.failPermanently(new Diagnosis("MEMORY_REJECTED", "rejected (scripted)", "heal the sink"));
  }

  @Override
  protected ContractOptions options() {
    return ContractOptions.full().notExplainable("a test double with no wire request; it stands for third-party "
        + "sinks written before explain existed");
  }

  @Override
  protected List<String> secretValues() {
    return List.of("no-secret-in-memory-sink");
  }
}
