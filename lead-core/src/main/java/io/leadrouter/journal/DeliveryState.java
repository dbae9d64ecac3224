package io.leadrouter.journal;

/** Where one lead's delivery to one destination stands. */
public enum DeliveryState {
  /** Waiting to be delivered (now or at its due time). */
  PENDING,
  /** Claimed by a worker; a crash leaves it here and it is retried on the next open. */
  IN_FLIGHT,
  /** Delivered, and the destination confirmed the record. */
  DELIVERED,
  /** Accepted by a destination that cannot confirm (e.g. Web-to-Lead). */
  HANDED_OFF,
  /** Waiting for the destination's quota to reset. */
  PARKED,
  /** Dead-lettered: failed permanently or gave up; waits for replay. */
  DEAD;

  /** Whether no further delivery will happen unless replayed. */
  public boolean isSettled() {
    return this == DELIVERED || this == HANDED_OFF || this == DEAD;
  }
}
