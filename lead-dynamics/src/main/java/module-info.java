/** The Dynamics 365 sink ({@code type: dynamics}). {@code io.leadrouter.dynamics.internal} is not exported. */
module io.leadrouter.dynamics {
  requires transitive io.leadrouter.http; // and so core and okhttp3: the builder takes an OkHttpClient
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.leadrouter.dynamics;

  provides io.leadrouter.spi.LeadSinkProvider with io.leadrouter.dynamics.DynamicsSinkProvider;
}
