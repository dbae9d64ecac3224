package io.leadrouter;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

/** Reads marketplace payloads in the intake tests, with the standard codec, as the router's intake does. */
final class Payloads {
  private static final MarketplaceCodec CODEC = MarketplaceCodec.standard();

  private Payloads() {}

  /** The lead the JSON text holds; fails the test, saying what was read instead, when it is not readable. */
  static Lead readable(String json) {
    ReadResult r = CODEC.read(json.getBytes(StandardCharsets.UTF_8));
    assertThat(r).as("%s", r).isInstanceOf(ReadResult.Readable.class);
    return ((ReadResult.Readable) r).lead();
  }
}
