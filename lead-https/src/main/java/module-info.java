/**
 * The HTTPS webhook sink ({@code type: https}), the marketplace webhook signer and verifier.
 * {@code io.leadrouter.https.internal} is not exported.
 */
module io.leadrouter.https {
  requires transitive io.leadrouter.http; // and so core and okhttp3: the builder takes an OkHttpClient
  requires org.slf4j;

  exports io.leadrouter.https;

  provides io.leadrouter.spi.LeadSinkProvider with io.leadrouter.https.HttpsSinkProvider;
}
