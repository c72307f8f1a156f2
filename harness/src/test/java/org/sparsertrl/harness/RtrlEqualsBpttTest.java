package org.sparsertrl.harness;


import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.Differences;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;
import static org.sparsertrl.harness.SequenceProperty.FLOAT;


/**
 * Property 2, the exactness oracle: with weights frozen over a sequence, the sum of full RTRL's online
 * gradients is the BPTT gradient of the summed loss; and the double reference's BPTT agrees with
 * central finite differences.
 */
class RtrlEqualsBpttTest {

    /** Central differences with h = 1e-5 in double: truncation ~h^2, rounding ~1e-16 / h. */
    static final Tolerance DIFFERENCES = new Tolerance(1e-7, 1e-5);

    @Test
    void summedFullRtrlGradientEqualsBptt() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, xs, ys) -> {
            try (OnlineTrainer trainer = SequenceProperty.trainer(n, m, seed, LearnerSpec.full())) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient bptt = reference.bptt(Sequences.widen(xs), Sequences.widen(ys));
                double[] summed = summedGradient(trainer, xs, ys);
                String at = SequenceProperty.at(n, m, steps, seed);
                FLOAT.assertClose("gradient " + at, flatten(trainer.layout(), bptt), summed);
            }
        });
    }

    @Test
    void referenceBpttEqualsFiniteDifferences() {
        SequenceProperty.forAll(100, 40, 6, 25, (n, m, steps, seed, floatXs, floatYs) -> {
            double[][] xs = Sequences.widen(floatXs);
            double[][] ys = Sequences.widen(floatYs);
            try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).seed(seed).build()) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient bptt = reference.bptt(xs, ys);
                // Thirty random columns per example keep the O(p T n^2) differences affordable.
                Differences d = Differences.sample(seed, 30, reference.p(),
                        (col, h) -> reference.perturbed(col, h).totalLoss(xs, ys), col -> bptt.recurrent()[col]);
                DIFFERENCES.assertClose("BPTT vs differences n=" + n + " m=" + m + " seed=" + seed,
                        d.expected(), d.actual());
            }
        });
    }

    /** Sums the per-step gradients of {@code trainer} over the sequence with frozen weights, in slab order. */
    static double[] summedGradient(OnlineTrainer trainer, float[][] xs, float[][] ys) {
        RnnLayout layout = trainer.layout();
        double[] sum = new double[layout.size()];
        for (int t = 0; t < xs.length; t++) {
            trainer.computeGradient(xs[t], ys[t]);
            for (int index = 0; index < layout.size(); index++) {
                sum[index] += trainer.gradient(index);
            }
        }
        return parametersOnly(layout, sum);
    }

    /** A reference gradient as a slab-ordered vector of parameters (padding skipped). */
    static double[] flatten(RnnLayout layout, ReferenceRnn.Gradient gradient) {
        double[] slab = new double[layout.size()];
        int q = layout.n() + layout.m() + 1;
        for (int col = 0; col < layout.n() * q; col++) {
            slab[ReferenceRnn.slabIndex(layout, col)] = gradient.recurrent()[col];
        }
        for (int r = 0; r < layout.o(); r++) {
            for (int j = 0; j < layout.n(); j++) {
                slab[layout.v(r, j)] = gradient.v()[r][j];
            }
            slab[layout.c(r)] = gradient.c()[r];
        }
        return parametersOnly(layout, slab);
    }

    static double[] parametersOnly(RnnLayout layout, double[] slab) {
        double[] out = new double[(int) layout.parameterCount()];
        int k = 0;
        for (int index = 0; index < layout.size(); index++) {
            if (layout.isParameter(index)) {
                out[k++] = slab[index];
            }
        }
        return out;
    }
}
