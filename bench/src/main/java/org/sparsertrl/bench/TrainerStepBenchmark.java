package org.sparsertrl.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * What the trainer benchmarks share: one online training step ({@link Learners#step}) on a trainer
 * built once per trial and stepped until the JIT has settled on it ({@link SteadyState}: no allocation
 * and no compilation), with its allocation counted. A subclass declares its {@code @Param}s and builds
 * the trainer from them; JMH names each benchmark after the subclass ({@code StepBenchmark.step}).
 */
public abstract class TrainerStepBenchmark extends StepTiming {

    private OnlineTrainer trainer;
    private final float[] x = new float[Learners.M];
    private final float[] y = new float[Learners.O];
    private int t;

    /** The trainer to time, from the subclass's parameters. */
    abstract OnlineTrainer newTrainer();

    /** The parameters, for the warm-up's line of output (e.g. {@code full, n = 256}). */
    abstract String label();

    @Setup(Level.Trial)
    public void setUp(Blackhole blackhole) {
        trainer = newTrainer();
        // JMH runs a thread-scoped trial set-up on the benchmark's own thread: the thread that steps. The warm-up
        // calls the benchmark method itself and hands its result to JMH's Blackhole, as JMH's loop does, so that
        // the code JMH times, Blackhole.consume included, is the code the JIT settled on.
        SteppingThreadAllocation uncounted = new SteppingThreadAllocation();
        SteadyState.reach(() -> blackhole.consume(step(uncounted)), label());
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
