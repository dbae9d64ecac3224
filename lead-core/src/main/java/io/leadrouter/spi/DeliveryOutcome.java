package io.leadrouter.spi;

/** What a successful delivery did, in lead terms. */
public enum DeliveryOutcome {
  /** A new record was created at the destination. */
  CREATED,
  /** An existing record (same lead id) was updated: a redelivery, not a duplicate. */
  UPDATED,
  /**
   * Delivered without change: the destination already held a matching record and, as configured (sync mode
   * {@code create}), left it as it was — e.g. Marketo's {@code createOnly} answering 1005 "Lead already exists".
   * Settled as delivered: nothing is retried or dead-lettered.
   */
  UNCHANGED,
  /** Accepted by the destination but unconfirmable (e.g. Salesforce Web-to-Lead always answers 200). */
  HANDED_OFF
}
