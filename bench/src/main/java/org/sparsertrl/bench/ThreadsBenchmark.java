package org.sparsertrl.bench;

import org.openjdk.jmh.annotations.Param;
import org.sparsertrl.engine.train.OnlineTrainer;

/** One step on one thread and on two (the column pool), for the cases with a speed-up target. */
public class ThreadsBenchmark extends TrainerStepBenchmark {

    /** learner@n. */
    @Param({"full@128", "full@256", "sparse-4@256"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    @Override
    OnlineTrainer newTrainer() {
        String[] parts = shape.split("@");
        return Learners.trainer(parts[0], Integer.parseInt(parts[1]), threads);
    }

    @Override
    String label() {
        return shape + ", threads = " + threads;
    }
}
