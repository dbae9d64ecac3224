package io.leadrouter.spi;

import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The one shape of a sink provider, written once: a descriptor type, a fresh builder per sink, the descriptor keys
 * mapped onto it (the only code a provider has), and the builder's {@code build()}, the one place the settings are
 * checked. {@link #create} runs {@code build()} through {@link SinkConfig#build}, so unreadable values, the builder's
 * problems and unknown keys are reported together in one {@link io.leadrouter.ConfigurationException}.
 *
 * <pre>{@code
 * public final class AcmeSinkProvider extends BuilderSinkProvider<AcmeSink.Builder> {
 *   public AcmeSinkProvider() {
 *     super("acme", AcmeSink::builder, AcmeSinkProvider::keys, AcmeSink.Builder::build);
 *   }
 *
 *   private static void keys(SinkConfig config, AcmeSink.Builder b) {
 *     config.optionalString("clientId").ifPresent(b::clientId);
 *     config.optionalSecret("clientSecret").ifPresent(b::clientSecret);
 *     b.timeout(config.duration("timeout", AcmeSink.DEFAULT_TIMEOUT));
 *   }
 * }
 * }</pre>
 *
 * @param <B> the sink's builder
 */
public abstract class BuilderSinkProvider<B> implements LeadSinkProvider {
  private final String type;
  private final String problemPrefix;
  private final Supplier<? extends B> newBuilder;
  private final BiConsumer<SinkConfig, ? super B> keys;
  private final Function<? super B, ? extends LeadSink> build;

  /**
   * A provider of sinks of {@code type} whose builder names its problems by the bare keys.
   *
   * @param type the type named in descriptors
   * @param newBuilder a new, empty builder
   * @param keys maps the descriptor keys onto the builder (the optional getters; no checks of its own)
   * @param build the builder's {@code build()}, which checks every setting
   */
  protected BuilderSinkProvider(String type, Supplier<? extends B> newBuilder, BiConsumer<SinkConfig, ? super B> keys,
      Function<? super B, ? extends LeadSink> build) {
    this(type, "", newBuilder, keys, build);
  }

  /**
   * Like {@link #BuilderSinkProvider(String, Supplier, BiConsumer, Function)}, for a builder whose problem paths
   * start with {@code problemPrefix + "."} (reported under the bare keys).
   */
  protected BuilderSinkProvider(String type, String problemPrefix, Supplier<? extends B> newBuilder,
      BiConsumer<SinkConfig, ? super B> keys, Function<? super B, ? extends LeadSink> build) {
    this.type = Objects.requireNonNull(type, "type");
    this.problemPrefix = Objects.requireNonNull(problemPrefix, "problemPrefix");
    this.newBuilder = Objects.requireNonNull(newBuilder, "newBuilder");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.build = Objects.requireNonNull(build, "build");
  }

  @Override
  public final String type() {
    return type;
  }

  /** Maps the keys onto a new builder and builds the sink, reporting every problem at once. */
  @Override
  public final LeadSink create(SinkConfig config) {
    Objects.requireNonNull(config, "config");
    B builder = newBuilder.get();
    keys.accept(config, builder);
    return config.build(problemPrefix, () -> build.apply(builder));
  }
}
