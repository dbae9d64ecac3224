/**
 * The Azure Table storage sink ({@code type: azuretable}) and the lead poller. {@code io.leadrouter.azuretable.internal}
 * is not exported.
 */
module io.leadrouter.azuretable {
  requires transitive io.leadrouter.core;
  requires transitive com.azure.data.tables;
  requires transitive com.azure.core;
  requires com.azure.http.netty;
  requires reactor.netty.http;
  requires reactor.netty.core;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.leadrouter.azuretable;

  provides io.leadrouter.spi.LeadSinkProvider with io.leadrouter.azuretable.AzureTableSinkProvider;
}
