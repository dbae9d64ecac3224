package io.leadrouter.spi;

/**
 * Creates sinks of one type from configuration. Found with {@link java.util.ServiceLoader} (list the class in
 * {@code META-INF/services/io.leadrouter.spi.LeadSinkProvider}) or registered with
 * {@code LeadRouter.builder().addProvider(p)}. A provider is a thin adapter over the sink's public builder: extend
 * {@link BuilderSinkProvider}, which gives every provider the same shape.
 */
public interface LeadSinkProvider {

  /** The type named in descriptors, e.g. {@code dynamics}; lower case, unique across providers. */
  String type();

  /**
   * Creates a sink. Reads every key through {@code config}'s typed getters and finishes with
   * {@link SinkConfig#build} (or {@link SinkConfig#validate()}), so that all missing, invalid and unknown keys are
   * reported at once as a {@link io.leadrouter.ConfigurationException} naming each key, not at first delivery.
   */
  LeadSink create(SinkConfig config);
  // A create() that throws anything else, or returns null, and a type() that throws, are reported as a
  // ConfigurationException naming the sink and this class (a type() that throws during discovery skips the provider)
}
