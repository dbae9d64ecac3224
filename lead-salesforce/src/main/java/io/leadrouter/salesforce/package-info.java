/**
 * The Salesforce sinks: REST upsert by an external id ({@code type: salesforce}) and Web-to-Lead ({@code type:
 * salesforce-web2lead}, reported as handed off).
 */
package io.leadrouter.salesforce;
