/**
 * An example Spring Boot service that receives the marketplace's lead posts and routes them (not published).
 */
package io.leadrouter.example;
