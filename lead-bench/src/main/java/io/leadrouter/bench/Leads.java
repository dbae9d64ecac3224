package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.testkit.SampleLeads;

/** Leads as the marketplace sends them, each with a fresh id (the row every benchmark writes). */
public final class Leads {
  private Leads() {}

  /** A typical Azure Marketplace lead with a new random id ({@link SampleLeads#azureMarketplaceInstall}). */
  public static Lead next() {
    return SampleLeads.azureMarketplaceInstall();
  }
}
