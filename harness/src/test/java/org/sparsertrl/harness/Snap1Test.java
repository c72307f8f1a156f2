package org.sparsertrl.harness;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.learn.Selection;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.sparsertrl.harness.SequenceProperty.FLOAT;
import static org.sparsertrl.harness.SequenceProperty.summed;

/**
 * SnAp-1 pinned three ways, with frozen weights: it equals the double reference of its definition
 * (per-row RTRL with S_i = {i}) in summed gradient and in the whole last J; it equals the engine's
 * per-row sparse learner given those same sets; and for one hidden unit it is full RTRL.
 */
class Snap1Test {

    @Test
    void snap1MatchesTheDoubleReferenceOfItsDefinition() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, LearnerSpec.snap1())) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                double[] summed = RtrlEqualsBpttTest.summedGradient(trainer, xs, ys);
                ReferenceRnn.RtrlRun run = reference.rtrl(Sequences.widen(xs), Sequences.widen(ys), selfPaths(n), 1.0);
                String at = SequenceProperty.at(n, m, steps, seed);
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
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            LearnerSpec diagonal = LearnerSpec.sparse(1, Selection.explicit(selfPaths(n)));
            FLOAT.assertClose(SequenceProperty.at(n, m, steps, seed),
                    summed(diagonal, n, m, steps, seed), summed(LearnerSpec.snap1(), n, m, steps, seed));
        });
    }

    @Test
    void forOneHiddenUnitSnap1IsFullRtrl() {
        qt().withExamples(100).forAll(integers().between(1, 6), integers().between(1, 40), longs().all())
                .checkAssert((m, steps, seed) -> FLOAT.assertClose("m=" + m + " steps=" + steps + " seed=" + seed,
                        summed(LearnerSpec.full(), 1, m, steps, seed), summed(LearnerSpec.snap1(), 1, m, steps, seed)));
    }


    private static int[][] selfPaths(int n) {
        int[][] paths = new int[n][];
        for (int i = 0; i < n; i++) {
            paths[i] = new int[] {i};
        }
        return paths;
    }
}
