package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import java.time.Instant;

/** Leads as the marketplace sends them, each with a fresh id (the row every benchmark writes). */
public final class Leads {
  private static final Instant CREATED = Instant.parse("2026-11-25T10:15:30Z");

  private Leads() {}

  /** A typical Azure Marketplace lead with a new random id. */
  public static Lead next() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .firstName("Jane").lastName("Doe").email("jane.doe@contoso.com").phone("+1 425 555 0100")
        .country("US").company("Contoso").title("CTO")
        .source("AzureMarketplace-INS|contoso.crm-connector").offerTitle("Contoso CRM Connector")
        .description("{\"mktcmpid\":\"blog\"}").build();
  }
}
