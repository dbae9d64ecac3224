package io.leadrouter.https.internal;

import okhttp3.OkHttpClient;

/** The module's one shared {@link OkHttpClient}, used when the application registered none. */
public final class SharedClient {
  private static final OkHttpClient CLIENT = new OkHttpClient();

  private SharedClient() {}

  /** The shared client; sinks derive their own with {@code newBuilder()}, sharing its pool and dispatcher. */
  public static OkHttpClient get() {
    return CLIENT;
  }
}
