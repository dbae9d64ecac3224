/** The Marketo sink ({@code type: marketo}). {@code io.leadrouter.marketo.internal} is not exported. */
module io.leadrouter.marketo {
  requires transitive io.leadrouter.http; // and so core and okhttp3: the builder takes an OkHttpClient
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.leadrouter.marketo;

  provides io.leadrouter.spi.LeadSinkProvider with io.leadrouter.marketo.MarketoSinkProvider;
}
