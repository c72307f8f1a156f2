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

/** One step on one thread and on two (the column pool), for the two cases with a speed-up target. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ThreadsBenchmark {

    /** learner@n. */
    @Param({"full@128", "sparse-4@256"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private OnlineTrainer trainer;
    private final float[] x = new float[Learners.M];
    private final float[] y = new float[Learners.O];
    private int t;

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("@");
        trainer = Learners.trainer(parts[0], Integer.parseInt(parts[1]), threads);
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
