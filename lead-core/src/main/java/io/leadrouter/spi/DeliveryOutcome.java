package io.leadrouter.spi;

/** What a successful delivery did, in lead terms. */
public enum DeliveryOutcome {
  /** A new record was created at the destination. */
  CREATED,
  /** An existing record (same lead id) was updated: a redelivery, not a duplicate. */
  UPDATED,
  /** Accepted by the destination but unconfirmable (e.g. Salesforce Web-to-Lead always answers 200). */
  HANDED_OFF
}
