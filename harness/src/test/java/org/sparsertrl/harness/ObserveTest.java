package org.sparsertrl.harness;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * {@code observe} steps without a target: after observing all but the last input of a sequence,
 * full RTRL's gradient at the last step is the gradient of that step's loss alone, checked against
 * central differences of the double reference; and a bad input changes nothing.
 */
class ObserveTest {

    static final Tolerance AGAINST_DIFFERENCES = new Tolerance(5e-5, 2e-3);

    @Test
    void gradientAfterObservingIsTheLastLossGradient() {
        qt().withExamples(100).forAll(
                integers().between(1, 24), integers().between(1, 4), integers().between(1, 20), longs().all()
        ).checkAssert((n, m, steps, seed) -> {
            float[][] xs = Sequences.gaussian(seed, steps, m);
            float[] target = Sequences.gaussian(~seed, 1, 2)[0];
            try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).seed(seed).learner(LearnerSpec.full()).build()) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                for (int t = 0; t < steps - 1; t++) {
                    trainer.observe(xs[t]);
                }
                trainer.computeGradient(xs[steps - 1], target);
                double[] engine = EngineProbe.recurrentGradient(trainer);
                double[][] wide = Sequences.widen(xs);
                double[] wideTarget = Sequences.widen(new float[][] {target})[0];
                SplittableRandom random = new SplittableRandom(seed);
                int checks = Math.min(20, reference.p());
                double[] expected = new double[checks], actual = new double[checks];
                double h = 1e-5;
                for (int c = 0; c < checks; c++) {
                    int col = random.nextInt(reference.p());
                    expected[c] = (lastLoss(reference.perturbed(col, h), wide, wideTarget)
                            - lastLoss(reference.perturbed(col, -h), wide, wideTarget)) / (2 * h);
                    actual[c] = engine[col];
                }
                AGAINST_DIFFERENCES.assertClose("n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed, expected, actual);
            }
        });
    }

    @Test
    void aBadInputChangesNothing() {
        try (OnlineTrainer trainer = OnlineTrainer.builder(4, 2, 1).seed(1).learner(LearnerSpec.full()).build()) {
            trainer.observe(new float[] {0.5f, -0.5f});
            float[] before = trainer.hiddenState();
            assertThrows(IllegalArgumentException.class, () -> trainer.observe(new float[] {Float.NaN, 0f}));
            assertThrows(IllegalArgumentException.class, () -> trainer.observe(new float[] {1f}));
            assertArrayEquals(before, trainer.hiddenState());
        }
    }

    /** The loss of the last step only, from h_0 = 0. */
    private static double lastLoss(ReferenceRnn r, double[][] xs, double[] target) {
        double[] h = new double[r.n];
        double loss = 0;
        for (int t = 0; t < xs.length; t++) {
            ReferenceRnn.Step s = r.forward(h, xs[t], target);
            loss = s.loss();
            h = s.h();
        }
        return loss;
    }
}
