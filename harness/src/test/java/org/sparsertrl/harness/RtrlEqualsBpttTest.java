package org.sparsertrl.harness;

import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.sparsertrl.engine.cell.RnnLayout;
import org.sparsertrl.engine.learn.LearnerSpec;
import org.sparsertrl.engine.train.OnlineTrainer;
import org.sparsertrl.harness.oracle.ReferenceRnn;
import org.sparsertrl.harness.oracle.Sequences;
import org.sparsertrl.harness.oracle.Tolerance;

import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;

/**
 * Property 2, the exactness oracle: with weights frozen over a sequence, the sum of full RTRL's online
 * gradients is the BPTT gradient of the summed loss; and the double reference's BPTT agrees with
 * central finite differences.
 */
class RtrlEqualsBpttTest {

    /** Float32 engine against the double oracle, over up to 25 steps of n-term sums. */
    static final Tolerance FLOAT = new Tolerance(2e-5, 1e-3);

    /** Central differences with h = 1e-5 in double: truncation ~h^2, rounding ~1e-16 / h. */
    static final Tolerance DIFFERENCES = new Tolerance(1e-7, 1e-5);

    @Test
    void summedFullRtrlGradientEqualsBptt() {
        qt().withExamples(100).forAll(
                integers().between(1, 40), integers().between(1, 6), integers().between(1, 25), longs().all()
        ).checkAssert((n, m, steps, seed) -> {
            float[][] xs = Sequences.gaussian(seed, steps, m);
            float[][] ys = Sequences.gaussian(~seed, steps, 2);
            try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).seed(seed).learner(LearnerSpec.full()).build()) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient bptt = reference.bptt(Sequences.widen(xs), Sequences.widen(ys));
                double[] summed = summedGradient(trainer, xs, ys);
                String at = "n=" + n + " m=" + m + " steps=" + steps + " seed=" + seed;
                FLOAT.assertClose("gradient " + at, flatten(trainer.layout(), bptt), summed);
            }
        });
    }

    @Test
    void referenceBpttEqualsFiniteDifferences() {
        qt().withExamples(100).forAll(
                integers().between(1, 40), integers().between(1, 6), integers().between(1, 25), longs().all()
        ).checkAssert((n, m, steps, seed) -> {
            double[][] xs = Sequences.widen(Sequences.gaussian(seed, steps, m));
            double[][] ys = Sequences.widen(Sequences.gaussian(~seed, steps, 2));
            try (OnlineTrainer trainer = OnlineTrainer.builder(n, m, 2).seed(seed).build()) {
                ReferenceRnn reference = ReferenceRnn.of(trainer.inspect().cell());
                ReferenceRnn.Gradient bptt = reference.bptt(xs, ys);
                // Thirty random columns per example keep the O(p T n^2) differences affordable.
                SplittableRandom random = new SplittableRandom(seed);
                int checks = Math.min(30, reference.p());
                double[] expected = new double[checks], actual = new double[checks];
                double h = 1e-5;
                for (int c = 0; c < checks; c++) {
                    int col = random.nextInt(reference.p());
                    expected[c] = (reference.perturbed(col, h).totalLoss(xs, ys)
                            - reference.perturbed(col, -h).totalLoss(xs, ys)) / (2 * h);
                    actual[c] = bptt.recurrent()[col];
                }
                DIFFERENCES.assertClose("BPTT vs differences n=" + n + " m=" + m + " seed=" + seed,
                        expected, actual);
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
