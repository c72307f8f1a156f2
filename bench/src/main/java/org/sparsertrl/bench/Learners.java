package org.sparsertrl.bench;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;

/** The learners of the benchmarks by name: full, immediate, snap-1, uoro, rflo, readout-only, sparse-K, subset-K, tbptt-T. */
final class Learners {

    /** Inputs and outputs of every benchmarked network. */
    static final int M = 4;
    static final int O = 1;

    private Learners() {
    }

    static LearnerSpec spec(String name) {
        if (name.equals("full")) {
            return LearnerSpec.full();
        }
        if (name.equals("immediate")) {
            return LearnerSpec.immediate();
        }
        if (name.equals("snap-1")) {
            return LearnerSpec.snap1();
        }
        if (name.equals("uoro")) {
            return LearnerSpec.uoro(1);
        }
        if (name.equals("readout-only")) {
            return LearnerSpec.readoutOnly();
        }
        if (name.equals("rflo")) {
            return LearnerSpec.rflo(4f, org.sparsertrl.engine.learn.Rflo.Feedback.RANDOM, 1);
        }
        int k = Integer.parseInt(name.substring(name.indexOf('-') + 1));
        if (name.startsWith("tbptt-")) {
            return LearnerSpec.truncatedBptt(k);
        }
        if (name.startsWith("subset-")) {
            return LearnerSpec.subset(k, 1);
        }
        if (name.startsWith("sparse-")) {
            return LearnerSpec.sparse(k, Selection.randomFixed(1));
        }
        throw new IllegalArgumentException("learner = '" + name + "' is not full, immediate, snap-1, uoro, rflo, sparse-K, subset-K or tbptt-T");
    }

    static OnlineTrainer trainer(String learner, int n, int threads) {
        return trainer(CellKind.VANILLA, learner, n, threads);
    }

    static OnlineTrainer trainer(CellKind cell, String learner, int n, int threads) {
        return OnlineTrainer.builder(n, M, O).cell(cell).seed(1).learner(spec(learner)).optimizer(OptimizerSpec.adam(1e-4f))
                .threads(threads).build();
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
