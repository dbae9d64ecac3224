/**
 * What sink plugin authors implement and receive: {@code LeadSinkProvider}, {@code LeadSink}, {@code SinkConfig},
 * capabilities, results, the delivery exceptions, {@code Diagnosis}, {@code Secret}. No third-party type appears
 * here.
 */
package io.leadrouter.spi;
