package org.sparsertrl.harness;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Property 1: per-row sparse RTRL with k = n is full RTRL, under every selection policy, with the
 * weights updated online by the same optimizer. On the vanilla cell it is the same computation, not an
 * approximation of it: with k = n every S_i is 0..n-1 in ascending order and alpha is 1, so the sparse
 * kernel does full RTRL's fused multiply-adds in full RTRL's order (see ScalarKernels), and the loss,
 * the gradient, all of J and the weights after each update must match bit for bit. A tolerance would
 * let a wrong term through if it were small enough. Tolerances stay where the order of summation
 * legitimately differs: the gated cells (GatedCellTest) and shared-subset RTRL (SubsetEqualsSparseTest,
 * through {@link #compareWithTolerance}).
 */
class SparseEqualsFullTest {

    @Test
    void sparseWithKEqualToNIsFullRtrlBitForBitUnderEveryPolicy() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            int refresh = 1 + (int) Math.floorMod(seed, 5L);
            for (LearnerSpec candidate : kEqualToN(n, seed, refresh)) {
                compareBits(n, m, seed, xs, ys, candidate);
            }
        });
    }

    /** Sparse RTRL with k = n under every policy, the explicit one with its sets given out of order. */
    static List<LearnerSpec> kEqualToN(int n, long seed, int refresh) {
        int[][] every = new int[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                every[i][j] = (i + n - 1 - j) % n; // a rotation, descending
            }
        }
        return List.of(
                LearnerSpec.sparse(n, Selection.randomFixed(seed)),
                LearnerSpec.sparse(n, Selection.randomResampled(refresh, seed)),
                LearnerSpec.sparse(n, Selection.topK(refresh)),
                LearnerSpec.sparse(n, Selection.bottomK(refresh)),
                LearnerSpec.sparse(n, Selection.bottomK(refresh)).scaledByNOverK(),
                LearnerSpec.sparse(n, Selection.explicit(every)));
    }

    /** Steps full RTRL and {@code candidate} side by side; loss, gradient, J and weights equal bit for bit after every step. */
    static void compareBits(int n, int m, long seed, float[][] xs, float[][] ys, LearnerSpec candidate) {
        sideBySide(n, m, seed, xs, ys, candidate, (full, sparse, expected, actual, y, at) -> {
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(actual),
                    "loss " + at + ": full " + expected + ", sparse " + actual);
            assertArrayEquals(EngineProbe.gradient(full), EngineProbe.gradient(sparse), "gradient " + at);
            assertArrayEquals(EngineProbe.sensitivities(full), EngineProbe.sensitivities(sparse), "J " + at);
            assertArrayEquals(EngineProbe.weights(full), EngineProbe.weights(sparse), "weights after the update " + at);
        });
    }

    /** Steps full RTRL and {@code candidate} side by side and compares losses, gradients and all of J. */
    static void compareWithTolerance(int n, int m, long seed, float[][] xs, float[][] ys, LearnerSpec candidate,
                                     Tolerance tolerance) {
        sideBySide(n, m, seed, xs, ys, candidate, (full, sparse, expected, actual, y, at) -> {
            assertEquals(expected, actual, 1e-4 * Math.abs(expected) + 1e-7, "loss " + at);
            tolerance.assertClose("gradient " + at, EngineProbe.gradient(full), EngineProbe.gradient(sparse),
                    largestMagnitude(y));
            tolerance.assertClose("J " + at, EngineProbe.sensitivities(full), EngineProbe.sensitivities(sparse));
        });
    }

    /** What to compare after a step of full RTRL and the candidate, given their losses, the step's target and where it is. */
    private interface StepCheck {
        void check(OnlineTrainer full, OnlineTrainer sparse, float expected, float actual, float[] y, String at);
    }

    private static void sideBySide(int n, int m, long seed, float[][] xs, float[][] ys, LearnerSpec candidate, StepCheck check) {
        try (OnlineTrainer full = trainer(n, m, seed, LearnerSpec.full());
             OnlineTrainer sparse = trainer(n, m, seed, candidate)) {
            for (int t = 0; t < xs.length; t++) {
                float expected = full.step(xs[t], ys[t]);
                float actual = sparse.step(xs[t], ys[t]);
                check.check(full, sparse, expected, actual, ys[t],
                        candidate.label() + " n=" + n + " m=" + m + " seed=" + seed + " t=" + t);
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
