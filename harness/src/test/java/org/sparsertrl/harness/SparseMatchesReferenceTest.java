package org.sparsertrl.harness;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.learn.SparseRtrl;
import org.sparsertrl.engine.learn.SubsetRtrl;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import static org.sparsertrl.harness.SequenceProperty.FLOAT;


/**
 * The sparse paths for every k in [0, n], not only the two ends: with frozen weights, the engine's
 * per-row sparse and subset learners match the double reference of the same definition (same S_i,
 * same alpha), in summed gradient and in the last J.
 */
class SparseMatchesReferenceTest {

    @Test
    void perRowSparseMatchesTheDoubleReference() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            SplittableRandom random = new SplittableRandom(seed);
            int k = random.nextInt(n + 1);
            boolean scaled = random.nextBoolean();
            LearnerSpec.SparseSpec spec = LearnerSpec.sparse(k, Selection.randomFixed(seed));
            check(n, m, steps, seed, scaled ? spec.scaledByNOverK() : spec, scaled && k > 0 ? (double) n / k : 1.0);
        });
    }

    @Test
    void subsetMatchesTheDoubleReference() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            int k = new SplittableRandom(seed).nextInt(n + 1);
            check(n, m, steps, seed, LearnerSpec.subset(k, seed), 1.0);
        });
    }

    private static void check(int n, int m, int steps, long seed, LearnerSpec spec, double alpha) {
        float[][] xs = Sequences.gaussian(seed, steps, m);
        float[][] ys = Sequences.gaussian(~seed, steps, 2);
        try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, spec)) {
            ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
            double[] summed = RtrlEqualsBpttTest.summedGradient(trainer, xs, ys);
            int[][] paths = new int[n][];
            int[] stored;
            if (trainer.inspect().learner() instanceof SparseRtrl sparse) {
                for (int i = 0; i < n; i++) {
                    paths[i] = sparse.paths(i);
                }
                stored = new int[n];
                for (int i = 0; i < n; i++) {
                    stored[i] = i;
                }
            } else {
                stored = ((SubsetRtrl) trainer.inspect().learner()).units();
                for (int i = 0; i < n; i++) {
                    paths[i] = stored;
                }
            }
            ReferenceRnn.RtrlRun run = reference.rtrl(Sequences.widen(xs), Sequences.widen(ys), paths, alpha);
            String at = spec.label() + " n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed;
            FLOAT.assertClose("summed gradient " + at, RtrlEqualsBpttTest.flatten(trainer.layout(), run.summed()), summed);
            double[] expectedJ = new double[stored.length * reference.p()];
            for (int r = 0; r < stored.length; r++) {
                System.arraycopy(run.lastSensitivity()[stored[r]], 0, expectedJ, r * reference.p(), reference.p());
            }
            FLOAT.assertClose("J " + at, expectedJ, EngineProbe.sensitivityRows(trainer, stored));
        }
    }
}
