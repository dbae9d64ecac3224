package io.leadrouter.bench;

import io.leadrouter.Lead;
import io.leadrouter.MarketplaceCodec;
import io.leadrouter.ReadResult;
import io.leadrouter.https.WebhookSigner;
import io.leadrouter.spi.DeliveryResult;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * The per-lead CPU work outside the journal and the HTTP client, one thread, no I/O: reading a marketplace body
 * strictly at intake ({@code read}), encoding a lead as the HTTPS webhook body ({@code httpsBody}, once per delivery)
 * and deriving its {@code webhook-id} ({@code webhookId}). Run with {@code -prof gc} to see what each allocates.
 */
@State(Scope.Thread)
@Threads(1)
public class CodecBenchmark extends ThroughputBenchmark {
  private final MarketplaceCodec codec = MarketplaceCodec.standard();
  private Lead lead;
  private byte[] body;

  /** For JMH. */
  public CodecBenchmark() {}

  /** One typical marketplace lead, and its body as the marketplace posts it. */
  @Setup
  public void setUp() {
    lead = Leads.next();
    body = codec.toJson(lead);
  }

  /** Intake: the strict read of a body into a lead (normalised, flagged). */
  @Benchmark
  public ReadResult read() {
    return codec.read(body);
  }

  /** Delivery: the lead as the HTTPS sink's JSON body. */
  @Benchmark
  public byte[] httpsBody() {
    return codec.toJson(lead);
  }

  /** Delivery: the lead's Standard Webhooks message id. */
  @Benchmark
  public String webhookId() {
    return WebhookSigner.messageId(lead.id());
  }

  /**
   * Delivery: the result of every successful delivery, whose record id (here the lead's id, as the HTTPS sink gives
   * it) is scrubbed of credentials and e-mails.
   */
  @Benchmark
  public DeliveryResult deliveryResult() {
    return DeliveryResult.created(lead.id().value());
  }
}
