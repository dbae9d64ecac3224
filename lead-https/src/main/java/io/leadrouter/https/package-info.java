/**
 * The signed HTTPS webhook sink ({@code type: https}, Standard Webhooks) and the reading and verification of the
 * marketplace's inbound webhook posts.
 */
package io.leadrouter.https;
