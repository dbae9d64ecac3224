/**
 * The Azure Table storage sink ({@code type: azuretable}), writing the marketplace's own {@code MarketplaceLeads}
 * entity, and {@code AzureTableLeadPoller}, which turns an existing marketplace table into a reliable feed.
 */
package io.leadrouter.azuretable;
