package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.cell.RecurrentCell;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.EProp;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Rflo;
import org.sparsertrl.engine.optim.OptimizerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;


/**
 * e-prop pinned to learners the oracles already pin, step by step:
 * <ul>
 * <li>on the vanilla cell, which has no internal state, random e-prop is RFLO with tau = 1 and the same
 * feedback matrix (the same floats), and symmetric e-prop is {@link LearnerSpec#immediate()} (within
 * rounding: immediate scales z_t by delta_t d_t, e-prop scales d_t z_t by delta_t; compared along a
 * sequence with the weights fixed, as Adam's first steps would turn a rounding difference in a tiny
 * gradient into a step of the full learning rate);</li>
 * <li>on the gated cells, e-prop is SnAp-1 on a network whose W has a zero diagonal in every gate (so
 * SnAp-1's only own-unit path is the internal state's), gradient and traces compared at every step
 * of a sequence with the weights fixed.</li>
 * </ul>
 */
class EPropTest {

    @Test
    void onTheVanillaCellEPropIsImmediateOrRfloWithoutMemory() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            sameEveryStep(LearnerSpec.rflo(1f, Rflo.Feedback.RANDOM, seed), LearnerSpec.eprop(EProp.Feedback.RANDOM, seed),
                    n, m, steps, seed);
            closeEveryStepWithFixedWeights(LearnerSpec.immediate(), LearnerSpec.eprop(EProp.Feedback.SYMMETRIC, seed),
                    n, m, steps, seed);
        });
    }

    @Test
    void onAGatedCellEPropIsSnap1WithoutTheRecurrentWeightsOwnPaths() {
        SequenceProperty.forAll(60, 12, 4, 20, (n, m, steps, seed, xs, ys) -> {
            CellKind kind = (seed & 1) == 0 ? CellKind.LSTM : CellKind.GRU;
            try (OnlineTrainer snap = OnlineTrainer.builder(n, m, 2).cell(kind).seed(seed).learner(LearnerSpec.snap1()).build();
                 OnlineTrainer eprop = OnlineTrainer.builder(n, m, 2).cell(kind).seed(seed)
                         .learner(LearnerSpec.eprop(EProp.Feedback.SYMMETRIC, seed)).build()) {
                zeroTheDiagonal(snap);
                zeroTheDiagonal(eprop);
                for (int t = 0; t < steps; t++) {
                    String at = kind + " n=" + n + " m=" + m + " seed=" + seed + " t=" + t;
                    snap.computeGradient(xs[t], ys[t]);
                    eprop.computeGradient(xs[t], ys[t]);
                    assertSameValues("gradient " + at, EngineProbe.gradient(snap), EngineProbe.gradient(eprop));
                    assertSameValues("traces " + at, EngineProbe.allSensitivities(snap), EngineProbe.allSensitivities(eprop));
                }
            }
        });
    }

    private static void zeroTheDiagonal(OnlineTrainer trainer) {
        RecurrentCell cell = trainer.inspect().cell();
        RnnLayout layout = trainer.layout();
        for (int g = 0; g < cell.gates(); g++) {
            for (int i = 0; i < layout.n(); i++) {
                cell.setParameter(layout.w(g * layout.n() + i, i), 0f);
            }
        }
    }

    private static void sameEveryStep(LearnerSpec expected, LearnerSpec actual, int n, int m, int steps, long seed) {
        float[][] xs = Sequences.gaussian(seed, steps, m);
        float[][] ys = Sequences.gaussian(~seed, steps, 2);
        try (OnlineTrainer a = OnlineTrainer.builder(n, m, 2).seed(seed).learner(expected).optimizer(OptimizerSpec.adam(1e-2f)).build();
             OnlineTrainer b = OnlineTrainer.builder(n, m, 2).seed(seed).learner(actual).optimizer(OptimizerSpec.adam(1e-2f)).build()) {
            for (int t = 0; t < steps; t++) {
                String at = actual.label() + " against " + expected.label() + " n=" + n + " m=" + m + " seed=" + seed + " t=" + t;
                float la = a.step(xs[t], ys[t]), lb = b.step(xs[t], ys[t]);
                if (la != lb) {
                    throw new AssertionError("loss " + at + ": " + la + " against " + lb);
                }
                assertSameValues("gradient " + at, EngineProbe.gradient(a), EngineProbe.gradient(b));
                assertSameValues("weights " + at, EngineProbe.weights(a), EngineProbe.weights(b));
            }
        }
    }

    private static void closeEveryStepWithFixedWeights(LearnerSpec expected, LearnerSpec actual, int n, int m, int steps, long seed) {
        float[][] xs = Sequences.gaussian(seed, steps, m);
        float[][] ys = Sequences.gaussian(~seed, steps, 2);
        Tolerance tolerance = new Tolerance(1e-6, 1e-5);
        try (OnlineTrainer a = SequenceProperty.trainer(n, m, seed, expected);
             OnlineTrainer b = SequenceProperty.trainer(n, m, seed, actual)) {
            for (int t = 0; t < steps; t++) {
                a.computeGradient(xs[t], ys[t]);
                b.computeGradient(xs[t], ys[t]);
                tolerance.assertClose("gradient " + actual.label() + " against " + expected.label() + " n=" + n + " m=" + m
                        + " seed=" + seed + " t=" + t, EngineProbe.gradient(a), EngineProbe.gradient(b),
                        SparseEqualsFullTest.largestMagnitude(ys[t]));
            }
        }
    }

    /** Equal as numbers at every index (0.0 and -0.0 count as equal: they arise from a term 0 * x added or not). */
    private static void assertSameValues(String what, double[] expected, double[] actual) {
        if (expected.length != actual.length) {
            throw new AssertionError(what + ": length " + actual.length + ", expected " + expected.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!(expected[i] == actual[i])) {
                throw new AssertionError(what + "[" + i + "]: expected " + expected[i] + ", actual " + actual[i]);
            }
        }
    }
}
