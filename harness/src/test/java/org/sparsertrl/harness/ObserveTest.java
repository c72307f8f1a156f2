package org.sparsertrl.harness;


import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.Differences;
import org.sparsertrl.harness.oracle.EngineProbe;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code observe} steps without a target: after observing all but the last input of a sequence,
 * full RTRL's gradient at the last step is the gradient of that step's loss alone, checked against
 * central differences of the double reference; and a bad input changes nothing.
 */
class ObserveTest {

    static final Tolerance AGAINST_DIFFERENCES = new Tolerance(5e-5, 2e-3);

    @Test
    void gradientAfterObservingIsTheLastLossGradient() {
        SequenceProperty.forAll(100, 24, 4, 20, (n, m, steps, seed, xs, ys) -> {
            float[] target = Sequences.gaussian(~seed, 1, 2)[0];
            try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, LearnerSpec.full())) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                for (int t = 0; t < steps - 1; t++) {
                    trainer.observe(xs[t]);
                }
                trainer.computeGradient(xs[steps - 1], target);
                double[] engine = EngineProbe.recurrentGradient(trainer);
                double[][] wide = Sequences.widen(xs);
                double[] wideTarget = Sequences.widen(new float[][] {target})[0];
                Differences d = Differences.sample(seed, 20, reference.p(),
                        (col, h) -> lastLoss(reference.perturbed(col, h), wide, wideTarget), col -> engine[col]);
                AGAINST_DIFFERENCES.assertClose(SequenceProperty.at(n, m, steps, seed), d.expected(), d.actual());
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
