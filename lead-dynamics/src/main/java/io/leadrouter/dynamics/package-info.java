/**
 * The Dynamics 365 / Dataverse Web API sink ({@code type: dynamics}): Entra ID client credentials, alternate-key
 * upsert.
 */
package io.leadrouter.dynamics;
