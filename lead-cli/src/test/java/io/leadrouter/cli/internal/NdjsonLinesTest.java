package io.leadrouter.cli.internal;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class NdjsonLinesTest {
  private static final int MAX = 1 << 20;
  private static final String FIRST = "{\"LeadId\":\"a\",\"UserDetails\":{\"Email\":\"a@contoso.com\"}}";
  private static final String SECOND = "{\"LeadId\":\"b\",\"UserDetails\":{\"Email\":\"b@contoso.com\"}}";

  @Test
  void of_aStreamThatStaysOpen_givesEachLineAsItArrives_notOnceTheStreamEnds() throws Exception {
    PipedOutputStream producer = new PipedOutputStream();
    PipedInputStream stream = new PipedInputStream(producer, 1 << 16);
    ExecutorService reader = Executors.newSingleThreadExecutor();
    try {
      producer.write((FIRST + "\n").getBytes(UTF_8));
      producer.flush();
      // the producer keeps its end open, as `producer | leadrouter route -` or `tail -f` do: the first lead is
      // taken now, not once 1 MiB has come or the stream has ended (it never may)
      NdjsonLines lines = reader.submit(() -> NdjsonLines.of(stream, MAX)).get(30, SECONDS);
      assertThat(lines.isDocument()).isFalse();
      assertThat(new String(reader.submit(lines::next).get(30, SECONDS), UTF_8)).isEqualTo(FIRST);

      producer.write((SECOND + "\r\n").getBytes(UTF_8));
      producer.close();
      assertThat(new String(reader.submit(lines::next).get(30, SECONDS), UTF_8)).isEqualTo(SECOND);
      assertThat(reader.submit(lines::next).get(30, SECONDS)).isNull();
    } finally {
      reader.shutdownNow();
      producer.close();
    }
  }

  @Test
  void of_aPrettyPrintedLeadAfterBlankLines_isStillReadWholeAsOneDocument() throws Exception {
    byte[] pretty = ("\n\n{\n  \"LeadId\": \"a\",\n  \"UserDetails\": {\"Email\": \"a@contoso.com\"}\n}\n").getBytes(UTF_8);
    NdjsonLines lines = NdjsonLines.of(new ByteArrayInputStream(pretty), MAX);

    assertThat(lines.isDocument()).isTrue();
    assertThat(lines.next()).isEqualTo(pretty);
    assertThat(lines.next()).isNull();
  }

  @Test
  void next_aLineFarOverTheLimit_isCutButItsLengthIsTheLengthInTheInput() throws Exception {
    byte[] huge = new byte[3 * MAX];
    Arrays.fill(huge, (byte) 'x');
    byte[] input = (FIRST + "\n" + new String(huge, UTF_8) + "\r\n" + SECOND).getBytes(UTF_8);
    NdjsonLines lines = NdjsonLines.of(new ByteArrayInputStream(input), MAX);

    assertThat(lines.next()).isEqualTo(FIRST.getBytes(UTF_8));
    assertThat(lines.length()).isEqualTo(FIRST.length());
    assertThat(lines.next()).hasSize(MAX + 1);
    assertThat(lines.length()).isEqualTo(3L * MAX);
    assertThat(lines.next()).isEqualTo(SECOND.getBytes(UTF_8));
    assertThat(lines.number()).isEqualTo(3);
  }
}
