package io.leadrouter.https;

import static org.assertj.core.api.Assertions.assertThat;

import io.leadrouter.http.Bodies;
import io.leadrouter.https.internal.Responses;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.Test;

/** Bounded body reads and quoting (Retry-After: {@code RetryAfterTest} in lead-core). */
class ResponsesTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-25T10:00:00Z"), ZoneOffset.UTC);

  @Test
  void prefix_bodyLargerThanLimit_readsOnlyTheLimit() {
    Buffer source = new Buffer().write(new byte[1024 * 1024]);
    byte[] read = Bodies.bytes(ResponseBody.create(source, MediaType.get("text/plain"), -1),
        Responses.MAX_BODY_BYTES);
    assertThat(read).hasSize(64 * 1024);
    assertThat(source.size()).as("what stays unread").isEqualTo(1024 * 1024 - 64 * 1024);
  }

  @Test
  void quote_cutInsideMultiByteCharacter_dropsThePartialCharacter() {
    byte[] body = ("a" + "€".repeat(400)).getBytes(StandardCharsets.UTF_8); // 1 + 1200 bytes
    assertThat(Responses.quote(body)).isEqualTo("a" + "€".repeat(341));
  }

  @Test
  void quote_controlCharacters_becomeSpaces() {
    assertThat(Responses.quote("line1\r\nline2\u0000".getBytes(StandardCharsets.UTF_8))).isEqualTo("line1  line2");
  }
}
