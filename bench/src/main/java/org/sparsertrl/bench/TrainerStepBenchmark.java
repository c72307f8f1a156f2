package org.sparsertrl.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.TearDown;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * What the trainer benchmarks share: one online training step ({@link Learners#step}) on a trainer
 * built once per trial, with its allocation counted. A subclass declares its {@code @Param}s and
 * builds the trainer from them; JMH names each benchmark after the subclass ({@code StepBenchmark.step}).
 */
public abstract class TrainerStepBenchmark extends StepTiming {

    private OnlineTrainer trainer;
    private final float[] x = new float[Learners.M];
    private final float[] y = new float[Learners.O];
    private int t;

    /** The trainer to time, from the subclass's parameters. */
    abstract OnlineTrainer newTrainer();

    @Setup(Level.Trial)
    public void setUp() {
        trainer = newTrainer();
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
