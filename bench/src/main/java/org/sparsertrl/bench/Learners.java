package org.sparsertrl.bench;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;

/** The benchmarked trainers, their learners by compact name ({@link LearnerSpec#parse}: sparse-4, tbptt-16, ...), seed 1. */
final class Learners {

    /** Inputs and outputs of every benchmarked network. */
    static final int M = 4;
    static final int O = 1;

    private Learners() {
    }

    static OnlineTrainer trainer(String learner, int n, int threads) {
        return trainer(CellKind.VANILLA, learner, n, threads);
    }

    static OnlineTrainer trainer(CellKind cell, String learner, int n, int threads) {
        return OnlineTrainer.builder(n, M, O).cell(cell).seed(1).learner(LearnerSpec.parse(learner, 1))
                .optimizer(OptimizerSpec.adam(1e-4f)).threads(threads).build();
    }

    /**
     * One benchmarked training step on sample t. A trainer that diverges somewhere in its millions of
     * steps (Adam on a sine, never reset) is reset, with its optimizer, and goes on: the benchmarks
     * time steps, not learning, and a diverged trainer refuses to step.
     */
    static float step(OnlineTrainer trainer, int t, float[] x, float[] y) {
        sample(t, x, y);
        float loss = trainer.step(x, y);
        if (trainer.diverged()) {
            trainer.reset();
            trainer.resetOptimizer();
        }
        return loss;
    }

    /** A sine-driven input and target for step t, written without allocating. */
    static void sample(int t, float[] x, float[] y) {
        for (int j = 0; j < x.length; j++) {
            x[j] = (float) Math.sin(0.05 * t + j);
        }
        y[0] = (float) Math.sin(0.05 * (t + 1));
    }
}
