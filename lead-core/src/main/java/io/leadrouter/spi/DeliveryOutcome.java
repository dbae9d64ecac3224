package io.leadrouter.spi;

/** What a successful delivery did, in lead terms. */
public enum DeliveryOutcome {
  /** A new record was created at the destination. */
  CREATED,
  /**
   * An existing record was updated: the same lead's (a redelivery, not a duplicate) or, matching by e-mail, the same
   * customer's.
   */
  UPDATED,
  /**
   * An existing record matched and was deliberately left as it was (a sink in sync mode {@code create}, see
   * {@link RecordMatching.SyncMode#CREATE}): delivered, nothing written. Settles like {@link #UPDATED}.
   */
  UNCHANGED,
  /** Accepted by the destination but unconfirmable (e.g. Salesforce Web-to-Lead always answers 200). */
  HANDED_OFF
}
