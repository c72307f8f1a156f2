package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Property 1: per-row sparse RTRL with k = n is full RTRL, under every selection policy, with the
 * weights updated online by the same optimizer. J and the gradient are compared after every step.
 */
class SparseEqualsFullTest {

    /** Float32 against float32 on the same weights: no looser than 1e-4 relative. */
    static final Tolerance TOLERANCE = new Tolerance(1e-6, 1e-4);

    @Test
    void sparseWithKEqualToNIsFullRtrlUnderEveryPolicy() {
        qt().withExamples(100).forAll(
                integers().between(1, 40), integers().between(1, 6), integers().between(1, 25), longs().all()
        ).checkAssert((n, m, steps, seed) -> {
            int refresh = 1 + (int) Math.floorMod(seed, 5L);
            Selection[] policies = {
                Selection.randomFixed(seed), Selection.randomResampled(refresh, seed),
                Selection.topK(refresh), Selection.bottomK(refresh)
            };
            for (Selection policy : policies) {
                compare(n, m, steps, seed, LearnerSpec.sparse(n, policy));
            }
        });
    }

    static void compare(int n, int m, int steps, long seed, LearnerSpec candidate) {
        compareWithTolerance(n, m, steps, seed, candidate, TOLERANCE);
    }

    /** Steps full RTRL and {@code candidate} side by side and compares losses, gradients and all of J. */
    static void compareWithTolerance(int n, int m, int steps, long seed, LearnerSpec candidate, Tolerance tolerance) {
        float[][] xs = Sequences.gaussian(seed, steps, m);
        float[][] ys = Sequences.gaussian(~seed, steps, 2);
        try (OnlineTrainer full = trainer(n, m, seed, LearnerSpec.full());
             OnlineTrainer sparse = trainer(n, m, seed, candidate)) {
            for (int t = 0; t < steps; t++) {
                float expected = full.step(xs[t], ys[t]);
                float actual = sparse.step(xs[t], ys[t]);
                String at = candidate.label() + " n=" + n + " m=" + m + " seed=" + seed + " t=" + t;
                assertEquals(expected, actual, 1e-4 * Math.abs(expected) + 1e-7, "loss " + at);
                tolerance.assertClose("gradient " + at, EngineProbe.gradient(full), EngineProbe.gradient(sparse),
                        largestMagnitude(ys[t]));
                tolerance.assertClose("J " + at, EngineProbe.sensitivities(full), EngineProbe.sensitivities(sparse));
            }
        }
    }

    /** The size of a step's target: the scale of the output error's rounding when the error cancels. */
    static double largestMagnitude(float[] values) {
        double largest = 0;
        for (float v : values) {
            largest = Math.max(largest, Math.abs(v));
        }
        return largest;
    }

    static OnlineTrainer trainer(int n, int m, long seed, LearnerSpec learner) {
        return OnlineTrainer.builder(n, m, 2).seed(seed).learner(learner)
                .optimizer(OptimizerSpec.adam(1e-2f)).build();
    }
}
