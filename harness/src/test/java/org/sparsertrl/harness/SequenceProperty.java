package org.sparsertrl.harness;

import org.sparsertrl.engine.cell.CellKind;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * The draw that the learners' property tests share: a network of n hidden units, m inputs and two
 * outputs, and a sequence of {@code steps} Gaussian inputs (from the seed) and targets (from its
 * complement), so that every test of a learner sees the same kind of case.
 */
final class SequenceProperty {

    /** Outputs of every drawn network. */
    static final int OUTPUTS = 2;

    /** Float32 engine against the double oracle, over up to 40 steps of n-term sums. */
    static final Tolerance FLOAT = new Tolerance(2e-5, 1e-3);

    private SequenceProperty() {
    }

    /** One drawn case. */
    @FunctionalInterface
    interface Check {
        void check(int n, int m, int steps, long seed, float[][] xs, float[][] ys);
    }

    /**
     * Runs {@code check} on {@code examples} cases with n in [1, maxN], m in [1, maxM], steps in
     * [1, maxSteps] and any seed; QuickTheories shrinks a failing case.
     */
    static void forAll(int examples, int maxN, int maxM, int maxSteps, Check check) {
        qt().withExamples(examples).forAll(
                integers().between(1, maxN), integers().between(1, maxM), integers().between(1, maxSteps), longs().all()
        ).checkAssert((n, m, steps, seed) -> check.check(n, m, steps, seed,
                Sequences.gaussian(seed, steps, m), Sequences.gaussian(~seed, steps, OUTPUTS)));
    }

    /** The case in an assertion message. */
    static String at(int n, int m, int steps, long seed) {
        return "n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed;
    }

    /** A vanilla network with the case's sizes and seed that learns with {@code learner}. */
    static OnlineTrainer trainer(int n, int m, long seed, LearnerSpec learner) {
        return OnlineTrainer.builder(n, m, OUTPUTS).seed(seed).learner(learner).build();
    }

    /** A fresh trainer's gradient summed over the sequence with frozen weights (see {@link RtrlEqualsBpttTest#summedGradient}). */
    static double[] summed(CellKind cell, LearnerSpec learner, int n, int m, long seed, float[][] xs, float[][] ys) {
        try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, OUTPUTS).cell(cell).seed(seed).learner(learner).build()) {
            return RtrlEqualsBpttTest.summedGradient(trainer, xs, ys);
        }
    }

    /** {@link #summed} on the vanilla cell, for the sequence the seed draws. */
    static double[] summed(LearnerSpec learner, int n, int m, int steps, long seed) {
        return summed(CellKind.VANILLA, learner, n, m, seed, Sequences.gaussian(seed, steps, m),
                Sequences.gaussian(~seed, steps, OUTPUTS));
    }
}
