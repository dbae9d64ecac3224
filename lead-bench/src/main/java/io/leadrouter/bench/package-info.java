/**
 * JMH benchmarks and harnesses measuring the router, the journal and the sinks (not published).
 */
package io.leadrouter.bench;
