package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * SnAp-1 pinned three ways, with frozen weights: it equals the double reference of its definition
 * (per-row RTRL with S_i = {i}) in summed gradient and in the whole last J; it equals the engine's
 * per-row sparse learner given those same sets; and for one hidden unit it is full RTRL.
 */
class Snap1Test {

    static final Tolerance FLOAT = new Tolerance(2e-5, 1e-3);

    @Test
    void snap1MatchesTheDoubleReferenceOfItsDefinition() {
        qt().withExamples(100).forAll(
                integers().between(1, 40), integers().between(1, 6), integers().between(1, 25), longs().all()
        ).checkAssert((n, m, steps, seed) -> {
            float[][] xs = Sequences.gaussian(seed, steps, m);
            float[][] ys = Sequences.gaussian(~seed, steps, 2);
            try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).seed(seed).learner(LearnerSpec.snap1()).build()) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                double[] summed = RtrlEqualsBpttTest.summedGradient(trainer, xs, ys);
                ReferenceRnn.RtrlRun run = reference.rtrl(Sequences.widen(xs), Sequences.widen(ys), selfPaths(n), 1.0);
                String at = "n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed;
                FLOAT.assertClose("summed gradient " + at, RtrlEqualsBpttTest.flatten(trainer.layout(), run.summed()), summed);
                double[] expectedJ = new double[n * reference.p()];
                for (int i = 0; i < n; i++) {
                    System.arraycopy(run.lastSensitivity()[i], 0, expectedJ, i * reference.p(), reference.p());
                }
                FLOAT.assertClose("J " + at, expectedJ, EngineProbe.sensitivities(trainer));
            }
        });
    }

    @Test
    void snap1IsPerRowSparseThroughTheSelfPath() {
        qt().withExamples(100).forAll(
                integers().between(1, 40), integers().between(1, 6), integers().between(1, 25), longs().all()
        ).checkAssert((n, m, steps, seed) -> {
            LearnerSpec diagonal = LearnerSpec.sparse(1, Selection.explicit(selfPaths(n)));
            FLOAT.assertClose("n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed,
                    summed(diagonal, n, m, steps, seed), summed(LearnerSpec.snap1(), n, m, steps, seed));
        });
    }

    @Test
    void forOneHiddenUnitSnap1IsFullRtrl() {
        qt().withExamples(100).forAll(integers().between(1, 6), integers().between(1, 40), longs().all())
                .checkAssert((m, steps, seed) -> FLOAT.assertClose("m=" + m + " steps=" + steps + " seed=" + seed,
                        summed(LearnerSpec.full(), 1, m, steps, seed), summed(LearnerSpec.snap1(), 1, m, steps, seed)));
    }

    private static double[] summed(LearnerSpec learner, int n, int m, int steps, long seed) {
        try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).seed(seed).learner(learner).build()) {
            return RtrlEqualsBpttTest.summedGradient(trainer, Sequences.gaussian(seed, steps, m),
                    Sequences.gaussian(~seed, steps, 2));
        }
    }

    private static int[][] selfPaths(int n) {
        int[][] paths = new int[n][];
        for (int i = 0; i < n; i++) {
            paths[i] = new int[] {i};
        }
        return paths;
    }
}
