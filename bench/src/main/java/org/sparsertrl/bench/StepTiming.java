package org.sparsertrl.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The JMH settings every benchmark here starts from, as the step benchmarks (the trainers' and the
 * transformer's) are timed: average time per call in microseconds, three warm-up and five measured
 * iterations of two seconds, one fork, state per thread. JMH reads them from the superclass unless a
 * subclass says otherwise ({@link KernelBenchmark}'s shorter iterations, {@link MachineProbe}'s
 * operations per second); bench/run's command-line options override the iterations.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public abstract class StepTiming {
}
