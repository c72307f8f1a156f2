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
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;

/** Time of one online training step (forward, sensitivity update, gradient, Adam) per learner and size. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector",
        "--add-exports", "java.base/jdk.internal.misc=ALL-UNNAMED", "--enable-native-access=ALL-UNNAMED"})
public class StepBenchmark {

    @Param({"full", "sparse-1", "sparse-4", "sparse-16", "subset-4", "immediate"})
    public String learner;

    @Param({"32", "64", "128"})
    public int n;

    private OnlineTrainer trainer;
    private final float[] x = new float[4];
    private final float[] y = new float[1];
    private int t;

    @Setup(Level.Trial)
    public void setUp() {
        LearnerSpec spec = switch (learner) {
            case "full" -> LearnerSpec.full();
            case "immediate" -> LearnerSpec.immediate();
            default -> {
                int k = Integer.parseInt(learner.substring(learner.indexOf('-') + 1));
                yield learner.startsWith("subset") ? LearnerSpec.subset(k, 1) : LearnerSpec.sparse(k, Selection.randomFixed(1));
            }
        };
        trainer = OnlineTrainer.builder(n, 4, 1).seed(1).learner(spec).optimizer(OptimizerSpec.adam(1e-4f)).build();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
    }

    @Benchmark
    public float step() {
        t++;
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) Math.sin(0.05 * t + j);
        }
        y[0] = (float) Math.sin(0.05 * (t + 1));
        return trainer.step(x, y);
    }
}
