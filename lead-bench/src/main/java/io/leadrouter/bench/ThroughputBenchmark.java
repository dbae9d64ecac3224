package io.leadrouter.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The measurement every benchmark of this module shares (JMH inherits these annotations): throughput per second,
 * 2 warm-up iterations of 5 s, 3 measured iterations of 10 s, one fork. Subclasses add their state scope and threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 10)
@Fork(1)
public abstract class ThroughputBenchmark {
  /** For subclasses. */
  protected ThroughputBenchmark() {}
}
