/**
 * The Salesforce sinks: REST ({@code type: salesforce}) and Web-to-Lead ({@code type: salesforce-web-to-lead}).
 * {@code io.leadrouter.salesforce.internal} is not exported.
 */
module io.leadrouter.salesforce {
  requires transitive io.leadrouter.http; // and so core and okhttp3: the builder takes an OkHttpClient
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;

  exports io.leadrouter.salesforce;

  provides io.leadrouter.spi.LeadSinkProvider
      with io.leadrouter.salesforce.SalesforceSinkProvider, io.leadrouter.salesforce.WebToLeadSinkProvider;
}
