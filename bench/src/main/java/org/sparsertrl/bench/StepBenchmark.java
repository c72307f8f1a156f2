package org.sparsertrl.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * Time of one online training step (forward, sensitivity update and gradient, Adam) per learner and
 * n, one thread, m = 4 inputs, o = 1 output. The JVM flags come from the launching JVM (bench/run).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StepBenchmark {

    @Param({"immediate", "snap-1", "eprop", "uoro", "kf", "rflo", "sparse-1", "sparse-4", "sparse-16", "subset-4", "tbptt-16", "full"})
    public String learner;

    @Param({"32", "64", "128", "256"})
    public int n;

    private OnlineTrainer trainer;
    private final float[] x = new float[Learners.M];
    private final float[] y = new float[Learners.O];
    private int t;

    @Setup(Level.Trial)
    public void setUp() {
        trainer = Learners.trainer(learner, n, 1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
    }

    @Benchmark
    public float step(SteppingThreadAllocation allocation) {
        allocation.steps++;
        return Learners.step(trainer, t++, x, y);
    }
}
