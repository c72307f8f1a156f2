package org.sparsertrl.bench;

import org.openjdk.jmh.annotations.Param;
import org.sparsertrl.engine.train.OnlineTrainer;

/** Shared-subset RTRL where no other learner fits: k = 4 at n = 512 and 1024 (J alone would be 4 GB at 1024). */
public class LargeSubsetBenchmark extends TrainerStepBenchmark {

    @Param({"subset-4"})
    public String learner;

    @Param({"512", "1024"})
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
