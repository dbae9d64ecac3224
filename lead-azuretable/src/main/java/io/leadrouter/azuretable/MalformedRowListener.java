package io.leadrouter.azuretable;

/** Told about each row {@link AzureTableLeadPoller} skips as malformed, once per row. */
@FunctionalInterface
public interface MalformedRowListener {
  /** One malformed row; called on the poller's thread, must not block for long. */
  void onMalformedRow(MalformedRow row);
}
