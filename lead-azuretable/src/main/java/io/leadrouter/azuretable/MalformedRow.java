package io.leadrouter.azuretable;

import io.leadrouter.Problem;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * A table row the poller could not turn into a lead (or the target refused as invalid). It is reported once and
 * the poller's checkpoint moves past it, so one bad row never blocks the feed.
 *
 * @param partitionKey the row's partition key
 * @param rowKey the row's key (the marketplace's lead id)
 * @param timestamp the row's service timestamp
 * @param problems what is wrong; messages may quote the row's content, so treat them as customer data
 */
public record MalformedRow(String partitionKey, String rowKey, Instant timestamp, List<Problem> problems) {
  /** Checks parts and copies the problems. */
  public MalformedRow {
    Objects.requireNonNull(partitionKey, "partitionKey");
    Objects.requireNonNull(rowKey, "rowKey");
    Objects.requireNonNull(timestamp, "timestamp");
    problems = List.copyOf(problems);
  }
}
