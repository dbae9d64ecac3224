package io.leadrouter.azuretable;

import io.leadrouter.Lead;

/**
 * Where {@link AzureTableLeadPoller} hands each new lead, e.g. {@code router::route}. Returning means the lead is
 * taken (durably, for a router); throwing {@link io.leadrouter.InvalidLeadException} means the lead is refused for
 * good (reported as a malformed row, the poller moves on); any other exception means "not now" (the poller stops
 * this poll and offers the same lead again at the next).
 */
@FunctionalInterface
public interface LeadTarget {
  /** Takes one lead. */
  void accept(Lead lead) throws Exception;
}
