package io.leadrouter.testkit;

import io.leadrouter.Lead;
import io.leadrouter.LeadId;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

/**
 * Realistic leads as the marketplace sends them, one per case sinks must handle. Each call returns a lead with a
 * fresh random id, so tests never collide at a stateful destination.
 */
public final class SampleLeads {
  /** A fixed creation time, so encoded forms are stable in assertions. */
  public static final Instant CREATED = Instant.parse("2026-11-25T10:15:30Z");

  private SampleLeads() {}

  /** An Azure Marketplace install with every field set. */
  public static Lead azureMarketplaceInstall() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .firstName("Jane").lastName("Doe").email("jane.doe@contoso.com").phone("+1 425 555 0100")
        .country("US").company("Contoso").title("CTO")
        .source("AzureMarketplace-INS|contoso.crm-connector").offerTitle("Contoso CRM Connector")
        .description("{\"mktcmpid\":\"blog\"}").build();
  }

  /**
   * The marketplace's publish-time test lead ({@link Lead#marketplaceTestLead}) for the offer "Contoso CRM Connector",
   * with a random lead id and ticks that differ between calls.
   */
  public static Lead marketplaceTestLead() {
    Clock clock = Clock.fixed(CREATED.plusNanos((System.nanoTime() & 0xFFFFFFL) * 100), ZoneOffset.UTC);
    return Lead.marketplaceTestLead(clock, "Contoso CRM Connector").toBuilder().id(LeadId.random())
        .createdTime(CREATED).build();
  }

  /** A do-not-contact lead: must be routed (CRMs need it to suppress), never dropped. */
  public static Lead doNotContact() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .firstName("Sam").lastName("Rivera").email("sam.rivera@fabrikam.com").country("GB").company("Fabrikam")
        .source("AzurePortal-DNC|fabrikam.analytics").offerTitle("Fabrikam Analytics").build();
  }

  /** A customer on an {@code .edu} domain: sent without personal data, so anonymous. */
  public static Lead eduAnonymous() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .country("US").source("AzureMarketplace-PLT|contoso.crm-connector").offerTitle("Contoso CRM Connector")
        .build();
  }

  /** An AppSource lead (consent given). */
  public static Lead appSourceCreate() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .firstName("Ana").lastName("Silva").email("ana.silva@adventure-works.com").phone("+55 11 5555 0100")
        .country("BR").company("Adventure Works").title("Head of Sales")
        .source("SPZA-Create|contoso.crm-connector").offerTitle("Contoso CRM Connector").build();
  }

  /** A test-drive lead. */
  public static Lead testDrive() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .firstName("Ken").lastName("Tanaka").email("ken.tanaka@northwind.jp").country("JP").company("Northwind")
        .source("TestDrive-StartTestDrive|northwind.sim").offerTitle("Northwind Sim").build();
  }

  /** Names and company in several scripts, to prove encodings survive. */
  public static Lead unicodeNames() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .firstName("Zoë").lastName("Ñúñez-山田").email("zoe@müller-gmbh.example").phone("+49 30 5555 0100")
        .country("DE").company("Müller & Söhne 株式会社").title("Geschäftsführerin ✓")
        .source("AzureMarketplace-INS|contoso.crm-connector").offerTitle("Contoso CRM — Édition").build();
  }

  /** A lead from a channel and action this version does not know: kept raw, flagged, routed. */
  public static Lead unknownChannel() {
    return Lead.builder().id(LeadId.random()).createdTime(CREATED)
        .firstName("Lee").lastName("Park").email("lee.park@tailspin.example").country("KR").company("Tailspin")
        .source("CopilotStore-Subscribe|tailspin.agent").offerTitle("Tailspin Agent").build();
  }
}
