package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Property 4: per-row sparse RTRL with k = 0 is the immediate-derivative learner, as is subset with k = 0. */
class ImmediateEqualsSparseZeroTest {

    static final Tolerance TOLERANCE = new Tolerance(1e-6, 1e-4);

    @Test
    void sparseWithKZeroIsImmediate() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            try (OnlineTrainer immediate = SparseEqualsFullTest.trainer(n, m, seed, LearnerSpec.immediate());
                 OnlineTrainer sparse = SparseEqualsFullTest.trainer(n, m, seed, LearnerSpec.sparse(0, Selection.randomFixed(seed)));
                 OnlineTrainer subset = SparseEqualsFullTest.trainer(n, m, seed, LearnerSpec.subset(0, seed))) {
                for (int t = 0; t < steps; t++) {
                    float expected = immediate.step(xs[t], ys[t]);
                    String at = "n=" + n + " m=" + m + " seed=" + seed + " t=" + t;
                    assertEquals(expected, sparse.step(xs[t], ys[t]), 1e-4 * Math.abs(expected) + 1e-7, "loss " + at);
                    assertEquals(expected, subset.step(xs[t], ys[t]), 1e-4 * Math.abs(expected) + 1e-7, "loss " + at);
                    double[] g = EngineProbe.gradient(immediate);
                    TOLERANCE.assertClose("sparse k=0 gradient " + at, g, EngineProbe.gradient(sparse));
                    TOLERANCE.assertClose("subset k=0 gradient " + at, g, EngineProbe.gradient(subset));
                    TOLERANCE.assertClose("J " + at, EngineProbe.sensitivities(immediate), EngineProbe.sensitivities(sparse));
                }
            }
        });
    }
}
