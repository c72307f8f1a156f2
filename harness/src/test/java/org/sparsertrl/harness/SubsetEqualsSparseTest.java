package org.sparsertrl.harness;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.learn.SubsetRtrl;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Property 3: shared-subset RTRL over S is per-row sparse RTRL with S_i = S for every row (same
 * gradients, same rows of J for the units in S), and subset RTRL with k = n is full RTRL.
 */
class SubsetEqualsSparseTest {

    @Test
    void subsetEqualsPerRowSparseWithTheSameSetInEveryRow() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            int k = new SplittableRandom(seed).nextInt(n + 1);
            try (OnlineTrainer subset = SparseEqualsFullTest.trainer(n, m, seed, LearnerSpec.subset(k, seed))) {
                int[] units = ((SubsetRtrl) subset.inspect().learner()).units();
                int[][] sets = new int[n][];
                for (int i = 0; i < n; i++) {
                    sets[i] = units;
                }
                try (OnlineTrainer sparse = SparseEqualsFullTest.trainer(n, m, seed,
                        LearnerSpec.sparse(k, Selection.explicit(sets)))) {
                    // The two sum the gradient in different orders: float rounding, amplified a little by the updates.
                    Tolerance tolerance = new Tolerance(1e-5, 1e-4);
                    for (int t = 0; t < steps; t++) {
                        float expected = sparse.step(xs[t], ys[t]);
                        float actual = subset.step(xs[t], ys[t]);
                        String at = "k=" + k + " n=" + n + " m=" + m + " seed=" + seed + " t=" + t;
                        assertEquals(expected, actual, 1e-4 * Math.abs(expected) + 1e-6, "loss " + at);
                        tolerance.assertClose("gradient " + at, EngineProbe.gradient(sparse), EngineProbe.gradient(subset),
                                SparseEqualsFullTest.largestMagnitude(ys[t]));
                        tolerance.assertClose("J[S] " + at, EngineProbe.sensitivityRows(sparse, units),
                                EngineProbe.sensitivityRows(subset, units));
                    }
                }
            }
        });
    }

    @Test
    void subsetWithKEqualToNIsFullRtrl() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> SparseEqualsFullTest.compareWithTolerance(n, m, seed, xs, ys,
                LearnerSpec.subset(n, seed), new Tolerance(1e-5, 1e-4)));
    }
}
