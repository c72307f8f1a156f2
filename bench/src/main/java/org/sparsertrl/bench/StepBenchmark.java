package org.sparsertrl.bench;

import org.openjdk.jmh.annotations.Param;
import org.sparsertrl.engine.train.OnlineTrainer;

/**
 * Time of one online training step (forward, sensitivity update and gradient, Adam) per learner and
 * n, one thread, m = 4 inputs, o = 1 output. The JVM flags come from the launching JVM (bench/run).
 * Learners by compact name ({@code LearnerSpec.parse}), so {@code -p learner=sparse-4-bf16} (J stored
 * in bfloat16) or any other name measures that learner; {@code sparse-4-bf16} is in the default list
 * beside {@code sparse-4}, the float32 run it is compared with.
 * The sizes include n = 100, whose rows of W pad from 100 to 112 floats, and n = 48, three whole
 * vectors of 16 floats but not a power of two.
 */
public class StepBenchmark extends TrainerStepBenchmark {

    @Param({"immediate", "snap-1", "eprop", "uoro", "kf", "rflo", "sparse-1", "sparse-4", "sparse-4-bf16", "sparse-16", "subset-4",
        "tbptt-16", "full"})
    public String learner;

    @Param({"32", "48", "64", "100", "128", "256"})
    public int n;

    @Override
    OnlineTrainer newTrainer() {
        return Learners.trainer(learner, n, 1);
    }

    @Override
    String label() {
        return learner + ", n = " + n;
    }
}
